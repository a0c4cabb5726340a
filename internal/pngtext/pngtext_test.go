package pngtext

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.NRGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestInsertThenRead(t *testing.T) {
	src := tinyPNG(t)
	chunks := []Chunk{
		{Keyword: "parameters", Text: "a castle (on a cliff:1.7)\nSteps: 7"},
		{Keyword: "imgform:address", Text: `image.icon["épée"]`},
	}
	out, err := Insert(src, chunks...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"parameters": chunks[0].Text, "imgform:address": chunks[1].Text}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("text chunks (-want +got):\n%s", diff)
	}
	// The image itself is untouched and still decodes to the same pixels.
	a, _ := png.Decode(bytes.NewReader(src))
	b, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("decoding the PNG with text: %v", err)
	}
	if a.At(1, 1) != b.At(1, 1) || a.Bounds() != b.Bounds() {
		t.Error("the pixels changed")
	}
	again, _ := Insert(src, chunks...)
	if !bytes.Equal(out, again) {
		t.Error("the same input gave different bytes")
	}
}

func TestInsertRefusesBadInput(t *testing.T) {
	src := tinyPNG(t)
	tests := map[string]struct {
		data  []byte
		chunk Chunk
	}{
		"not a PNG":     {data: []byte("GIF89a not a png at all, long enough to pass"), chunk: Chunk{Keyword: "k", Text: "v"}},
		"empty keyword": {data: src, chunk: Chunk{Keyword: "", Text: "v"}},
		"long keyword":  {data: src, chunk: Chunk{Keyword: string(bytes.Repeat([]byte("k"), 80)), Text: "v"}},
		"NUL in text":   {data: src, chunk: Chunk{Keyword: "k", Text: "a\x00b"}},
		"invalid UTF-8": {data: src, chunk: Chunk{Keyword: "k", Text: "\xff"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Insert(tc.data, tc.chunk); err == nil {
				t.Error("Insert accepted it")
			}
		})
	}
}

// HeadText finds a text chunk before the image data, reading no more of
// the file than that, and stops at the image data.
func TestHeadText(t *testing.T) {
	base := tinyPNG(t)
	withText, err := Insert(base, Chunk{Keyword: "first", Text: "one"}, Chunk{Keyword: "wanted", Text: "héllo"})
	if err != nil {
		t.Fatal(err)
	}
	if text, ok := HeadText(bytes.NewReader(withText), "wanted"); !ok || text != "héllo" {
		t.Errorf("HeadText = %q, %v; want héllo, true", text, ok)
	}
	if _, ok := HeadText(bytes.NewReader(withText), "absent"); ok {
		t.Error("HeadText found a chunk that is not there")
	}
	if text, ok := HeadText(bytes.NewReader(withText[:len(withText)-20]), "wanted"); !ok || text != "héllo" {
		t.Errorf("HeadText on a truncated file = %q, %v", text, ok)
	}
	if _, ok := HeadText(strings.NewReader("GIF89a..."), "wanted"); ok {
		t.Error("HeadText read a GIF")
	}
}

// Remove gives back exactly what Insert was given, and the texts; it
// refuses chunks of other keywords, in another order, or damaged.
func TestRemoveUndoesInsert(t *testing.T) {
	src, err := Insert(tinyPNG(t), Chunk{Keyword: "Software", Text: "kept"}) // a text chunk of the source's own
	if err != nil {
		t.Fatal(err)
	}
	chunks := []Chunk{{Keyword: "parameters", Text: "a castle\nSteps: 7"}, {Keyword: "imgform:address", Text: `image.icon["épée"]`}}
	out, err := Insert(src, chunks...)
	if err != nil {
		t.Fatal(err)
	}
	rest, texts, ok := Remove(out, "parameters", "imgform:address")
	if !ok || !bytes.Equal(rest, src) {
		t.Fatalf("Remove: ok %v, the source back %v", ok, bytes.Equal(rest, src))
	}
	if diff := cmp.Diff([]string{chunks[0].Text, chunks[1].Text}, texts); diff != "" {
		t.Errorf("texts (-want +got):\n%s", diff)
	}
	if _, _, ok := Remove(out, "imgform:address", "parameters"); ok {
		t.Error("Remove took chunks in another order")
	}
	if _, _, ok := Remove(src, "parameters"); ok {
		t.Error("Remove took a chunk of another keyword")
	}
	damaged := bytes.Clone(out)
	damaged[ihdrEnd+10] ^= 1 // inside the first text chunk
	if _, _, ok := Remove(damaged, "parameters", "imgform:address"); ok {
		t.Error("Remove took a chunk whose CRC does not match")
	}
	if _, _, ok := Remove([]byte("not a png"), "parameters"); ok {
		t.Error("Remove took data that is not a PNG")
	}
}
