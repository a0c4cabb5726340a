package review

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
)

// pngOf is a w×w PNG of one colour with a mark, different for each seed.
func pngOf(t testing.TB, seed, w int) model.Image {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, w))
	c := color.NRGBA{R: uint8(seed * 37), G: uint8(seed * 91), B: uint8(seed * 53), A: 255}
	for y := range w {
		for x := range w {
			if (x/16+y/16)%2 == 0 {
				img.Set(x, y, c)
			} else {
				img.Set(x, y, color.NRGBA{R: 255 - c.R, G: 255 - c.G, B: 255 - c.B, A: 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return model.Image{Data: buf.Bytes(), ContentType: "image/png"}
}

func request(prompt string) *model.Request {
	r := model.NewRequest(model.Default).WithPrompt(prompt).WithSeed(1)
	return &r
}

func prior(path, prompt string) *state.Entry {
	r := request(prompt)
	return &state.Entry{InputHash: r.InputHash(), Request: *r, Generator: state.GeneratorAPI, Outputs: []state.Output{{Path: path}}}
}

const longOld = "a glass potion bottle of glowing red liquid, game item icon, centered, isometric, hand-painted, soft rim light"

// samplePlan has one change of each action, a long prompt changed by a
// word, and user text that must be escaped.
func samplePlan() *plan.Plan {
	longNew := strings.Replace(longOld, "red", "blue", 1)
	changes := []*plan.Change{
		{Address: `image.icon["<b>new</b>"]`, Action: plan.Create, Reasons: []plan.Reason{{Kind: plan.ReasonNew, Message: "not in the state"}},
			Request: request("a new <script>alert(1)</script> icon"), Outputs: []string{"icons/new.png"}, Write: []int{0}, Cost: 1},
		{Address: `image.icon["potion"]`, Action: plan.Replace, Reasons: []plan.Reason{{Kind: plan.ReasonParams, Message: "changed: prompt"}},
			Diff:    []plan.ParamDiff{{Name: "prompt", Old: fmt.Sprintf("%q", longOld), New: fmt.Sprintf("%q", longNew)}},
			Request: request(longNew), Outputs: []string{"icons/potion.png"}, Write: []int{0}, Cost: 1, Prior: prior("icons/potion.png", longOld)},
		{Address: `image.icon["bow"]`, Action: plan.Move, Reasons: []plan.Reason{{Kind: plan.ReasonMoved, Message: "output moved"}},
			Request: request("bow"), Outputs: []string{"icons/weapons/bow.png"}, Moves: []plan.Rename{{From: "icons/bow.png", To: "icons/weapons/bow.png"}}, Prior: prior("icons/bow.png", "bow")},
		{Address: `image.icon["shield"]`, Action: plan.Restore, Reasons: []plan.Reason{{Kind: plan.ReasonMissing, Message: "icons/shield.png is missing"}},
			Request: request("shield"), Outputs: []string{"icons/shield.png"}, Write: []int{0}, Cached: true, Prior: prior("icons/shield.png", "shield")},
		{Address: `image.icon["helmet"]`, Action: plan.Delete, Reasons: []plan.Reason{{Kind: plan.ReasonRemoved, Message: "no longer in the configuration"}},
			Outputs: []string{"icons/helmet.png"}, Prior: prior("icons/helmet.png", "helmet")},
	}
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Changes: changes}
	p.Summary = plan.Summary{Create: 1, Replace: 1, Move: 1, Restore: 1, Delete: 1, Generate: 2, FromCache: 1}
	return p
}

// writeSample writes the sample plan's page, with every image present
// but the restore's (not generated yet, as a page made from the cache
// shows it).
func writeSample(t testing.TB, dir string, withRestore bool) string {
	t.Helper()
	pg, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := samplePlan()
	for i, c := range p.Changes {
		if len(c.Write) > 0 && (c.Action != plan.Restore || withRestore) {
			if err := pg.After(c, []model.Image{pngOf(t, i+1, 256)}); err != nil {
				t.Fatal(err)
			}
		}
		if c.Action != plan.Create {
			if err := pg.Before(c.Address, []model.Image{pngOf(t, i+10, 256)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	path, err := pg.Write(p, Info{Commit: "abc1234", Made: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), Previewed: true})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// The page is static HTML with every user text escaped, its images
// beside it (never hot-linked), and its cards in the plan's order.
func TestPageHTML(t *testing.T) {
	dir := t.TempDir()
	path := writeSample(t, dir, false)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(data)
	for _, bad := range []string{"<script>alert(1)</script>", "<b>new</b>", "http://", "https://"} {
		if strings.Contains(html, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, want := range []string{`&lt;b&gt;new&lt;/b&gt;`, "abc1234", `<del>red</del>`, `<ins>blue</ins>`, "not generated yet", `loading="lazy"`,
		"icons/bow.png", "icons/weapons/bow.png", `type="range"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the page does not hold %q", want)
		}
	}
	if strings.Count(html, `<article class="card `) != 5 {
		t.Errorf("%d cards, want 5", strings.Count(html, `<article class="card `))
	}
	// Every image the page names is a file beside it.
	for _, src := range attrs(html, `src="`) {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(src))); err != nil {
			t.Errorf("the page shows %s, which is not beside it: %v", src, err)
		}
	}
}

// A card whose image the preview paid for says it is free at apply; one
// the preview did not make still costs; the summary tells them apart.
func TestPageTellsPaidFromToPay(t *testing.T) {
	dir := t.TempDir()
	path := writeSample(t, dir, false) // the create and the replace generated in preview
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(data)
	if n := strings.Count(html, "generated in preview, free at apply"); n != 2 {
		t.Errorf("%d cards say they were generated in preview, want the create and the replace", n)
	}
	if strings.Contains(html, "to pay for</span>") {
		t.Errorf("a card the preview paid for says it is to pay for:\n%s", html)
	}
	if !strings.Contains(html, "2 images generated in this preview (about $0.012): apply takes them from the cache, free. Apply pays for nothing more.") {
		t.Errorf("the summary does not tell what the preview paid for")
	}

	// A page with nothing made: what apply pays for, as the plan says.
	pg, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	path, err = pg.Write(samplePlan(), Info{Made: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html = string(data)
	if n := strings.Count(html, "1 image to pay for"); n != 2 {
		t.Errorf("%d cards say 1 image to pay for, want 2", n)
	}
	if strings.Contains(html, "free at apply") || !strings.Contains(html, "Images to generate through the API: 2") {
		t.Errorf("a page with nothing generated says otherwise")
	}
}

// attrs returns the values of an attribute in html.
func attrs(html, prefix string) []string {
	var out []string
	for rest := html; ; {
		i := strings.Index(rest, prefix)
		if i < 0 {
			return out
		}
		rest = rest[i+len(prefix):]
		j := strings.IndexByte(rest, '"')
		out = append(out, rest[:j])
		rest = rest[j:]
	}
}
