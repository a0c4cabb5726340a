package review

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/view"
)

//go:embed page.html
var pageHTML string

//go:embed page.css
var pageCSS string

//go:embed page.js
var pageJS string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// IndexName is the page's file in its folder.
const IndexName = "index.html"

// Page collects the images of a plan's changes and writes its review
// page. Its methods may be called from several goroutines at once.
type Page struct {
	dir   string
	store *store

	mu       sync.Mutex
	after    map[string][]*picture // by address, one per output
	before   map[string][]*picture
	variants map[string][]*variantPic // by address, as the change leaves them
	// variantsBefore are the variant files on disk before the change, by
	// address and variant name: those the change derives anew.
	variantsBefore map[string]map[string]variantBefore
	shots          map[string][]*shot // by address: the candidates a preview made
	// sources are, by an image's SHA-256, the input hashes of the cache
	// entries that may hold it: a published page links the cache's own
	// object instead of a copy.
	sources map[model.Hash][]model.Hash
}

// New starts a review page in dir, creating it.
func New(dir string) (*Page, error) {
	s, err := newStore(dir)
	if err != nil {
		return nil, err
	}
	return &Page{dir: dir, store: s, after: map[string][]*picture{}, before: map[string][]*picture{}, variants: map[string][]*variantPic{}, variantsBefore: map[string]map[string]variantBefore{}, shots: map[string][]*shot{}, sources: map[model.Hash][]model.Hash{}}, nil
}

// After records the images a change makes, one per sample, and the
// variants derived from them.
func (pg *Page) After(c *plan.Change, imgs []model.Image) error {
	pg.from(c.InputHash, imgs)
	if c.Candidate > 0 {
		if err := pg.candidate(c, imgs); err != nil {
			return err
		}
		if c.Candidate != 1 {
			return nil // the card shows candidate 1 as the image, the others in its grid
		}
	}
	if len(c.Variants) > 0 {
		vs := pg.deriveVariants(c, imgs)
		pg.mu.Lock()
		pg.variants[c.Address] = vs
		pg.mu.Unlock()
	}
	if len(c.Write) == 0 && len(c.Outputs) == 0 {
		return nil // variants only
	}
	if len(c.Write) == 0 {
		return nil // the image is unchanged: its outputs show as they are
	}
	return pg.record(pg.after, c.Address, imgs)
}

// Before records the images a change's outputs are now, one per output;
// a zero Image is one there is none of.
func (pg *Page) Before(address string, imgs []model.Image) error {
	return pg.record(pg.before, address, imgs)
}

// from notes that the cache entry of input hash h may hold imgs.
func (pg *Page) from(h model.Hash, imgs []model.Image) {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	for _, img := range imgs {
		if len(img.Data) == 0 {
			continue
		}
		sum := model.SumBytes(img.Data)
		if !slices.Contains(pg.sources[sum], h) {
			pg.sources[sum] = append(pg.sources[sum], h)
		}
	}
}

func (pg *Page) record(into map[string][]*picture, address string, imgs []model.Image) error {
	pics := make([]*picture, len(imgs))
	for i, img := range imgs {
		if len(img.Data) == 0 {
			continue
		}
		p, err := pg.store.add(img)
		if err != nil {
			return fmt.Errorf("%s: %w", address, err)
		}
		pics[i] = p
	}
	pg.mu.Lock()
	defer pg.mu.Unlock()
	into[address] = pics
	return nil
}

// Info is what the page says besides the plan.
type Info struct {
	// Commit is the configuration's commit, when it is in git.
	Commit string
	// Made is when the page was made.
	Made time.Time
	// Previewed is true when the images were generated for the page;
	// false when it shows only what the cache already held.
	Previewed bool
	// Serve is true when imgform preview --serve serves the page: each
	// candidate has a button that records the pick.
	Serve bool
	// Published is true for the page put in the team's bucket: its
	// Content-Security-Policy lets no script call anywhere, and no
	// address is sent on as a referrer.
	Published bool
}

// Write writes index.html for p, atomically, and returns its path.
func (pg *Page) Write(p *plan.Plan, info Info) (string, error) {
	path := filepath.Join(pg.dir, IndexName)
	err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		if err := pg.render(bw, p, info, nil); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return "", fmt.Errorf("writing the review page: %w", err)
	}
	return path, nil
}

