package view

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
)

// TextOptions tune the human rendering.
type TextOptions struct {
	Color bool // ANSI colours (only on a terminal, never with --no-color)
	// RatePerMinute is the rate apply will pace billable requests at; the
	// cost line says how long that takes. 0 says nothing of time.
	RatePerMinute float64
}

// symbol and colour per action, in the manner of Terraform.
var actionStyle = map[plan.Action]struct {
	symbol, color, verb string
}{
	plan.Create:  {"+", "\x1b[32m", "will be created"},
	plan.Replace: {"-/+", "\x1b[33m", "must be replaced"},
	plan.Move:    {"~", "\x1b[36m", "will be moved"},
	plan.Restore: {"<=", "\x1b[34m", "will be restored"},
	plan.Delete:  {"-", "\x1b[31m", "will be deleted"},
	plan.Derive:  {"~", "\x1b[35m", "will have variants derived (free: from the image)"},
}

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

// WriteText renders the plan for people, Terraform style: every change
// with its symbol, address, reasons and parameters, then a summary line.
func WriteText(w io.Writer, p *plan.Plan, opts TextOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	t := textWriter{w: bw, color: opts.Color, rate: opts.RatePerMinute}
	t.plan(p)
	return bw.Flush()
}

type textWriter struct {
	w     *bufio.Writer
	color bool
	rate  float64
}

func (t textWriter) paint(s string, codes ...string) string { return paint(t.color, s, codes...) }

func (t textWriter) plan(p *plan.Plan) {
	if !p.HasChanges() {
		fmt.Fprintf(t.w, "\n%s Your images match the configuration.\n", t.paint("No changes.", ansiBold))
		t.refresh(p)
		t.history(p)
		t.unpicked(p)
		return
	}
	fmt.Fprintf(t.w, "\nimgform will perform the following actions:\n")
	for _, c := range p.Changes {
		t.change(c)
	}
	fmt.Fprintf(t.w, "\n%s %s\n", t.paint("Plan:", ansiBold), summaryCounts(p.Summary))
	fmt.Fprintf(t.w, "%s\n", CostLine(p, t.rate))
	t.refresh(p)
	t.history(p)
	t.unpicked(p)
}

// history says what the checkout's history decided: images left alone,
// images whose history a shallow clone could not check, images whose
// uncommitted changes are committed now.
func (t textWriter) history(p *plan.Plan) {
	t.leftAlone(p)
	if n := len(p.Unchecked); n > 0 {
		fmt.Fprintf(t.w, "\n%s\n", t.paint(uncheckedLine(p), "\x1b[33m"))
	}
	if line := committedLine(p); line != "" {
		fmt.Fprintf(t.w, "\n%s\n", line)
	}
	if line := pendingUploadsLine(p); line != "" {
		fmt.Fprintf(t.w, "\n%s\n", line)
	}
}

// pendingUploadsLine says how many images this checkout keeps for the
// team cache after an upload failed; "" when none.
func pendingUploadsLine(p *plan.Plan) string {
	n := p.PendingUploads
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%s to upload to the team cache (kept here when an upload failed): apply, preview and imgform cache push upload %s first.",
		plural(n, "image", "images"), pickVerb(n, "it", "them"))
}

// uncheckedLine says, in one line, that a shallow clone could not make
// the stale-checkout check for some images, and how to fix it.
func uncheckedLine(p *plan.Plan) string {
	n := len(p.Unchecked)
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("The stale-checkout check was skipped for %s whose %s this shallow clone lacks (apply refuses until it can check): fetch the history with git fetch --unshallow (in GitHub Actions, actions/checkout with fetch-depth: 0).",
		plural(n, "image", "images"), pickVerb(n, "revision", "revisions"))
}

// committedLine says which images made from changes not committed then
// take the commit that holds them now; "" when none do.
func committedLine(p *plan.Plan) string {
	n := len(p.Committed)
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%s made from changes not committed then %s committed now (%s): apply records the commit, at no cost.",
		plural(n, "image", "images"), pickVerb(n, "is", "are"), plan.ShortRevision(p.Committed[0].Revision))
}

// unpicked lists the images with candidates none of which is picked, and
// how to see them and pick one.
func (t textWriter) unpicked(p *plan.Plan) {
	if len(p.Unpicked) == 0 {
		return
	}
	fmt.Fprintf(t.w, "\n%s\n", t.paint("Candidates:", ansiBold))
	for _, u := range p.Unpicked {
		fmt.Fprintf(t.w, "  %s\n", u.Message())
	}
	fmt.Fprintf(t.w, "imgform preview generates every candidate and shows them side by side; imgform pick ADDRESS K records the one to keep.\n")
}

