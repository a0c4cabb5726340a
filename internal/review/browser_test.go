package review

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/testsvc"
	"github.com/imgform/imgform/internal/variant"
)

// browser is a headless Chromium, and the errors its pages logged.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	path := testsvc.Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1200, 900),
		chromedp.Flag("allow-file-access-from-files", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.logError((&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value))
				}
				b.logError(strings.Join(parts, " "))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) logError(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, s)
}

func (b *browser) run(t testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates js in the page into out.
func eval[T any](t testing.TB, b *browser, js string, out *T) {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	*out = v
}

// loadAll makes the lazy images load now and waits for every one.
func (b *browser) loadAll(t testing.TB) {
	t.Helper()
	b.run(t,
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('img').forEach(function (i) { i.loading = 'eager'; })`),
		chromedp.Poll[chromedp.Void](`Array.prototype.every.call(document.images, function (i) { return i.complete; })`, chromedp.WithPollingTimeout(time.Minute)),
	)
}

// The review page in a real browser: every image loads, the slider moves
// with the keyboard and changes what is visible, the toggle swaps the
// images, the filters hide and show cards, and nothing is logged as an
// error.
func TestPageInBrowser(t *testing.T) {
	dir := t.TempDir()
	path := writeSample(t, dir, false)
	b := newBrowser(t)
	b.run(t, chromedp.Navigate("file://"+path), chromedp.WaitReady(chromedp.CSS("body.js")))

	b.loadAll(t)
	var n int
	var broken []string
	eval(t, b, `document.images.length`, &n)
	eval(t, b, `Array.prototype.filter.call(document.images, function (i) { return i.naturalWidth === 0; }).map(function (i) { return i.getAttribute('src'); })`, &broken)
	if n < 8 || len(broken) > 0 {
		t.Errorf("%d images, broken: %v", n, broken)
	}

	// The slider: after the view is switched, it is what shows, and the
	// arrow keys move the wipe.
	var display, clip string
	b.run(t, chromedp.Click(chromedp.CSS(`input[name="view"][value="slider"]`)))
	eval(t, b, `getComputedStyle(document.querySelector('.card.replace .compare')).display`, &display)
	if display == "none" {
		t.Fatal("the slider view does not show the slider")
	}
	eval(t, b, `getComputedStyle(document.querySelector('.card.replace .sides')).display`, &display)
	if display != "none" {
		t.Errorf("the slider view still shows the images side by side (display %s)", display)
	}
	eval(t, b, `getComputedStyle(document.querySelector('.card.replace .stack img.a')).clipPath`, &clip)
	if !strings.Contains(clip, "50%") {
		t.Errorf("the wipe starts at clip-path %q, want 50%%", clip)
	}
	b.run(t, chromedp.Focus(chromedp.CSS(`.card.replace .wipe`)))
	for range 5 {
		b.run(t, chromedp.KeyEvent(kb.ArrowRight))
	}
	var value string
	eval(t, b, `document.querySelector('.card.replace .wipe').value`, &value)
	eval(t, b, `getComputedStyle(document.querySelector('.card.replace .stack img.a')).clipPath`, &clip)
	if value != "55" || !strings.Contains(clip, "55%") {
		t.Errorf("after five right arrows the wipe is at %s, clip-path %q; want 55", value, clip)
	}

	// The toggle: Enter on its button shows the before image.
	var visibility, pressed string
	b.run(t, chromedp.Click(chromedp.CSS(`input[name="view"][value="toggle"]`)), chromedp.Focus(chromedp.CSS(`.card.replace .toggle`)), chromedp.KeyEvent(kb.Enter))
	eval(t, b, `getComputedStyle(document.querySelector('.card.replace .stack img.a')).visibility`, &visibility)
	eval(t, b, `document.querySelector('.card.replace .toggle').getAttribute('aria-pressed')`, &pressed)
	if visibility != "hidden" || pressed != "true" {
		t.Errorf("after the toggle: the after image is %s, aria-pressed %s; want hidden, true", visibility, pressed)
	}

	// The filters.
	visible := func() []string {
		var out []string
		eval(t, b, `Array.prototype.filter.call(document.querySelectorAll('.card'), function (c) { return c.offsetParent !== null; }).map(function (c) { return c.dataset.action; })`, &out)
		return out
	}
	var shown string
	b.run(t, chromedp.Click(chromedp.CSS(`input[name="action"][value="create"]`)))
	eval(t, b, `document.getElementById('shown').textContent`, &shown)
	if got := strings.Join(visible(), " "); got != "replace move restore delete" || shown != "4 of 5 shown" {
		t.Errorf("without creates: %q shown (%q)", got, shown)
	}
	b.run(t, chromedp.SendKeys(chromedp.ID("search"), "potion"))
	if got := strings.Join(visible(), " "); got != "replace" {
		t.Errorf("searching potion shows %q", got)
	}
	b.run(t, chromedp.Evaluate[chromedp.Void](`var s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'))`),
		chromedp.Click(chromedp.CSS(`input[name="action"][value="create"]`)))
	if got := len(visible()); got != 5 {
		t.Errorf("with every filter on, %d cards shown", got)
	}

	b.run(t, chromedp.Click(chromedp.CSS(`input[name="view"][value="side"]`)))
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	shotPath := filepath.Join(t.TempDir(), "review.jpeg")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", shotPath, len(shot))
	if len(b.errors) > 0 {
		t.Errorf("the page logged errors: %v", b.errors)
	}
}

// Without JavaScript the images and the reasons are all there, side by
// side; the controls that need a script are not shown.
func TestPageWithoutJavaScript(t *testing.T) {
	path := writeSample(t, t.TempDir(), true)
	b := newBrowser(t)
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	b.run(t, chromedp.Navigate("file://"+path), chromedp.WaitReady(chromedp.CSS("main")))
	var hidden []string
	eval(t, b, `Array.prototype.filter.call(document.querySelectorAll('.sides img, .reasons li'), function (e) { return e.offsetParent === null; }).map(function (e) { return e.outerHTML; })`, &hidden)
	var controls string
	eval(t, b, `getComputedStyle(document.querySelector('.filters')).display`, &controls)
	if len(hidden) > 0 || controls != "none" {
		t.Errorf("without JavaScript: hidden %v; the filters' display is %q", hidden, controls)
	}
}

// BenchmarkPageLoad1000 is the load time of a review page of 1,000
// changes in Chromium, from navigation to the load event, as the
// browser's own timing reports it.
func BenchmarkPageLoad1000(b *testing.B) {
	dir := b.TempDir()
	pg, err := New(dir)
	if err != nil {
		b.Fatal(err)
	}
	p := samplePlan()
	base := p.Changes
	p.Changes = nil
	for i := range 1000 {
		c := *base[i%len(base)]
		c.Address = fmt.Sprintf(`image.tile[%d]`, i)
		p.Changes = append(p.Changes, &c)
		if len(c.Write) > 0 {
			if err := pg.After(&c, []model.Image{pngOf(b, i, 256)}); err != nil {
				b.Fatal(err)
			}
		}
		if c.Action != plan.Create {
			if err := pg.Before(c.Address, []model.Image{pngOf(b, i+5000, 256)}); err != nil {
				b.Fatal(err)
			}
		}
	}
	path, err := pg.Write(p, Info{Made: time.Now(), Previewed: true})
	if err != nil {
		b.Fatal(err)
	}
	br := newBrowser(b)
	var total, ready float64
	for b.Loop() {
		var timing struct {
			Load, Ready float64
		}
		br.run(b, chromedp.Navigate("file://"+path), chromedp.Poll[chromedp.Void](`performance.getEntriesByType('navigation')[0].loadEventEnd > 0`))
		eval(b, br, `(function () { var n = performance.getEntriesByType('navigation')[0]; return {Load: n.loadEventEnd, Ready: n.domContentLoadedEventEnd}; })()`, &timing)
		total += timing.Load
		ready += timing.Ready
	}
	b.ReportMetric(total/float64(b.N), "ms-to-load")
	b.ReportMetric(ready/float64(b.N), "ms-to-ready")
}

// Variants on the page: each is the file apply writes, in its format, and
// Chromium decodes every one of them (WebP, AVIF, JPEG) at the variant's
// size: the crop the reviewer sees is the one that ships.
func TestVariantsInBrowser(t *testing.T) {
	dir := t.TempDir()
	pg, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	req := model.NewRequest(model.NewRealityLightning).WithPrompt("castle on a cliff")
	specs := []variant.Spec{
		{Width: 256, Quality: 82, Format: variant.WebP},
		{Width: 512, Height: 256, Fit: variant.Contain, Background: "#223344", Format: variant.AVIF},
		{Width: 1200, Height: 630, Upscale: true, Anchor: variant.Top, Format: variant.JPEG},
		{Width: 128, Lossless: true, Format: variant.WebP},
	}
	c := &plan.Change{Address: "image.hero", Action: plan.Create, Request: &req, InputHash: req.InputHash(), Outputs: []string{"hero.png"}, Write: []int{0}}
	for i, s := range specs {
		c.Variants = append(c.Variants, plan.Variant{Name: fmt.Sprintf("v%d", i), Path: fmt.Sprintf("hero-%d.%s", i, s.Format), Spec: s, AttrHash: model.Hash(s.Hash())})
		c.Derive = append(c.Derive, i)
	}
	p := &plan.Plan{Changes: []*plan.Change{c}, Summary: plan.Summary{Create: 1}}
	if err := pg.After(c, []model.Image{pngOf(t, 1, 1024)}); err != nil {
		t.Fatal(err)
	}
	path, err := pg.Write(p, Info{Made: time.Now(), Previewed: true})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	b.run(t, chromedp.Navigate("file://"+path), chromedp.WaitReady(chromedp.CSS("body.js")))
	b.loadAll(t)
	var sizes [][2]int
	eval(t, b, `Array.prototype.map.call(document.querySelectorAll('.variant img'), function (i) { return [i.naturalWidth, i.naturalHeight]; })`, &sizes)
	want := [][2]int{{256, 256}, {512, 256}, {1200, 630}, {128, 128}}
	if fmt.Sprint(sizes) != fmt.Sprint(want) {
		t.Errorf("Chromium decoded the variants at %v, want %v", sizes, want)
	}
	var srcs []string
	eval(t, b, `Array.prototype.map.call(document.querySelectorAll('.variant img'), function (i) { return i.getAttribute('src'); })`, &srcs)
	for i, ext := range []string{".webp", ".avif", ".jpg", ".webp"} {
		if i >= len(srcs) || !strings.HasSuffix(srcs[i], ext) {
			t.Errorf("variant %d is shown from %v, want a %s file", i, srcs, ext)
		}
	}
	if len(b.errors) > 0 {
		t.Errorf("the page logged errors: %v", b.errors)
	}
}
