package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/outputfile"
	"github.com/imgform/imgform/internal/picks"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/testsvc"
)

// The whole loop of candidates, against the emulator and in Chromium:
// preview generates every candidate of every image (the emulator's
// counter proves how many), the page served by preview --serve shows
// each image's candidates, a click on one records the pick in
// imgform.picks.json, and apply then pays nothing and writes the picked
// candidate.
func TestCandidatesLoopInBrowser(t *testing.T) {
	chromium := testsvc.Chromium(t)
	dir := t.TempDir()
	config := `image "hero" {
  prompt     = "castle on a cliff"
  candidates = 3
  output     = "hero.png"
}

image "icon" {
  for_each   = toset(["sword", "bow"])
  prompt     = "a ${each.key}, game icon"
  candidates = 2
  output     = "icons/${each.key}.png"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.img.hcl"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	base, stop, err := launchEmulator(os.Getenv("PATH"), dir, []string{"--latency", "50ms", "--quiet"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	env := append(os.Environ(), "SEGMIND_BASE_URL="+base, "SEGMIND_API_KEY=test-key", "NO_COLOR=1")

	preview := exec.Command("imgform", "-C", dir, "preview", "--auto-approve", "--serve", "--out", "review")
	preview.Env = env
	stdout, err := preview.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	preview.Stderr = &errOut
	if err := preview.Start(); err != nil {
		t.Fatal(err)
	}
	defer preview.Process.Kill()
	// The event: the line that gives the page's address.
	served := make(chan string, 1)
	readDone := make(chan struct{})
	var mu sync.Mutex
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stdout)
		re := regexp.MustCompile(`Serving the review page at (http://127\.0\.0\.1:\d+/\S+\?token=[0-9a-f]+)`)
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				served <- m[1]
			}
		}
		close(served)
	}()
	url, ok := <-served
	if !ok {
		preview.Wait()
		t.Fatalf("preview --serve ended without serving:\n%s%s", &out, &errOut)
	}
	if got := stat(t, base, "generated"); got != 3+2+2 {
		t.Errorf("preview generated %d images, want every candidate: 7", got)
	}

	ctx := openPage(t, chromium, url)
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`(function () {
		var out = {};
		document.querySelectorAll('figure.candidate').forEach(function (f) { out[f.dataset.address] = (out[f.dataset.address] || 0) + 1; });
		return out;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"image.hero": 3, `image.icon["bow"]`: 2, `image.icon["sword"]`: 2}
	for addr, n := range want {
		if counts[addr] != n {
			t.Errorf("the page shows %d candidates of %s, want %d (all: %v)", counts[addr], addr, n, counts)
		}
	}
	// Every candidate's picture loads.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('img').forEach(function (i) { i.loading = 'eager'; })`),
		chromedp.Poll[chromedp.Void](`Array.prototype.every.call(document.querySelectorAll('figure.candidate img'), function (i) { return i.complete && i.naturalWidth > 0; })`, chromedp.WithPollingTimeout(time.Minute)),
	); err != nil {
		t.Fatalf("the candidates' images do not load: %v", err)
	}

	// Pick candidate 2 of image.hero with its button, and wait for the
	// page to say the server recorded it.
	button := `figure.candidate[data-address="image.hero"][data-candidate="2"] .pick-button`
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(button)),
		chromedp.Poll[chromedp.Void](`document.body.dataset.picked === "image.hero 2"`, chromedp.WithPollingTimeout(time.Minute)),
	); err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('figure.candidate[data-address="image.hero"][data-candidate="2"] .pick-status').textContent`))
		t.Fatalf("the pick was not recorded (%v): the page says %q", err, status)
	}
	f, _, err := picks.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	heroAddr, _ := spec.ParseAddress("image.hero")
	pickedSeed := spec.CandidateSeed(model.Default, heroAddr, 2)
	if p := f.Picks["image.hero"]; p.Candidate != 2 || p.Seed != pickedSeed {
		t.Fatalf("imgform.picks.json holds %+v for image.hero, want candidate 2, seed %d", f.Picks, pickedSeed)
	}

	// Ctrl-C stops serving.
	if err := preview.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	<-readDone // every line, before Wait closes the pipe
	err = preview.Wait()
	mu.Lock()
	if !strings.Contains(out.String(), "Stopped serving the review page.") || err != nil {
		t.Errorf("preview did not stop serving on Ctrl-C (%v):\n%s%s", err, &out, &errOut)
	}
	mu.Unlock()

	apply := exec.Command("imgform", "-C", dir, "apply", "--auto-approve")
	apply.Env = env
	applied, err := apply.CombinedOutput()
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, applied)
	}
	if !strings.Contains(string(applied), "0 images generated") {
		t.Errorf("apply after the preview and the pick:\n%s", applied)
	}
	if got := stat(t, base, "generated"); got != 7 {
		t.Errorf("%d images generated in all, want the 7 of the preview: apply pays nothing", got)
	}
	data, err := os.ReadFile(filepath.Join(dir, "hero.png"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, prov, ok := outputfile.Strip(data)
	if !ok || !strings.Contains(prov.Parameters, "Seed: "+strconv.FormatInt(pickedSeed, 10)) {
		t.Errorf("hero.png is not the picked candidate: its parameters are %q", prov.Parameters)
	}
}

// openPage opens url in the Chromium at path and waits for its script to
// have run (body.js): a browser context for two minutes at most, closed
// when the test ends.
func openPage(t *testing.T, chromium, url string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body.js"))); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	return ctx
}