// leftAlone lists the images a newer configuration changed, which the
// plan does not touch.
func (t textWriter) leftAlone(p *plan.Plan) {
	if len(p.LeftAlone) == 0 {
		return
	}
	fmt.Fprintf(t.w, "\n%s\n", t.paint("Left alone:", ansiBold))
	for _, l := range p.LeftAlone {
		fmt.Fprintf(t.w, "  %s\n", t.paint(l.Message(), "\x1b[33m"))
	}
	fmt.Fprintf(t.w, "Pull the newer configuration and plan again; or, to undo its changes on purpose, pass --overwrite-newer.\n")
}

// refresh mentions outputs whose recorded mtime apply will bring up to
// date.
func (t textWriter) refresh(p *plan.Plan) {
	if n := len(p.Refresh); n > 0 {
		fmt.Fprintf(t.w, "%s with unchanged content %s a new modification time (a fresh checkout?): nothing to regenerate; the time is kept in .imgform/stat.json, not the state.\n",
			plural(n, "output", "outputs"), pickVerb(n, "has", "have"))
	}
}

// summaryCounts is the plan's counts per action, in a sentence. Derives
// are counted when there are any.
func summaryCounts(s plan.Summary) string {
	line := fmt.Sprintf("%d to create, %d to replace, %d to move, %d to restore, %d to delete", s.Create, s.Replace, s.Move, s.Restore, s.Delete)
	if s.Derive > 0 {
		line += fmt.Sprintf(", %d to derive", s.Derive)
	}
	return line + "."
}

// CostLine says what applying the plan is paid for, and, at a rate of
// ratePerMinute billable requests (0: none), how long sending them takes.
func CostLine(p *plan.Plan, ratePerMinute float64) string {
	s := p.Summary
	line := fmt.Sprintf("Images to generate through the API: %d", s.Generate)
	if s.Generate > 0 {
		usd, prices := p.Cost()
		line += fmt.Sprintf(" (about $%.3f", usd)
		if len(prices) == 1 {
			line += fmt.Sprintf(" at $%.3f per image", prices[0])
		}
		line += ")"
		if ratePerMinute > 0 {
			line += fmt.Sprintf(", about %s at %s", roughDuration(apply.PacedTime(p, ratePerMinute).Seconds()), strconv.FormatFloat(ratePerMinute, 'f', -1, 64)+"/min")
		}
	}
	line += "."
	if n := p.PreviewGenerate(); n != s.Generate {
		line += fmt.Sprintf(" With every candidate, preview pays %d, apply pays %d.", n, s.Generate)
	}
	if s.FromCache > 0 {
		line += fmt.Sprintf(" %s served from the cache.", plural(s.FromCache, "change", "changes"))
	}
	if p.Offline {
		line += " Offline: new images are placeholders."
	}
	return line
}

