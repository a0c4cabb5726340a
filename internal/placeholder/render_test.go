package placeholder

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/imgform/imgform/internal/model"
)

func baseRenderRequest() model.Request {
	return model.NewRequest(model.NewRealityLightning).
		WithPrompt("castle on a cliff at dusk, cinematic, highly detailed").
		WithSeed(1220429729).
		With("samples", model.Int(2))
}

func mustRender(t testing.TB, req model.Request, sample int) []byte {
	t.Helper()
	b, err := Render(req, sample, Emulator)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	return img
}

// looksSame reports whether two placeholders show the same pixels (their
// bytes always differ through the text chunk).
func looksSame(t *testing.T, a, b []byte) bool {
	t.Helper()
	pa, okA := decodePNG(t, a).(*image.Paletted)
	pb, okB := decodePNG(t, b).(*image.Paletted)
	if !okA || !okB {
		t.Fatal("a placeholder did not decode as a paletted image")
	}
	return bytes.Equal(pa.Pix, pb.Pix) && cmp.Equal(pa.Palette, pb.Palette)
}

func TestRenderIsDeterministic(t *testing.T) {
	base := baseRenderRequest()
	want := mustRender(t, base, 0)
	if got := mustRender(t, base, 0); !bytes.Equal(got, want) {
		t.Fatal("rendering the same request twice gave different bytes")
	}
}

func TestRenderDiffers(t *testing.T) {
	base := baseRenderRequest()
	basePNG := mustRender(t, base, 0)
	tests := []struct {
		name   string
		edit   func(model.Request) model.Request
		sample int
	}{
		{name: "seed", edit: func(r model.Request) model.Request { return r.WithSeed(r.Seed() + 1) }},
		{name: "prompt", edit: func(r model.Request) model.Request { return r.WithPrompt("a lighthouse in a storm") }},
		{name: "sample", edit: func(r model.Request) model.Request { return r }, sample: 1},
		{name: "negative prompt", edit: func(r model.Request) model.Request { return r.With("negative_prompt", model.String("blurry")) }},
		{name: "steps", edit: func(r model.Request) model.Request { return r.With("num_inference_steps", model.Int(8)) }},
		{name: "scheduler", edit: func(r model.Request) model.Request { return r.With("scheduler", model.String("Euler a")) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.edit(base)
			if looksSame(t, mustRender(t, req, tc.sample), basePNG) {
				t.Errorf("a different %s gave the same pixels", tc.name)
			}
		})
	}
}

