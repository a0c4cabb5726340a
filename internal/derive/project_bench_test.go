//go:build unix

package derive

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/placeholder"
	"github.com/imgform/imgform/internal/variant"
)

// projectVariant is one of the three variants of the project benchmark,
// as a Spec and as vipsthumbnail's arguments for the same file.
type projectVariant struct {
	suffix string
	spec   variant.Spec
	vips   string // arguments after the input; %s is the output path without extension
}

var projectVariants = []projectVariant{
	{"thumb.webp", variant.Spec{Width: 256, Format: variant.WebP, Quality: 82}, `-s 256x -o "%s.webp[Q=82]"`},
	{"social.jpg", variant.Spec{Width: 1200, Height: 630, Fit: variant.Cover, Upscale: true, Format: variant.JPEG, Quality: 85}, `-s 1200x630 --smartcrop centre -o "%s.jpg[Q=85]"`},
	{"icon.png", variant.Spec{Width: 128, Format: variant.PNG}, `-s 128x -o "%s.png"`},
}

// benchEnvInt reads a positive integer from the environment.
func benchEnvInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// projectSources returns a directory of n 1024×1024 emulator placeholders
// (PNG, as the cache keeps them), made once and kept in
// IMGFORM_DERIVE_BENCH_SOURCES (default: a directory under the system's
// temporary one) for later runs.
func projectSources(b *testing.B, n int) []string {
	dir := os.Getenv("IMGFORM_DERIVE_BENCH_SOURCES")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "imgform-derive-bench-sources")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	paths := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range n {
		paths[i] = filepath.Join(dir, fmt.Sprintf("img%04d.png", i))
		if _, err := os.Stat(paths[i]); err == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			req := model.NewRequest(model.NewRealityLightning).
				WithPrompt(fmt.Sprintf("a banner for product %d, studio light", i)).WithSeed(int64(i))
			data, err := placeholder.Render(req, 0, placeholder.Emulator)
			if err == nil {
				err = os.WriteFile(paths[i], data, 0o644)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return paths
}

// deriveProject derives every variant of every source in process, on
// all cores: each worker reads a source, decodes it once, and derives and
// writes its three variants.
func deriveProject(sources []string, out string) error {
	jobs := make(chan string)
	errs := make(chan error, len(sources))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for path := range jobs {
				if err := deriveOne(path, out); err != nil {
					errs <- err
				}
			}
		})
	}
	for _, p := range sources {
		jobs <- p
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs // nil when closed and empty
}

func deriveOne(path, out string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	src, err := Decode(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	base := strings.TrimSuffix(filepath.Base(path), ".png")
	for _, v := range projectVariants {
		variant, err := src.Derive(v.spec, nil)
		if err != nil {
			return fmt.Errorf("%s %s: %w", path, v.suffix, err)
		}
		if err := os.WriteFile(filepath.Join(out, base+"-"+v.suffix), variant, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// vipsScript is the shell loop of vipsthumbnail over the sources: one
// process per variant file, one after the other; with parallel, the same
// commands run by xargs on all cores.
func vipsScript(vips, srcDir, out string, parallel bool) string {
	var cmds []string
	for _, v := range projectVariants {
		stem := strings.TrimSuffix(v.suffix, filepath.Ext(v.suffix))
		cmds = append(cmds, fmt.Sprintf("%s \"$f\" %s", vips, fmt.Sprintf(v.vips, out+"/$(basename \"$f\" .png)-"+stem)))
	}
	loop := strings.Join(cmds, "; ")
	if parallel {
		return fmt.Sprintf("ls %s/img*.png | xargs -P %d -I{} sh -c 'f={}; %s'", srcDir, runtime.NumCPU(), strings.ReplaceAll(loop, "'", `'\''`))
	}
	return fmt.Sprintf("for f in %s/img*.png; do %s; done", srcDir, loop)
}

// BenchmarkProjectVersusVipsthumbnail is issue 22's side-by-side: a
// project of IMGFORM_DERIVE_BENCH_IMAGES (1,000) sources × 3 variants
// (256 px WebP q82, 1200×630 cover JPEG q85, 128 px PNG) derived in
// process on all cores, against a shell loop of vipsthumbnail making the
// same 3,000 files (and, with IMGFORM_DERIVE_BENCH_XARGS set, against the
// same vipsthumbnail commands run on all cores by xargs -P). They
// alternate, IMGFORM_DERIVE_BENCH_ROUNDS (3) rounds, in one run on one
// machine; the medians are reported, in seconds, with derive's time over
// vipsthumbnail's (target: ≤ 1.5). Run it with -benchtime 1x
// (bench/derive.sh does).
func BenchmarkProjectVersusVipsthumbnail(b *testing.B) {
	vips := referenceTool(b, "vipsthumbnail", "libvips-tools")
	n := benchEnvInt(b, "IMGFORM_DERIVE_BENCH_IMAGES", 1000)
	rounds := benchEnvInt(b, "IMGFORM_DERIVE_BENCH_ROUNDS", 3)
	sources := projectSources(b, n)
	srcDir := filepath.Dir(sources[0])
	if _, err := NewSource(solidImage(16, 16, [3]uint8{})).Derive(variant.Spec{Format: variant.WebP}, nil); err != nil {
		b.Fatal(err) // compile the encoder before timing
	}
	timed := func(name string, f func(out string) error) time.Duration {
		out := b.TempDir()
		start := time.Now()
		if err := f(out); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		d := time.Since(start)
		files, _ := filepath.Glob(filepath.Join(out, "*"))
		if len(files) != n*len(projectVariants) {
			b.Fatalf("%s wrote %d files, want %d", name, len(files), n*len(projectVariants))
		}
		b.Logf("%s: %.1f s", name, d.Seconds())
		return d
	}
	shell := func(parallel bool) func(string) error {
		return func(out string) error {
			cmd := exec.Command("bash", "-c", vipsScript(vips, srcDir, out, parallel))
			if msg, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("%v: %s", err, msg)
			}
			return nil
		}
	}
	withXargs := os.Getenv("IMGFORM_DERIVE_BENCH_XARGS") != ""
	var ours, loop, par []time.Duration
	for b.Loop() {
		for r := range rounds {
			b.Logf("round %d of %d", r+1, rounds)
			ours = append(ours, timed("derive in process", func(out string) error { return deriveProject(sources, out) }))
			loop = append(loop, timed("vipsthumbnail shell loop", shell(false)))
			if withXargs {
				par = append(par, timed("vipsthumbnail xargs -P", shell(true)))
			}
		}
	}
	median := func(ds []time.Duration) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[len(s)/2].Seconds()
	}
	b.ReportMetric(median(ours), "s-derive")
	b.ReportMetric(median(loop), "s-vips-loop")
	b.ReportMetric(median(ours)/median(loop), "derive/vips-loop")
	b.Logf("%d sources × %d variants, %d rounds, %d CPUs (GOMAXPROCS %d): medians: derive %.1f s, vipsthumbnail loop %.1f s",
		n, len(projectVariants), rounds, runtime.NumCPU(), runtime.GOMAXPROCS(0), median(ours), median(loop))
	if withXargs {
		b.ReportMetric(median(par), "s-vips-xargs")
		b.ReportMetric(median(ours)/median(par), "derive/vips-xargs")
		b.Logf("vipsthumbnail by xargs -P %d: median %.1f s", runtime.NumCPU(), median(par))
	}
}