func (t textWriter) change(c *plan.Change) {
	st := actionStyle[c.Action]
	verb := st.verb
	switch {
	case c.Action == plan.Restore:
		verb = "will be " + restoreHow(c)
	case c.Action == plan.Replace && c.Picked > 0 && c.Cached && onlySeedChanged(c):
		verb = fmt.Sprintf("will be restored from the cache (candidate %d was picked)", c.Picked)
	case c.MovedFrom != "" && c.Action == plan.Move && len(c.Moves) == 0:
		verb = "has moved from " + c.MovedFrom
	}
	t.w.WriteString("\n  ")
	t.w.WriteString(t.paint("# "+c.Address+" "+verb, ansiBold))
	t.w.WriteByte('\n')
	for _, r := range c.Reasons {
		if r.Kind == plan.ReasonNew {
			continue // "will be created" says it
		}
		fmt.Fprintf(t.w, "  %s\n", t.paint("#   "+printable(r.Message), ansiDim))
	}
	t.w.WriteString("  ")
	t.w.WriteString(t.paint(st.symbol, st.color, ansiBold))
	t.w.WriteByte(' ')
	t.w.WriteString(c.Address)
	t.w.WriteByte('\n')

	switch c.Action {
	case plan.Create:
		t.request(c, "")
		t.outputs(c.Outputs)
	case plan.Replace:
		if len(c.Diff) == 0 {
			fmt.Fprintf(t.w, "      (no parameter changed)\n")
		}
		width := 0
		for _, d := range c.Diff {
			width = max(width, len(d.Name))
		}
		for _, d := range c.Diff {
			if segs := WordDiffOf(d); segs != nil {
				fmt.Fprintf(t.w, "      %s %-*s = %s\n", t.paint("~", actionStyle[plan.Replace].color), width, d.Name, t.wordDiff(segs))
				continue
			}
			fmt.Fprintf(t.w, "      %s %-*s = %s -> %s\n", t.paint("~", actionStyle[plan.Replace].color), width, d.Name, d.Old, shownValue(c, d.Name, d.New))
		}
		if kept := pickedSeedKept(c); kept != "" {
			fmt.Fprintf(t.w, "        %-*s = %s\n", width, "seed", kept)
		}
		t.outputs(c.Outputs)
	case plan.Move:
		for _, m := range c.Moves {
			fmt.Fprintf(t.w, "      %s -> %s\n", printable(m.From), printable(m.To))
		}
	case plan.Restore:
		for _, m := range c.Moves {
			fmt.Fprintf(t.w, "      %s -> %s\n", printable(m.From), printable(m.To))
		}
		for _, i := range c.Write {
			fmt.Fprintf(t.w, "      %s %q\n", t.paint("<=", actionStyle[plan.Restore].color), c.Outputs[i])
		}
	case plan.Delete:
		if len(c.Remove) == 0 {
			fmt.Fprintf(t.w, "      (no file to remove)\n")
		}
	case plan.Derive:
		for _, m := range c.Moves {
			fmt.Fprintf(t.w, "      %s -> %s\n", printable(m.From), printable(m.To))
		}
	}
	t.variants(c)
	for _, r := range c.Remove {
		fmt.Fprintf(t.w, "      %s %q\n", t.paint("-", actionStyle[plan.Delete].color), r)
	}
	if len(c.Write) > 0 || len(c.Derive) > 0 {
		phrase := costPhrase(c)
		if n := c.PreviewCost(); len(c.Candidates) > 0 {
			phrase += fmt.Sprintf("; preview generates all %d candidates: %s", len(c.Candidates), plural(n, "image", "images")+" to pay for")
		}
		fmt.Fprintf(t.w, "      %s\n", t.paint(phrase, ansiDim))
	}
}

// variants lists the variant files the change derives, each with what it
// is, and the attributes that changed under the first of a variant.
func (t textWriter) variants(c *plan.Change) {
	color := actionStyle[plan.Derive].color
	diffs := map[string][]plan.ParamDiff{}
	for _, d := range c.VariantDiffs {
		diffs[d.Name] = d.Diff
	}
	for _, i := range c.Derive {
		v := c.Variants[i]
		fmt.Fprintf(t.w, "      %s %q %s\n", t.paint("~>", color), printable(v.Path), t.paint("(variant "+v.Name+": "+DescribeVariant(v)+")", ansiDim))
		width := 0
		for _, d := range diffs[v.Name] {
			width = max(width, len(d.Name))
		}
		for _, d := range diffs[v.Name] {
			fmt.Fprintf(t.w, "          %s %-*s = %s -> %s\n", t.paint("~", color), width, d.Name, orNone(d.Old), orNone(d.New))
		}
		delete(diffs, v.Name) // under its first sample only
	}
}