func TestRenderSizes(t *testing.T) {
	for _, size := range []image.Point{{1024, 1024}, {768, 1152}, {320, 64}, {16, 16}, {1, 1}} {
		req := baseRenderRequest().With("img_width", model.Int(int64(size.X))).With("img_height", model.Int(int64(size.Y)))
		img := decodePNG(t, mustRender(t, req, 1))
		if got := img.Bounds().Size(); got != size {
			t.Errorf("rendered %v, want %v", got, size)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(model.Request) model.Request
		sample int
		want   string
	}{
		{name: "zero width", edit: func(r model.Request) model.Request { return r.With("img_width", model.Int(0)) }, want: "width and height must be between 1 and 8192"},
		{name: "huge height", edit: func(r model.Request) model.Request { return r.With("img_height", model.Int(MaxSide+1)) }, want: "width and height must be between 1 and 8192"},
		{name: "sample past the samples", sample: 2, edit: func(r model.Request) model.Request { return r }, want: "sample 2 out of range"},
		{name: "negative sample", sample: -1, edit: func(r model.Request) model.Request { return r }, want: "sample -1 out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.edit(baseRenderRequest())
			_, err := Render(req, tc.sample, Emulator)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestRenderTextChunk(t *testing.T) {
	req := baseRenderRequest().WithPrompt("Schloß am Meer — 城 🏰, (ruins:1.3)")
	b := mustRender(t, req, 1)

	types, texts := pngChunks(t, b)
	if len(types) < 3 || types[0] != "IHDR" || types[1] != "tEXt" {
		t.Errorf("chunks %v, want IHDR then tEXt first", types)
	}
	text := texts[Keyword]
	for i := range len(text) {
		if text[i] >= 0x80 {
			t.Fatalf("the text chunk is not ASCII at byte %d: %q", i, text)
		}
	}
	wantMeta := Meta{
		Generator: "imgform emulator",
		Note:      Emulator.Note(),
		Model:     req.Model(),
		Sample:    1,
		Request:   req,
	}
	if diff := cmp.Diff(wantMeta, placeholderMetaOf(t, b), cmp.Comparer(model.Request.Equal)); diff != "" {
		t.Errorf("text chunk (-want +got):\n%s", diff)
	}
	if !strings.Contains(text, "not SDXL output") {
		t.Errorf("the text chunk does not say it is not SDXL output: %s", text)
	}
}

// TestRenderShowsText: the panel carries drawn text, not just a flat
// colour; the prompt is visible in the pixels.
func TestRenderShowsText(t *testing.T) {
	img, ok := decodePNG(t, mustRender(t, baseRenderRequest(), 0)).(*image.Paletted)
	if !ok {
		t.Fatal("not a paletted image")
	}
	counts := map[uint8]int{}
	for _, i := range img.Pix {
		counts[i]++
	}
	textPixels := 0
	for i := idxAccent; i < paletteSize; i++ {
		textPixels += counts[uint8(i)]
	}
	if textPixels < 10000 {
		t.Errorf("%d pixels in text colours, want a visible caption", textPixels)
	}
	if counts[idxPanel] < 100000 {
		t.Errorf("%d panel pixels, want a caption panel", counts[idxPanel])
	}
}

func TestShortPrompt(t *testing.T) {
	tests := []struct{ in, want string }{
		{"castle", "castle"},
		{"  castle \n on\ta   cliff ", "castle on a cliff"},
		{strings.Repeat("a", 70), strings.Repeat("a", 60) + "…"},
		{"Thelema-themed, ethereal fantasy concept art of  Dystopian style Grim-noire, wide angle shot",
			"Thelema-themed, ethereal fantasy concept art of Dystopian…"},
	}
	for _, tc := range tests {
		if got := shortPrompt(tc.in); got != tc.want {
			t.Errorf("shortPrompt(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func BenchmarkRenderPlaceholder(b *testing.B) {
	req := baseRenderRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(req, 0, Emulator); err != nil {
			b.Fatal(err)
		}
	}
}

// Offline placeholders say "offline", not "emulator", in the picture and
// in their text chunk; MakerOf tells the two apart, and real images from
// neither.
func TestRenderMakers(t *testing.T) {
	req := baseRenderRequest()
	emu, err := Render(req, 0, Emulator)
	if err != nil {
		t.Fatal(err)
	}
	off, err := Render(req, 0, Offline)
	if err != nil {
		t.Fatal(err)
	}
	if meta := placeholderMetaOf(t, off); meta.Generator != "imgform offline" || meta.Note != "imgform offline placeholder, not SDXL output" {
		t.Errorf("offline placeholder's chunk: %+v", meta)
	}
	if looksSame(t, emu, off) {
		t.Error("the offline placeholder shows the same picture as the emulator's: it must say offline")
	}
	for name, tc := range map[string]struct {
		data  []byte
		maker Maker
		ok    bool
	}{
		"emulator":     {emu, Emulator, true},
		"offline":      {off, Offline, true},
		"its head":     {off[:4096], Offline, true},
		"a real image": {plainPNG(t), "", false},
		"not a PNG":    {[]byte("GIF89a"), "", false},
	} {
		if maker, ok := MakerOf(tc.data); maker != tc.maker || ok != tc.ok {
			t.Errorf("%s: MakerOf = %q, %v; want %q, %v", name, maker, ok, tc.maker, tc.ok)
		}
	}
}

func plainPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
