package plan

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"testing"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/outputfile"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// imageCache is a content cache in memory that holds images, as the
// API gave them.
type imageCache map[state.Hash][]model.Image

func (m imageCache) Prefetch(context.Context, []state.Hash) error { return nil }

func (m imageCache) Lookup(_ context.Context, h state.Hash, n int) (cache.Info, bool) {
	var info cache.Info
	for _, img := range m[h] {
		info.Files = append(info.Files, img.Sum())
	}
	return info, len(info.Files) >= n && n > 0
}

func (m imageCache) Get(_ context.Context, h state.Hash) (*cache.Entry, []model.Image, error) {
	if len(m[h]) == 0 {
		return nil, nil, cache.ErrNotFound
	}
	return &cache.Entry{InputHash: h}, m[h], nil
}

// apiJPEG is an image as the API answers: JPEG bytes, different for each
// shade.
func apiJPEG(t *testing.T, shade uint8) model.Image {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			img.Set(x, y, color.RGBA{shade, uint8(x * 8), uint8(y * 8), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return model.Image{Data: buf.Bytes(), ContentType: "image/jpeg"}
}

// written is the PNG file apply writes for img made for req at addr.
func written(t *testing.T, img model.Image, addr string, req model.Request) []byte {
	t.Helper()
	data, err := outputfile.Encode(img.Data, outputfile.PNG, outputfile.Provenance{Parameters: req.A1111(), Address: addr, InputHash: req.InputHash().String()})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A file on disk that holds an image imgform made for the output (an
// earlier version, as git brings back) is not a hand edit: the restore
// says "another version of this image is on disk" and lists the file
// for apply to write over without a copy. The proof is in the bytes:
// the cache's image (converted to PNG, as apply converts the API's JPEG)
// or the state's record of that request; the provenance chunk alone, on
// other pixels, is a hand edit.
func TestOtherVersionOnDisk(t *testing.T) {
	v1 := newImage(t, "image.p04", "a potion, red", "p04.png")
	v2 := with(v1, func(i *spec.Image) { i.Request = i.Request.WithPrompt("a potion, blue") })
	old, cur := apiJPEG(t, 10), apiJPEG(t, 200)
	oldFile := written(t, old, "image.p04", v1.Request)

	// The state records v2 as written; the file on disk is v1's.
	setup := func(t *testing.T, onDisk []byte) (string, *state.State) {
		dir := t.TempDir()
		st := newState()
		writeFile(t, dir, "p04.png", written(t, cur, "image.p04", v2.Request))
		e := &state.Entry{Generator: state.GeneratorAPI, InputHash: v2.Request.InputHash(), Request: v2.Request, SeedOrigin: "derived",
			Outputs: []state.Output{recordOutput(t, dir, "p04.png")}}
		e.Outputs[0].SourceSHA256 = cur.Sum()
		st.Images["image.p04"] = e
		writeFile(t, dir, "p04.png", onDisk)
		return dir, st
	}
	edited := slices.Clone(oldFile)
	edited[len(edited)-20] ^= 0xff // inside the image data, provenance kept

	tests := map[string]struct {
		onDisk []byte
		cache  Cache
		// extra records another image of v1's request in the state.
		extra bool
		want  ReasonKind
	}{
		"an earlier version, its JPEG in the cache": {onDisk: oldFile, cache: imageCache{v1.Request.InputHash(): {old}}, want: ReasonOtherVersion},
		"an earlier version the state records":      {onDisk: oldFile, cache: imageCache{}, extra: true, want: ReasonOtherVersion},
		"an earlier version nothing proves":         {onDisk: oldFile, cache: imageCache{}, want: ReasonEdited},
		"a cache that holds only counts":            {onDisk: oldFile, cache: mapCache{v1.Request.InputHash(): 1}, want: ReasonEdited},
		"edited pixels under imgform's chunks":      {onDisk: edited, cache: imageCache{v1.Request.InputHash(): {old}}, want: ReasonEdited},
		"no provenance at all":                      {onDisk: old.Data, cache: imageCache{v1.Request.InputHash(): {old}}, want: ReasonEdited},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			dir, st := setup(t, tt.onDisk)
			if tt.extra {
				st.Images["image.other"] = &state.Entry{Generator: state.GeneratorAPI, InputHash: v1.Request.InputHash(), Request: v1.Request, SeedOrigin: "derived",
					Outputs: []state.Output{{Path: "other.png", SHA256: state.SumBytes(oldFile)}}}
			}
			p, err := Make(t.Context(), []*spec.Image{v2}, st, Options{Dir: dir, Cache: tt.cache})
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(p.Changes, func(c *Change) bool { return c.Address == "image.p04" })
			if i < 0 {
				t.Fatalf("no change of image.p04: %v", p.Changes)
			}
			c := p.Changes[i]
			if c.Action != Restore || len(c.Reasons) != 1 || c.Reasons[0].Kind != tt.want {
				t.Fatalf("change %s %+v, want a restore for %s", c.Action, c.Reasons, tt.want)
			}
			wantOther := []OtherVersion(nil)
			if tt.want == ReasonOtherVersion {
				wantOther = []OtherVersion{{Path: "p04.png", SHA256: state.SumBytes(tt.onDisk)}}
				if msg := c.Reasons[0].Message; msg != "another version of this image is on disk (p04.png): imgform made it, so it is restored without a copy kept" {
					t.Errorf("reason %q", msg)
				}
			}
			if !slices.Equal(c.OtherVersions, wantOther) {
				t.Errorf("other versions %v, want %v", c.OtherVersions, wantOther)
			}
		})
	}

	// Reverting the configuration to v1 with v1's file on disk: the
	// replacement writes over it without a copy (the file is the image it
	// writes).
	dir, st := setup(t, oldFile)
	p, err := Make(t.Context(), []*spec.Image{v1}, st, Options{Dir: dir, Cache: imageCache{v1.Request.InputHash(): {old}}})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Changes[0]
	if c.Action != Replace || !c.Cached || len(c.OtherVersions) != 1 || !slices.ContainsFunc(c.Reasons, func(r Reason) bool { return r.Kind == ReasonOtherVersion }) {
		t.Errorf("revert: %s cached %v, reasons %+v, other versions %v", c.Action, c.Cached, c.Reasons, c.OtherVersions)
	}
}
