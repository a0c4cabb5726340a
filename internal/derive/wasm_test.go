package derive

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero/api"

	"github.com/imgform/imgform/internal/variant"
)

// An instance kept in the pool encodes the bytes a fresh one does, after
// encodes of other sizes and settings have left its heap in another
// state: small, then large, then small again, each against a module that
// never keeps an instance.
func TestPooledInstances(t *testing.T) {
	src, err := Decode(meadowSource(t).data)
	if err != nil {
		t.Fatal(err)
	}
	rgba := func(w int) []byte {
		img, err := src.Render(variant.Spec{Width: w, Format: variant.PNG})
		if err != nil {
			t.Fatal(err)
		}
		return img.Pix
	}
	small, large := rgba(96), rgba(400)
	type call struct {
		name   string
		pix    []byte
		w      int
		module func() (*wasmModule, error)
		args   []uint64
	}
	webpLossy := []uint64{webpColourspaceRGBA, 80, webpMethod, 0, webpKeepTransparentRGB}
	webpLossless := []uint64{webpColourspaceRGBA, webpLosslessEffort, webpLosslessMethod, webpLosslessFlag, webpKeepTransparentRGB}
	avif := []uint64{60, 60, avifSpeed, avifYUV444}
	calls := []call{
		{"webp 96", small, 96, webpModule, webpLossy},
		{"webp 400 lossless", large, 400, webpModule, webpLossless},
		{"webp 96 again", small, 96, webpModule, webpLossy},
		{"avif 96", small, 96, avifModule, avif},
		{"avif 400", large, 400, avifModule, avif},
		{"avif 96 again", small, 96, avifModule, avif},
	}
	pooled := map[*wasmModule]*wasmModule{}
	for _, c := range calls {
		m, err := c.module()
		if err != nil {
			t.Fatal(err)
		}
		if pooled[m] == nil {
			pooled[m] = &wasmModule{name: m.name, runtime: m.runtime, code: m.code, idle: make(chan api.Module, 1), freesInput: m.freesInput}
		}
		fresh := &wasmModule{name: m.name, runtime: m.runtime, code: m.code, idle: make(chan api.Module), freesInput: m.freesInput}
		h := len(c.pix) / (4 * c.w)
		want, err := fresh.encodeCall(c.pix, c.w, h, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, err := pooled[m].encodeCall(c.pix, c.w, h, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: a pooled instance encoded %d bytes, a fresh one %d other bytes", c.name, len(got), len(want))
		}
		if len(pooled[m].idle) != 1 {
			t.Errorf("%s: the instance was not kept for the next encode", c.name)
		}
	}
}

// A compilation cache folder that cannot be made leaves the codecs
// compiled in memory, with no error; one that can gets wazero's files.
func TestCompilationCacheFolder(t *testing.T) {
	dir := t.TempDir()
	blocked := filepath.Join(dir, "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, err := gunzip(webpWasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, folder := range []string{filepath.Join(blocked, "cache"), filepath.Join(dir, "cache")} {
		c := newCompilationCache(folder)
		if (c == nil) != (folder == filepath.Join(blocked, "cache")) {
			t.Errorf("%s: cache %v", folder, c)
		}
		m, err := compileWith(c, "libwebp", code)
		if err != nil {
			t.Fatalf("%s: %v", folder, err)
		}
		if _, err := m.encodeCall(make([]byte, 4*16*16), 16, 16, webpColourspaceRGBA, 80, webpMethod, 0, webpKeepTransparentRGB); err != nil {
			t.Fatalf("%s: %v", folder, err)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "cache", "wazero-*", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no compiled code in the cache folder (%v)", err)
	}
	// A damaged file in the folder: compiled again, no error.
	for _, f := range files {
		if err := os.WriteFile(f, []byte("WAZEVO damaged"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m, err := compileWith(newCompilationCache(filepath.Join(dir, "cache")), "libwebp", code)
	if err != nil {
		t.Fatalf("with a damaged cache: %v", err)
	}
	if _, err := m.encodeCall(make([]byte, 4*16*16), 16, 16, webpColourspaceRGBA, 80, webpMethod, 0, webpKeepTransparentRGB); err != nil {
		t.Fatalf("with a damaged cache: %v", err)
	}
}
