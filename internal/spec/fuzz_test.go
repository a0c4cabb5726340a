package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// FuzzParse loads fuzzed text as the one configuration file of a
// directory. Load must never panic, and every error it reports with a
// source range must name a file the Config can show.
//
// The seed corpus is every golden configuration file; crashers found by
// the fuzzer are kept under testdata/fuzz/FuzzParse/ and run by go test.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join(goldenDir, "*", "*"+FileSuffix))
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) == 0 {
		f.Fatal("no golden configurations to seed the corpus with")
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}

	// One directory for every input (they run one at a time in a worker):
	// a fresh one each time would cost more than Load itself. It holds a
	// prompt file for file() to find, so that the fuzzer can reach the
	// code behind a successful read as well.
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prompt.txt"), []byte("a prompt\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	config := filepath.Join(dir, "fuzz"+FileSuffix)

	f.Fuzz(func(t *testing.T, src string) {
		if err := os.WriteFile(config, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, diags := Load(t.Context(), dir, Options{})
		if cfg == nil {
			t.Fatal("Load returned no Config")
		}
		for _, d := range diags {
			if d.Severity != hcl.DiagError || d.Subject == nil {
				continue
			}
			if d.Subject.Filename == "" {
				t.Errorf("error %q (%s) has a subject without a file name", d.Summary, d.Detail)
			} else if cfg.Files[d.Subject.Filename] == nil {
				t.Errorf("error %q names %q, whose source the Config does not hold", d.Summary, d.Subject.Filename)
			}
		}
		if diags.HasErrors() {
			return
		}
		// A configuration without errors resolves into requests the model
		// accepts, one output per sample, and addresses that read back.
		for _, img := range cfg.Images {
			if err := img.Request.Validate(); err != nil {
				t.Errorf("%s resolved without errors to an invalid request: %v", img.Addr, err)
			}
			if len(img.Outputs) != img.Request.Samples() {
				t.Errorf("%s has %d outputs for %d samples", img.Addr, len(img.Outputs), img.Request.Samples())
			}
			if a, err := ParseAddress(img.Addr.String()); err != nil || a != img.Addr {
				t.Errorf("address %s reads back as %v, %v", img.Addr, a, err)
			}
		}
	})
}