// render writes the page of p. link gives the address of each image
// file, from its path beside the page; nil keeps the paths (a page read
// from its folder).
func (pg *Page) render(w io.Writer, p *plan.Plan, info Info, link func(rel string) string) error {
	if link == nil {
		link = func(rel string) string { return rel }
	}
	pg.mu.Lock()
	data := pageData{
		Summary:   summaryOf(p),
		CostLine:  pg.costLine(p, info.Previewed),
		Commit:    info.Commit,
		Made:      info.Made.UTC().Format("2006-01-02 15:04 MST"),
		Previewed: info.Previewed,
		Serve:     info.Serve,
		Published: info.Published,
		Link:      link,
		CSS:       template.CSS(pageCSS),
		JS:        template.JS(pageJS),
	}
	for i, c := range p.Changes {
		data.Cards = append(data.Cards, pg.card(i, c, info.Previewed))
	}
	pg.mu.Unlock()
	return pageTemplate.Execute(w, data)
}

type pageData struct {
	Summary   []count
	CostLine  string
	Commit    string
	Made      string
	Previewed bool
	Serve     bool
	Published bool
	Link      func(rel string) string
	Cards     []card
	CSS       template.CSS
	JS        template.JS
}

type count struct {
	Action string
	N      int
}

func summaryOf(p *plan.Plan) []count {
	s := p.Summary
	return []count{{"create", s.Create}, {"replace", s.Replace}, {"move", s.Move}, {"restore", s.Restore}, {"delete", s.Delete}, {"derive", s.Derive}}
}

// card is one change on the page.
type card struct {
	ID      string
	Address string
	Action  string
	Symbol  string
	Reasons []string
	Params  []param
	Pairs   []pair
	// Variants are the image's variants, derived from the image the card
	// shows: the crop a reviewer must see.
	Variants []*variantPic
	// Candidates are the image's candidates, when it has some and none
	// is picked (or the preview made them).
	Candidates []*shot
	Cost       string
}

type param struct {
	Name     string
	Old, New string
	Words    []view.Segment // the changed words of a long text; nil otherwise
}

// pair is one output before and after; either may be absent.
type pair struct {
	BeforePath, AfterPath string
	Before, After         *picture
	// BeforeNote and AfterNote say why an image is absent.
	BeforeNote, AfterNote string
}

func (p pair) Both() bool { return p.Before != nil && p.After != nil }

var symbols = map[plan.Action]string{plan.Create: "+", plan.Replace: "-/+", plan.Move: "~", plan.Restore: "<=", plan.Delete: "-", plan.Derive: "~"}

func (pg *Page) card(i int, c *plan.Change, previewed bool) card {
	out := card{ID: fmt.Sprintf("c%d", i), Address: c.Address, Action: string(c.Action), Symbol: symbols[c.Action], Cost: costOf(c, pg.made(c), previewed)}
	for _, r := range c.Reasons {
		out.Reasons = append(out.Reasons, r.Message)
	}
	for _, d := range c.Diff {
		out.Params = append(out.Params, param{Name: d.Name, Old: d.Old, New: d.New, Words: view.WordDiffOf(d)})
	}
	out.Pairs = pg.pairs(c)
	out.Candidates = pg.shotsOf(c)
	out.Variants = pg.variants[c.Address]
	if out.Variants == nil {
		for i, v := range c.Variants {
			out.Variants = append(out.Variants, &variantPic{Name: v.Name, Path: v.Path, What: view.DescribeVariant(v), Derived: slices.Contains(c.Derive, i), Note: "not derived yet"})
		}
	}
	if before := pg.variantsBefore[c.Address]; len(before) > 0 {
		withBefore := make([]*variantPic, len(out.Variants))
		for i, v := range out.Variants {
			vp := *v
			if b, ok := before[v.Name]; ok && v.Derived {
				vp.Before, vp.BeforePath = b.Pic, b.Path
			}
			withBefore[i] = &vp
		}
		out.Variants = withBefore
	}
	return out
}