// DescribeVariant says what a variant is in a few words: its size, how it
// fits, its format and quality.
func DescribeVariant(v plan.Variant) string {
	a := map[string]string{}
	for _, at := range v.Spec.Attributes() {
		a[at.Name] = at.Value
	}
	parts := []string{a["width"] + "×" + a["height"]}
	if v.Spec.Width > 0 && v.Spec.Height > 0 {
		fit := a["fit"]
		if a["anchor"] != "" && a["anchor"] != "center" {
			fit += " " + a["anchor"]
		}
		if a["background"] != "" {
			fit += " on " + a["background"]
		}
		parts = append(parts, fit)
	}
	format := a["format"]
	switch {
	case a["lossless"] == "true":
		format += " lossless"
	case a["quality"] != "":
		format += " q" + a["quality"]
	}
	return strings.Join(append(parts, format), ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// wordDiff shows a changed long text by its changed words, as git's word
// diff does: [-removed-]{+added+}, with a few words of context.
func (t textWriter) wordDiff(segs []Segment) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, s := range elide(segs, wordContext) {
		text := printable(s.Text)
		switch s.Op {
		case '-':
			b.WriteString(t.paint("[-"+text+"-]", actionStyle[plan.Delete].color))
		case '+':
			b.WriteString(t.paint("{+"+text+"+}", actionStyle[plan.Create].color))
		default:
			b.WriteString(text)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// wordContext is how many unchanged words and spaces a word diff shows around each
// change.
const wordContext = 6

// request prints every parameter, aligned, as Terraform prints a new
// resource's attributes.
func (t textWriter) request(c *plan.Change, indent string) {
	params := c.Request.DisplayParams()
	width := 0
	for _, p := range params {
		width = max(width, len(p.Name))
	}
	// Written piece by piece, not with Fprintf: a catalog's plan shows
	// a million of these lines.
	for _, p := range params {
		t.w.WriteString("      ")
		t.w.WriteString(indent)
		t.w.WriteString(p.Name)
		for range width - len(p.Name) {
			t.w.WriteByte(' ')
		}
		t.w.WriteString(" = ")
		t.w.WriteString(shownValue(c, p.Name, p.Value))
		t.w.WriteByte('\n')
	}
}

// pickedSeedKept is how a replacement shows the picked seed it keeps
// (a prompt refined with the picked seed fixed), "" when the seed is not
// a pick or changes itself.
func pickedSeedKept(c *plan.Change) string {
	if c.SeedOrigin != "picked" || c.Request == nil {
		return ""
	}
	for _, d := range c.Diff {
		if d.Name == "seed" {
			return ""
		}
	}
	return shownValue(c, "seed", strconv.FormatInt(c.Request.Seed(), 10))
}

// onlySeedChanged reports a replacement whose request differs from the
// recorded one in its seed alone.
func onlySeedChanged(c *plan.Change) bool {
	return len(c.Diff) == 1 && c.Diff[0].Name == "seed"
}

// seedAtApply is how a plan shows a random seed that apply chooses.
const seedAtApply = "(random, chosen at apply)"

// shownValue is how a plan shows a parameter's new value: a random seed
// not chosen yet is shown as such, not as the stand-in.
func shownValue(c *plan.Change, name, value string) string {
	switch {
	case name == "seed" && c.SeedChosenAtApply:
		return seedAtApply
	case name == "seed" && c.SeedOrigin == "picked" && c.Picked > 0:
		return fmt.Sprintf("%s (picked: candidate %d)", value, c.Picked)
	case name == "seed" && c.SeedOrigin == "picked":
		return value + " (picked)"
	case name == "seed" && len(c.Candidates) > 0:
		return fmt.Sprintf("%s (candidate 1 of %d, none picked)", value, len(c.Candidates))
	}
	return value
}

func (t textWriter) outputs(outs []string) {
	arrow := t.paint("->", ansiDim)
	for _, o := range outs {
		t.w.WriteString("      ")
		t.w.WriteString(arrow)
		t.w.WriteByte(' ')
		t.w.WriteString(strconv.Quote(o))
		t.w.WriteByte('\n')
	}
}

// restoreHow says where a restored image comes from.
func restoreHow(c *plan.Change) string {
	switch {
	case c.Cached && c.FromTeamCache:
		return "restored from the team cache (verified when fetched)"
	case c.Cached:
		return "restored from the cache"
	case c.Resumes:
		return "restored (from a job an earlier run submitted)"
	case c.Generator == state.GeneratorOffline:
		return "restored (re-rendered offline)"
	}
	return "restored (regenerated: not in the cache)"
}

func costPhrase(c *plan.Change) string {
	switch {
	case len(c.Write) == 0 && c.FromOutput:
		return "cost: 0 (variants are derived from the image in its output)"
	case len(c.Write) == 0 && c.Cached:
		return "cost: 0 (variants are derived from the image in the cache)"
	case c.Resumes:
		return "cost: 0 (resumes a job submitted by an earlier run)"
	case c.Cached && c.FromTeamCache:
		return "cost: 0 (in the team cache, verified when fetched)"
	case c.Cached:
		return "cost: 0 (in the cache)"
	case c.SameRequestAs != "":
		return "cost: 0 (same request as " + c.SameRequestAs + ", paid once)"
	case c.Cost == 0:
		return "cost: 0 (offline placeholder)"
	}
	return "cost: " + plural(c.Cost, "image", "images")
}

// printable writes the control characters of s (a newline or an escape
// sequence in a file name) as Go escapes, so that a value can neither
// break a line of the plan nor drive the terminal.
func printable(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func pickVerb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// roughDuration says about how long a number of seconds is: "12 s",
// "4 min", "2 h 5 min".
func roughDuration(seconds float64) string {
	switch s := math.Round(seconds); {
	case s < 90:
		return fmt.Sprintf("%.0f s", max(s, 1))
	case s < 10*60:
		return fmt.Sprintf("%.0f min %.0f s", math.Floor(s/60), math.Mod(s, 60))
	case s < 90*60:
		return fmt.Sprintf("%.0f min", math.Round(s/60))
	default:
		h := math.Floor(s / 3600)
		return fmt.Sprintf("%.0f h %.0f min", h, math.Round((s-h*3600)/60))
	}
}
