package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/segmind"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/local"
)

// planCLI runs imgform plan in dir in this process, as the command line
// does, its output discarded.
func planCLI(b *testing.B, dir string, args ...string) {
	b.Helper()
	var errOut bytes.Buffer
	e := &env{stdin: bytes.NewReader(nil), stdout: io.Discard, stderr: &errOut, environ: os.Environ, signals: cli.NotifySignals}
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if code := run(append([]string{"-C", dir, "plan"}, args...), e); code != 0 {
		b.Fatalf("imgform plan exited %d: %s", code, errOut.String())
	}
}

func benchConfigDir(b *testing.B, config string) string {
	b.Helper()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.img.hcl"), []byte(config), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkPlanCount100k is imgform plan of count = 100000 with no state,
// from the command line to the exit code (bench/plan-scale.sh times the
// built binary).
func BenchmarkPlanCount100k(b *testing.B) {
	dir := benchConfigDir(b, count100k)
	for b.Loop() {
		planCLI(b, dir)
	}
}

// BenchmarkPlanCount100kJSON is the same plan as the issue tracker and
// bench/plan-vs-release.sh measure it: plan --offline --json of a count
// of 100,000 whose output is a format() call.
func BenchmarkPlanCount100kJSON(b *testing.B) {
	dir := benchConfigDir(b, count100kFormat)
	for b.Loop() {
		planCLI(b, dir, "--offline", "--json")
	}
}

// BenchmarkPlanCount100kText is BenchmarkPlanCount100kJSON's plan shown
// as text.
func BenchmarkPlanCount100kText(b *testing.B) {
	dir := benchConfigDir(b, count100kFormat)
	for b.Loop() {
		planCLI(b, dir, "--offline")
	}
}

const count100kFormat = `
image "p" {
  count  = 100000
  prompt = "seamless texture tile number ${count.index}, stone, top-down"
  output = format("p/%06d.jpg", count.index)
}
`

const count100k = `
image "tile" {
  count  = 100000
  prompt = "seamless texture tile number ${count.index}, stone, top-down"
  output = "tiles/${count.index}.png"
}
`

// BenchmarkPlanNoopCLI100k is imgform plan of count = 100000 once every
// image is applied (a file on disk for each, recorded in the state file
// with its size, time and hash): the plan loads the configuration and
// the state, stats every output and finds nothing to do.
func BenchmarkPlanNoopCLI100k(b *testing.B) {
	dir := benchConfigDir(b, count100k)
	cfg, diags := spec.Load(b.Context(), dir, spec.Options{})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	st := state.New()
	for _, img := range cfg.Images {
		req, origin, err := plan.ResolveRequest(img, nil, false, nil)
		if err != nil {
			b.Fatal(err)
		}
		e := &state.Entry{Generator: state.GeneratorAPI, Endpoint: segmind.DefaultBaseURL, InputHash: req.InputHash(), Request: req, SeedOrigin: string(origin)}
		for _, o := range img.Outputs {
			e.Outputs = append(e.Outputs, benchOutput(b, dir, o, img.Addr.String()))
		}
		st.Images[img.Addr.String()] = e
	}
	backend := local.Open(filepath.Join(dir, "imgform.state.json"))
	if _, err := backend.Load(b.Context()); err != nil {
		b.Fatal(err)
	}
	if _, err := backend.Save(b.Context(), st); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		planCLI(b, dir, "--detailed-exitcode") // 2 if anything changed
	}
}

// benchOutput writes a small output file and returns the state's record
// of it.
func benchOutput(b *testing.B, dir, rel, content string) state.Output {
	full := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(full)
	if err != nil {
		b.Fatal(err)
	}
	return state.Output{Path: rel, SHA256: state.SumBytes([]byte(content)), Size: fi.Size(), ModTime: fi.ModTime().UTC()}
}

// BenchmarkPlanForEach200k is imgform plan of a for_each over 200,000
// keys with no state.
func BenchmarkPlanForEach200k(b *testing.B) {
	dir := benchConfigDir(b, fmt.Sprintf(`
locals {
  keys = { for p in setproduct(range(200), range(1000)) : format("k%%03d-%%04d", p[0], p[1]) => p[0] * 1000 + p[1] }
}

image "tile" {
  for_each = local.keys
  prompt   = "catalog item ${each.value}"
  output   = "items/${each.key}.png"
}
`))
	for b.Loop() {
		planCLI(b, dir)
	}
}
