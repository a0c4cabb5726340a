package apply

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/generate"
	"github.com/imgform/imgform/state"
)

func testHash(s string) state.Hash { return state.SumBytes([]byte(s)) }

func testImages(t *testing.T) []generate.Image {
	return []generate.Image{
		{Data: pngBytes(t), ContentType: "image/png"},
		{Data: jpegBytes(t), ContentType: "image/jpeg"},
	}
}

func TestCacheRoundTrip(t *testing.T) {
	c := NewCache(filepath.Join(t.TempDir(), "cache"))
	h := testHash("a red fox")
	imgs := testImages(t)
	if c.Has(h, 1) {
		t.Fatal("an empty cache has the image")
	}
	if _, _, err := c.Get(h); !errors.Is(err, ErrNotCached) {
		t.Fatalf("Get from an empty cache: %v, want ErrNotCached", err)
	}
	if err := c.Put(h, imgs, Origin{RequestID: "req-1", InferenceTime: 2.5}); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]bool{1: true, 2: true, 3: false} {
		if got := c.Has(h, n); got != want {
			t.Errorf("Has(h, %d) = %v, want %v", n, got, want)
		}
	}
	if c.Has(testHash("another"), 1) {
		t.Error("Has reports an image that was never put")
	}
	entry, got, err := c.Get(h)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(imgs, got); diff != "" {
		t.Errorf("images (-put +got):\n%s", diff)
	}
	wantEntry := &CacheEntry{InputHash: h, RequestID: "req-1", InferenceTime: 2.5, Created: entry.Created, Files: []CacheFile{
		{Name: "0.png", SHA256: state.SumBytes(imgs[0].Data), Size: int64(len(imgs[0].Data)), ContentType: "image/png"},
		{Name: "1.jpg", SHA256: state.SumBytes(imgs[1].Data), Size: int64(len(imgs[1].Data)), ContentType: "image/jpeg"},
	}}
	if diff := cmp.Diff(wantEntry, entry); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if entry.Created.IsZero() {
		t.Error("the entry has no creation time")
	}

	// Put replaces an entry.
	if err := c.Put(h, imgs[:1], Origin{RequestID: "req-2", InferenceTime: 1}); err != nil {
		t.Fatal(err)
	}
	entry, got, err = c.Get(h)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || entry.RequestID != "req-2" {
		t.Errorf("after a second Put: %d images from %q, want 1 from req-2", len(got), entry.RequestID)
	}
}

func TestCacheDamage(t *testing.T) {
	h := testHash("a red fox")
	tests := []struct {
		name       string
		damage     func(t *testing.T, entryDir string)
		has        bool // what Has says afterwards
		notCached  bool // Get's error wraps ErrNotCached
		errMention string
	}{
		{"an image's bytes changed", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "1.jpg")
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)/2] ^= 0xFF
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, true, true, "damaged"},
		{"an image is missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "0.png")); err != nil {
				t.Fatal(err)
			}
		}, true, true, "damaged"},
		{"no meta.json: incomplete", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, cacheMetaName)); err != nil {
				t.Fatal(err)
			}
		}, false, true, ""},
		{"meta.json unreadable", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, cacheMetaName), []byte("{not json"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, false, false, h.Short()},
		{"meta.json of another hash", func(t *testing.T, dir string) {
			meta := filepath.Join(dir, cacheMetaName)
			data, err := os.ReadFile(meta)
			if err != nil {
				t.Fatal(err)
			}
			data = []byte(strings.Replace(string(data), h.String(), testHash("other").String(), 1))
			if err := os.WriteFile(meta, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, false, false, "another hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCache(filepath.Join(t.TempDir(), "cache"))
			if err := c.Put(h, testImages(t), Origin{}); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, c.entryDir(h))
			if got := c.Has(h, 1); got != tt.has {
				t.Errorf("Has = %v, want %v", got, tt.has)
			}
			_, imgs, err := c.Get(h)
			if err == nil {
				t.Fatalf("Get returned %d images from a damaged entry", len(imgs))
			}
			if got := errors.Is(err, ErrNotCached); got != tt.notCached {
				t.Errorf("Get: %v; wraps ErrNotCached = %v, want %v", err, got, tt.notCached)
			}
			if !strings.Contains(err.Error(), tt.errMention) {
				t.Errorf("Get: %v; want it to mention %q", err, tt.errMention)
			}
		})
	}
}

func TestCacheEntriesAndRemove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	c := NewCache(dir)
	if got, err := c.Entries(); err != nil || got != nil {
		t.Fatalf("Entries of a cache never written = %v, %v; want none", got, err)
	}
	hashes := []state.Hash{testHash("one"), testHash("two"), testHash("three")}
	for _, h := range hashes {
		if err := c.Put(h, testImages(t)[:1], Origin{}); err != nil {
			t.Fatal(err)
		}
	}
	// An incomplete entry (a crash before its metadata) is listed, so
	// that prune removes it; junk beside the entries is not.
	incomplete := testHash("incomplete")
	if err := c.Put(incomplete, testImages(t)[:1], Origin{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(c.entryDir(incomplete), cacheMetaName)); err != nil {
		t.Fatal(err)
	}
	hashes = append(hashes, incomplete)
	for _, p := range []string{"README", "zz/not-a-hash", "abc/" + testHash("x").String()} {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.Entries()
	if err != nil {
		t.Fatal(err)
	}
	want := append([]state.Hash(nil), hashes...)
	sortHashes(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Entries (-want +got):\n%s", diff)
	}

	if err := c.Remove(hashes[1]); err != nil {
		t.Fatal(err)
	}
	if c.Has(hashes[1], 1) {
		t.Error("a removed entry is still there")
	}
	if _, err := os.Stat(c.entryDir(hashes[1])); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed entry's directory remains: %v", err)
	}
	if !c.Has(hashes[0], 1) || !c.Has(hashes[2], 1) {
		t.Error("Remove removed another entry")
	}
	if err := c.Remove(hashes[1]); err != nil {
		t.Errorf("removing an entry twice: %v", err)
	}
	got, err = c.Entries()
	if err != nil {
		t.Fatal(err)
	}
	want = []state.Hash{hashes[0], hashes[2], incomplete}
	sortHashes(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Entries after Remove (-want +got):\n%s", diff)
	}
}

func sortHashes(hs []state.Hash) {
	slices.SortFunc(hs, func(a, b state.Hash) int { return bytes.Compare(a[:], b[:]) })
}

func TestCacheGitignore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	c := NewCache(dir)
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("NewCache created its directory: %v", err)
	}
	if err := c.Put(testHash("x"), testImages(t)[:1], Origin{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !hasLine(string(data), "*") {
		t.Errorf(".gitignore is %q; want a line \"*\"", data)
	}
	// One the user changed is left alone.
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("*\n!keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(testHash("y"), testImages(t)[:1], Origin{}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, ".gitignore")); string(data) != "*\n!keep\n" {
		t.Errorf(".gitignore rewritten: %q", data)
	}
}

func hasLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}