// pairs lines up each output's before and after: a create has no before,
// a delete no after, a move the same image at two paths.
func (pg *Page) pairs(c *plan.Change) []pair {
	before, after := pg.before[c.Address], pg.after[c.Address]
	at := func(pics []*picture, i int) *picture {
		if i < len(pics) {
			return pics[i]
		}
		return nil
	}
	var out []pair
	switch c.Action {
	case plan.Delete:
		for i, path := range c.Outputs {
			out = append(out, pair{BeforePath: path, Before: at(before, i), BeforeNote: "no image on disk"})
		}
		return out
	case plan.Move:
		moved := map[string]string{}
		for _, m := range c.Moves {
			moved[m.To] = m.From
		}
		for i, path := range c.Outputs {
			from := moved[path]
			if from == "" {
				from = path
			}
			pic := at(before, i)
			out = append(out, pair{BeforePath: from, AfterPath: path, Before: pic, After: pic, BeforeNote: "no image on disk", AfterNote: "no image on disk"})
		}
		return out
	}
	written := map[int]bool{}
	for _, i := range c.Write {
		written[i] = true
	}
	for i, path := range c.Outputs {
		p := pair{AfterPath: path, After: at(after, i), AfterNote: "not generated yet"}
		if !written[i] {
			p.After, p.AfterNote = at(before, i), "unchanged"
		}
		if c.Action != plan.Create {
			p.BeforePath, p.Before, p.BeforeNote = path, at(before, i), "no image on disk"
			if c.Prior != nil && i < len(c.Prior.Outputs) {
				p.BeforePath = c.Prior.Outputs[i].Path
			}
		}
		out = append(out, p)
	}
	return out
}

// made reports whether the page has every image a change writes: the
// preview made it (or the cache held it), and apply takes it from the
// cache. The caller holds pg.mu.
func (pg *Page) made(c *plan.Change) bool {
	if len(c.Write) == 0 && len(c.Outputs) == 0 && len(c.Variants) > 0 {
		return pg.variants[c.Address] != nil // an image kept for its variants only
	}
	after := pg.after[c.Address]
	for _, i := range c.Write {
		if i >= len(after) || after[i] == nil {
			return false
		}
	}
	return len(c.Write) > 0
}

// costOf says what a change costs at apply. One the plan priced but whose
// images the page has was paid for by this preview (or, for a page made
// from the cache, by an earlier one): apply takes it from the cache.
func costOf(c *plan.Change, made, previewed bool) string {
	switch {
	case c.Cost > 0 && made && previewed:
		return "generated in preview, free at apply"
	case c.Cost > 0 && made:
		return "in the cache, free at apply"
	case c.Cost > 0:
		return fmt.Sprintf("%d %s to pay for", c.Cost, plural(c.Cost, "image", "images"))
	case c.Cached && len(c.Write) > 0:
		return "from the cache"
	case len(c.Derive) > 0:
		return "free: variants derived from the image"
	case c.Resumes:
		return "already paid (a journaled job)"
	}
	return "free"
}

// costLine is the page's summary of the cost: the plan's, unless some of
// what it would pay for is made already, which is then told apart from
// what apply still pays for. The caller holds pg.mu.
func (pg *Page) costLine(p *plan.Plan, previewed bool) string {
	var madeN, leftN, candN int
	var madeUSD, leftUSD float64
	for _, c := range p.Changes {
		if c.Request == nil {
			continue
		}
		price := c.Request.Schema().PriceUSD
		// The other candidates the preview made: paid for, and kept in
		// the cache for a pick.
		candN += pg.otherCandidatesMade(c)
		madeUSD += float64(pg.otherCandidatesMade(c)) * price
		if c.Cost == 0 {
			continue
		}
		usd := float64(c.Cost) * price
		if pg.made(c) {
			madeN, madeUSD = madeN+c.Cost, madeUSD+usd
		} else {
			leftN, leftUSD = leftN+c.Cost, leftUSD+usd
		}
	}
	if madeN+candN == 0 {
		return view.CostLine(p, 0)
	}
	how := "generated in this preview"
	if !previewed {
		how = "in the cache already"
	}
	var line string
	if candN == 0 {
		line = fmt.Sprintf("%d %s %s (about $%.3f): apply takes %s from the cache, free.", madeN, plural(madeN, "image", "images"), how, madeUSD, plural(madeN, "it", "them"))
	} else {
		n := madeN + candN
		line = fmt.Sprintf("%d %s %s (about $%.3f), every candidate counted: apply takes what it writes from the cache, free; the %d other %s wait there for a pick.",
			n, plural(n, "image", "images"), how, madeUSD, candN, plural(candN, "candidate", "candidates"))
	}
	if leftN > 0 {
		line += fmt.Sprintf(" %d more to pay for at apply (about $%.3f).", leftN, leftUSD)
	} else {
		line += " Apply pays for nothing more."
	}
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
