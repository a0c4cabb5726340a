package cache_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/cache/dir"
	"github.com/imgform/imgform/internal/imagetest"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/placeholder"
)

func testHash(s string) model.Hash { return model.SumBytes([]byte(s)) }

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.NRGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testImages(t *testing.T) []model.Image {
	return []model.Image{
		{Data: pngBytes(t), ContentType: "image/png"},
		{Data: jpegBytes(t), ContentType: "image/jpeg"},
	}
}

func newCache(t *testing.T) (*cache.Cache, *dir.Store) {
	s := dir.New(filepath.Join(t.TempDir(), "cache"))
	return cache.New(s), s
}

func TestCacheRoundTrip(t *testing.T) {
	c, _ := newCache(t)
	ctx := t.Context()
	h := testHash("a red fox")
	imgs := testImages(t)
	if c.Has(ctx, h, 1) {
		t.Fatal("an empty cache has the image")
	}
	if _, _, err := c.Get(ctx, h); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("Get from an empty cache: %v, want ErrNotFound", err)
	}
	from := cache.Origin{Address: "image.fox", RequestID: "req-1", InferenceTime: 2.5, Endpoint: "https://api.segmind.com"}
	if _, err := c.Put(ctx, h, imgs, from); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]bool{1: true, 2: true, 3: false} {
		if got := c.Has(ctx, h, n); got != want {
			t.Errorf("Has(h, %d) = %v, want %v", n, got, want)
		}
	}
	entry, got, err := c.Get(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hashed(imgs), got); diff != "" {
		t.Errorf("images (-put +got):\n%s", diff)
	}
	wantEntry := &cache.Entry{InputHash: h, RequestID: "req-1", InferenceTime: 2.5, Endpoint: "https://api.segmind.com", Address: "image.fox",
		Created: entry.Created, Files: []cache.File{
			{Name: "0.png", SHA256: model.SumBytes(imgs[0].Data), Size: int64(len(imgs[0].Data)), ContentType: "image/png"},
			{Name: "1.jpg", SHA256: model.SumBytes(imgs[1].Data), Size: int64(len(imgs[1].Data)), ContentType: "image/jpeg"},
		}}
	if diff := cmp.Diff(wantEntry, entry); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if entry.Created.IsZero() {
		t.Error("the entry has no creation time")
	}
	info, ok := c.Lookup(ctx, h, 2)
	if want := (cache.Info{Endpoint: "https://api.segmind.com", Files: []model.Hash{model.SumBytes(imgs[0].Data), model.SumBytes(imgs[1].Data)}}); !ok || !cmp.Equal(want, info) {
		t.Errorf("Lookup = %+v, %v", info, ok)
	}
	if _, ok := c.Lookup(ctx, h, 3); ok {
		t.Error("Lookup of 3 images of an entry of 2")
	}
}

// What Get refuses beyond the store's own check: bytes that are no image,
// and offline placeholders (never cached). An emulator's placeholder is
// served, marked as one, even from an entry that did not say so.
func TestCacheGetChecksImages(t *testing.T) {
	ctx := t.Context()
	req := model.NewRequest(model.Default).WithPrompt("a fox").WithSeed(1)
	offline, err := placeholder.Render(req, 0, placeholder.Offline)
	if err != nil {
		t.Fatal(err)
	}
	emulated, err := placeholder.Render(req, 0, placeholder.Emulator)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		img     model.Image
		damaged string // "" when it is served
	}{
		{"not an image", model.Image{Data: []byte("<html>rate limited</html>"), ContentType: "image/png"}, "unusable image"},
		{"an offline placeholder", model.Image{Data: offline, ContentType: "image/png"}, "offline placeholder"},
		{"an emulator's placeholder", model.Image{Data: emulated, ContentType: "image/png"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newCache(t)
			h := testHash(tt.name)
			if _, err := c.Put(ctx, h, []model.Image{tt.img}, cache.Origin{}); err != nil {
				t.Fatal(err)
			}
			e, imgs, err := c.Get(ctx, h)
			info, ok := c.Lookup(ctx, h, 1)
			if tt.damaged == "" {
				if err != nil || len(imgs) != 1 || !e.Placeholder || !ok || !info.Placeholder {
					t.Errorf("Get: %v (placeholder %v); Lookup %+v, %v", err, e != nil && e.Placeholder, info, ok)
				}
				return
			}
			var damaged *cache.DamagedError
			if !errors.As(err, &damaged) || !strings.Contains(err.Error(), tt.damaged) || !errors.Is(err, cache.ErrNotFound) {
				t.Errorf("Get: %v; want a *DamagedError saying %q", err, tt.damaged)
			}
			if ok || !strings.Contains(info.Damage, tt.damaged) {
				t.Errorf("Lookup = %+v, %v; want the damage said", info, ok)
			}
		})
	}
}

