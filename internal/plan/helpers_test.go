package plan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// testLineage is the lineage of every state the tests build, so that
// rendered plans are stable.
const testLineage = "00000000-0000-4000-8000-000000000000"

// mustAddr parses an address or fails the test.
func mustAddr(tb testing.TB, s string) spec.Address {
	tb.Helper()
	a, err := spec.ParseAddress(s)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// newImage returns a declared image as spec resolves one: the model's
// defaults, the given prompt, the seed derived from the address and one
// output per path.
func newImage(tb testing.TB, addr, prompt string, outputs ...string) *spec.Image {
	tb.Helper()
	a := mustAddr(tb, addr)
	req := model.NewRequest(model.NewRealityLightning).WithPrompt(prompt).
		WithSeed(spec.DeriveSeed(a)).With("samples", model.Int(int64(len(outputs))))
	return &spec.Image{Addr: a, Request: req, SeedOrigin: spec.SeedDerived, Outputs: outputs}
}

// with returns a copy of img changed by fn.
func with(img *spec.Image, fn func(*spec.Image)) *spec.Image {
	c := *img
	c.Outputs = append([]string(nil), img.Outputs...)
	fn(&c)
	return &c
}

// newState returns an empty state with the tests' lineage.
func newState() *state.State {
	st := state.New()
	st.Lineage = testLineage
	return st
}

// writeFile writes data at rel under dir, creating directories.
func writeFile(tb testing.TB, dir, rel string, data []byte) {
	tb.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// readFile returns the content of rel under dir.
func readFile(tb testing.TB, dir, rel string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// recordOutput describes the file at rel under dir as apply records it.
func recordOutput(tb testing.TB, dir, rel string) state.Output {
	tb.Helper()
	data := readFile(tb, dir, rel)
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		tb.Fatal(err)
	}
	return state.Output{Path: rel, SHA256: state.SumBytes(data), Size: int64(len(data)), ModTime: fi.ModTime().UTC()}
}

// imageBytes is what the tests write as the content of an output.
func imageBytes(addr string, i int) []byte {
	return fmt.Appendf(nil, "image %s sample %d\n", addr, i)
}

// apply records img in st as apply would after making it with gen: its
// resolved request, and each output really written under dir and hashed.
func apply(tb testing.TB, dir string, st *state.State, img *spec.Image, gen state.Generator) *state.Entry {
	tb.Helper()
	req, origin, err := ResolveRequest(img, nil, false, zeroReader{})
	if err != nil {
		tb.Fatal(err)
	}
	e := &state.Entry{Generator: gen, InputHash: req.InputHash(), Request: req, SeedOrigin: string(origin)}
	for i, o := range img.Outputs {
		writeFile(tb, dir, o, imageBytes(img.Addr.String(), i))
		e.Outputs = append(e.Outputs, recordOutput(tb, dir, o))
	}
	st.Images[img.Addr.String()] = e
	return e
}

// applyPlan records every change of p in st as apply would: it writes the
// outputs of creates, replaces and restores, renames moved files, removes
// deleted ones, and records the entries with their files hashed.
func applyPlan(tb testing.TB, dir string, st *state.State, p *Plan) {
	tb.Helper()
	for _, c := range p.Changes {
		full := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
		for _, m := range c.Moves {
			if err := os.Rename(full(m.From), full(m.To)); err != nil {
				tb.Fatal(err)
			}
		}
		for _, r := range c.Remove {
			if err := os.Remove(full(r)); err != nil {
				tb.Fatal(err)
			}
		}
		if c.Action == Delete {
			delete(st.Images, c.Address)
			continue
		}
		for _, i := range c.Write {
			writeFile(tb, dir, c.Outputs[i], imageBytes(c.Address, i))
		}
		e := &state.Entry{Generator: c.Generator, InputHash: c.InputHash, Request: *c.Request, SeedOrigin: c.SeedOrigin}
		for _, o := range c.Outputs {
			e.Outputs = append(e.Outputs, recordOutput(tb, dir, o))
		}
		st.Images[c.Address] = e
	}
}

// zeroReader yields zero bytes forever: a deterministic Options.Rand.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// mapCache is a content cache in memory: the number of images it holds
// for each input hash.
type mapCache map[state.Hash]int

func (m mapCache) Prefetch(context.Context, []state.Hash) error { return nil }

func (m mapCache) Lookup(_ context.Context, h state.Hash, n int) (cache.Info, bool) {
	if m[h] == 0 {
		return cache.Info{}, false
	}
	return cache.Info{Files: make([]state.Hash, m[h])}, m[h] >= n
}

// touch moves a file's modification time without changing its content.
func touch(tb testing.TB, dir, rel string, mtime time.Time) {
	tb.Helper()
	if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(rel)), mtime, mtime); err != nil {
		tb.Fatal(err)
	}
}