// Lookup says why an entry the cache holds cannot be used, and reads each
// entry's bytes once per process.
func TestCacheLookupDamage(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name    string
		damage  func(t *testing.T, entryDir string)
		mention string
	}{
		{"an image's bytes changed", func(t *testing.T, d string) {
			imagetest.FlipByte(t, filepath.Join(d, "1.jpg"))
		}, "1.jpg does not match its hash"},
		{"an image is missing", func(t *testing.T, d string) {
			if err := os.Remove(filepath.Join(d, "0.png")); err != nil {
				t.Fatal(err)
			}
		}, "0.png is missing"},
		{"meta.json unreadable", func(t *testing.T, d string) {
			if err := os.WriteFile(filepath.Join(d, dir.MetaName), []byte("{not json"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "meta.json cannot be read"},
		{"meta.json of another hash", func(t *testing.T, d string) {
			meta := filepath.Join(d, dir.MetaName)
			data, err := os.ReadFile(meta)
			if err != nil {
				t.Fatal(err)
			}
			data = []byte(strings.Replace(string(data), testHash("a red fox").String(), testHash("other").String(), 1))
			if err := os.WriteFile(meta, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "names another hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := newCache(t)
			h := testHash("a red fox")
			if _, err := c.Put(ctx, h, testImages(t), cache.Origin{}); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, s.EntryDir(h))
			info, ok := c.Lookup(ctx, h, 1)
			if ok || !strings.Contains(info.Damage, tt.mention) || !strings.Contains(info.Damage, h.Short()) {
				t.Errorf("Lookup = %+v, %v; want damage mentioning %q", info, ok, tt.mention)
			}
		})
	}

	// Read once: a damage done after the first lookup is not seen until
	// the entry is put again.
	c, s := newCache(t)
	h := testHash("a red fox")
	if _, err := c.Put(ctx, h, testImages(t), cache.Origin{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(ctx, h, 2); !ok {
		t.Fatal("Lookup of an intact entry")
	}
	if err := os.Remove(filepath.Join(s.EntryDir(h), "0.png")); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(ctx, h, 2); !ok {
		t.Error("a second Lookup read the entry again")
	}
	if err := c.Remove(ctx, h); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(ctx, h, 1); ok {
		t.Error("Lookup after Remove still finds the entry")
	}
}

// Prune removes the entries the state does not use, incomplete ones too.
func TestUnused(t *testing.T) {
	ctx := t.Context()
	c, s := newCache(t)
	used, unused, incomplete := testHash("used"), testHash("unused"), testHash("incomplete")
	for _, h := range []model.Hash{used, unused, incomplete} {
		if _, err := c.Put(ctx, h, testImages(t)[:1], cache.Origin{Address: "image." + h.Short()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(s.EntryDir(incomplete), dir.MetaName)); err != nil {
		t.Fatal(err)
	}
	got, total, err := cache.Unused(ctx, s, func(h model.Hash) bool { return h == used })
	if err != nil {
		t.Fatal(err)
	}
	if total != 3 || len(got) != 2 {
		t.Fatalf("Unused: %d of %d: %+v", len(got), total, got)
	}
	for _, u := range got {
		switch u.Hash {
		case unused:
			if u.Entry == nil || u.Entry.Address != "image."+unused.Short() {
				t.Errorf("the unused entry comes without its metadata: %+v", u.Entry)
			}
		case incomplete:
			if u.Entry != nil {
				t.Errorf("the incomplete entry has metadata: %+v", u.Entry)
			}
		default:
			t.Errorf("Unused lists %s", u.Hash.Short())
		}
	}
}

// Two machines with caches of their own and a shared one behind them: an
// image one put, the other finds (by its metadata first, then its bytes,
// which are then kept locally too).
func TestSharedCache(t *testing.T) {
	ctx := t.Context()
	shared := dir.New(filepath.Join(t.TempDir(), "shared"))
	a := cache.NewShared(dir.New(filepath.Join(t.TempDir(), "a")), shared, nil)
	bLocal := dir.New(filepath.Join(t.TempDir(), "b"))
	b := cache.NewShared(bLocal, shared, nil)
	h := testHash("a red fox")
	imgs := testImages(t)
	if _, err := a.Put(ctx, h, imgs, cache.Origin{Endpoint: "https://api.segmind.com"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Prefetch(ctx, []model.Hash{h, testHash("never made")}); err != nil {
		t.Fatal(err)
	}
	info, ok := b.Lookup(ctx, h, 2)
	if !ok || !info.Remote || len(info.Files) != 2 || info.Files[0] != model.SumBytes(imgs[0].Data) || info.Endpoint != "https://api.segmind.com" {
		t.Errorf("Lookup on the other machine = %+v, %v", info, ok)
	}
	if _, ok := b.Lookup(ctx, testHash("never made"), 1); ok {
		t.Error("Lookup finds what nobody put")
	}
	if _, err := bLocal.Stat(ctx, h); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("a lookup downloaded the entry: %v", err)
	}
	_, got, err := b.Get(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hashed(imgs), got); diff != "" {
		t.Errorf("images (-put +got):\n%s", diff)
	}
	if _, err := bLocal.Stat(ctx, h); err != nil {
		t.Errorf("the download is not kept locally: %v", err)
	}
	if got := a.String(); !strings.Contains(got, " and ") {
		t.Errorf("String = %q, want both stores", got)
	}

	// A shared entry whose bytes are damaged is refused on download.
	h2 := testHash("an owl")
	if _, err := a.Put(ctx, h2, imgs[:1], cache.Origin{}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(shared.EntryDir(h2), "0.png")
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0xFF
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Get(ctx, h2); err == nil || !strings.Contains(err.Error(), "does not match its hash") {
		t.Errorf("Get of a damaged shared entry: %v", err)
	}
}

// hashed is what Get returns of imgs: the images with their hashes, which
// the store checked.
func hashed(imgs []model.Image) []model.Image {
	out := make([]model.Image, len(imgs))
	for i, img := range imgs {
		out[i] = img
		out[i].SHA256 = model.SumBytes(img.Data)
	}
	return out
}
