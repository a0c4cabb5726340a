package derive

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"maps"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/webp"

	"github.com/imgform/imgform/internal/imagetest"
	"github.com/imgform/imgform/internal/pngtext"
	"github.com/imgform/imgform/internal/provenance"
	"github.com/imgform/imgform/internal/variant"
)

// testProvenance is what apply would pass: the request's parameters,
// the image's address (not ASCII) and its input hash.
var testProvenance = []pngtext.Chunk{
	{Keyword: provenance.Parameters, Text: "castle on a cliff at dusk <lora:x> & \"more\"\nNegative prompt: blurry\nSteps: 7, Seed: 1220429729"},
	{Keyword: provenance.Address, Text: `image.hero["épée"]`},
	{Keyword: provenance.InputHash, Text: "5d41402abc4b2a76b9719d911017c592d41402abc4b2a76b9719d911017c592"},
}

// wantProvenance is what a variant of spec must carry: the caller's
// chunks, whatever the spec.
func wantProvenance(variant.Spec) map[string]string {
	want := map[string]string{}
	for _, c := range testProvenance {
		want[c.Keyword] = c.Text
	}
	return want
}

// TestProvenanceInEveryFormat: each format carries the caller's
// provenance, read back by ReadProvenance.
func TestProvenanceInEveryFormat(t *testing.T) {
	source := NewSource(rampImage(300, 200))
	for _, spec := range []variant.Spec{
		{Width: 64, Format: variant.PNG},
		{Width: 64, Format: variant.JPEG, Quality: 70},
		{Width: 64, Format: variant.WebP},
		{Width: 64, Format: variant.WebP, Lossless: true},
		{Width: 64, Height: 64, Fit: variant.Contain, Background: "#ff000080", Format: variant.WebP},
		{Width: 64, Format: variant.AVIF},
	} {
		t.Run(fmt.Sprintf("%s-lossless=%v-%s", spec.Format, spec.Lossless, spec.Fit), func(t *testing.T) {
			data, err := source.Derive(spec, testProvenance)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ReadProvenance(data)
			if err != nil {
				t.Fatal(err)
			}
			if want := wantProvenance(spec); !maps.Equal(got, want) {
				t.Errorf("provenance\n got %q\nwant %q", got, want)
			}
		})
	}
	if _, err := ReadProvenance(rampPNG(t)); !errors.Is(err, ErrNoProvenance) {
		t.Errorf("ReadProvenance of a PNG derive did not write: %v, want ErrNoProvenance", err)
	}
}

func rampPNG(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, rampImage(8, 8)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAVIFMetadata: the XMP item is where HEIF readers look for it:
// libheif (through vips) reads the packet back as the image's XMP, and
// still decodes the image.
func TestAVIFMetadata(t *testing.T) {
	vips := referenceTool(t, "vips", "libvips-tools")
	spec := variant.Spec{Width: 90, Format: variant.AVIF}
	data, err := NewSource(rampImage(300, 200)).Derive(spec, testProvenance)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "v.avif", data)
	checkVipsReadsXMP(t, path, spec)
	run(t, vips, "copy", path, filepath.Join(dir, "v.png"))
	if got := decodeFile(t, filepath.Join(dir, "v.png")).Bounds().Size(); got != image.Pt(90, 60) {
		t.Errorf("libheif decodes %v, want 90×60", got)
	}
}

// TestWebPMetadata: a WebP's XMP chunk holds the rdf:RDF element alone,
// and libvips (what sharp reads metadata with) takes it as the image's
// XMP.
func TestWebPMetadata(t *testing.T) {
	spec := variant.Spec{Width: 90, Format: variant.WebP}
	data, err := NewSource(rampImage(300, 200)).Derive(spec, testProvenance)
	if err != nil {
		t.Fatal(err)
	}
	checkVipsReadsXMP(t, writeFile(t, t.TempDir(), "v.webp", data), spec)
}

// checkVipsReadsXMP checks that libvips finds the XMP of the file at
// path, and that it holds the provenance a variant of spec carries.
func checkVipsReadsXMP(t *testing.T, path string, spec variant.Spec) {
	t.Helper()
	vipsheader := referenceTool(t, "vipsheader", "libvips-tools")
	out, err := exec.Command(vipsheader, "-f", "xmp-data", path).Output()
	if err != nil {
		t.Fatalf("vipsheader -f xmp-data: %v (libvips found no XMP)", err)
	}
	packet, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("vipsheader printed %q: %v", out, err)
	}
	texts, err := readXMP(packet)
	if err != nil || !maps.Equal(texts, wantProvenance(spec)) {
		t.Errorf("libvips reads the XMP %q: %v, %v", packet, texts, err)
	}
}

func TestPNGChunks(t *testing.T) {
	data, err := NewSource(rampImage(300, 200)).Derive(variant.Spec{Width: 64, Format: variant.PNG}, testProvenance)
	if err != nil {
		t.Fatal(err)
	}
	types, _, err := imagetest.Chunks(data)
	if err != nil {
		t.Fatal(err)
	}
	// The address is not Latin-1 ASCII: iTXt.
	if want := []string{"IHDR", "tEXt", "iTXt", "tEXt", "IDAT"}; fmt.Sprint(types[:5]) != fmt.Sprint(want) {
		t.Errorf("chunks %v, want %v first", types, want)
	}
}

// The JPEG carries an XMP APP1 segment and a COM segment written as
// apply writes its own; it decodes with Go's decoder and libjpeg (vips).
func TestJPEGSegments(t *testing.T) {
	data, err := NewSource(rampImage(300, 200)).Derive(variant.Spec{Width: 150, Format: variant.JPEG}, testProvenance)
	if err != nil {
		t.Fatal(err)
	}
	coms, err := jpegSegments(data, 0xFE)
	if err != nil || len(coms) != 1 {
		t.Fatalf("COM segments: %d, %v", len(coms), err)
	}
	want := testProvenance[0].Text + "\nimgform:address: " + testProvenance[1].Text + "\nimgform:input-hash: " + testProvenance[2].Text
	if string(coms[0]) != want {
		t.Errorf("COM\n got %q\nwant %q", coms[0], want)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil || img.Bounds().Dx() != 150 || img.Bounds().Dy() != 100 {
		t.Fatalf("Go decodes %v, %v", img.Bounds(), err)
	}
	vips := referenceTool(t, "vips", "libvips-tools")
	dir := t.TempDir()
	run(t, vips, "copy", writeFile(t, dir, "v.jpg", data), filepath.Join(dir, "v.png"))
	if got := decodeFile(t, filepath.Join(dir, "v.png")).Bounds().Size(); got != image.Pt(150, 100) {
		t.Errorf("libjpeg decodes %v", got)
	}
}

// A provenance too large for one JPEG segment is an error, never cut.
func TestJPEGProvenanceTooLarge(t *testing.T) {
	huge := []pngtext.Chunk{{Keyword: provenance.Parameters, Text: string(bytes.Repeat([]byte("a"), 70000))}}
	if _, err := NewSource(rampImage(64, 64)).Derive(variant.Spec{Width: 32, Format: variant.JPEG}, huge); err == nil {
		t.Error("Derive cut or dropped a provenance too large for a JPEG segment")
	}
}

// TestWebPContainer: every WebP is in the extended format with the XMP
// flag and chunk, its canvas the image's size and its alpha flag set
// exactly when it has alpha; Go's decoder and dwebp decode it, and
// transparency survives.
func TestWebPContainer(t *testing.T) {
	dwebp := referenceTool(t, "dwebp", "webp")
	translucent := image.NewNRGBA(image.Rect(0, 0, 200, 100))
	for i := range 200 * 100 {
		translucent.Pix[4*i], translucent.Pix[4*i+3] = 200, uint8(i%200+50)
	}
	for _, tc := range []struct {
		src   image.Image
		spec  variant.Spec
		alpha bool
	}{
		{rampImage(300, 200), variant.Spec{Width: 101, Format: variant.WebP}, false},
		{rampImage(300, 200), variant.Spec{Width: 101, Format: variant.WebP, Lossless: true}, false},
		{rampImage(300, 200), variant.Spec{Width: 64, Height: 64, Fit: variant.Contain, Format: variant.WebP}, true},
		{translucent, variant.Spec{Width: 99, Format: variant.WebP, Quality: 90}, true},
		{translucent, variant.Spec{Width: 99, Format: variant.WebP, Lossless: true}, true},
	} {
		t.Run(fmt.Sprintf("%dx%d-%v-%v", tc.spec.Width, tc.spec.Height, tc.spec.Lossless, tc.alpha), func(t *testing.T) {
			data, err := NewSource(tc.src).Derive(tc.spec, testProvenance)
			if err != nil {
				t.Fatal(err)
			}
			chunks, err := webpChunks(data)
			if err != nil {
				t.Fatal(err)
			}
			if chunks[0].id != "VP8X" || chunks[len(chunks)-1].id != "XMP " {
				t.Fatalf("chunks %v: want VP8X first and XMP last", chunkIDs(chunks))
			}
			flags := chunks[0].data[0]
			w := int(binary.LittleEndian.Uint32(append(chunks[0].data[4:7:7], 0))) + 1
			h := int(binary.LittleEndian.Uint32(append(chunks[0].data[7:10:10], 0))) + 1
			size := tc.spec.OutputSize(variant.Size{Width: tc.src.Bounds().Dx(), Height: tc.src.Bounds().Dy()})
			if flags&vp8xXMP == 0 || (flags&vp8xAlpha != 0) != tc.alpha || w != size.Width || h != size.Height {
				t.Errorf("VP8X flags %08b canvas %dx%d, want XMP, alpha=%v, %v", flags, w, h, tc.alpha, size)
			}
			img, err := webp.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("x/image/webp: %v", err)
			}
			dir := t.TempDir()
			decoded := decodeFile(t, dwebpToPNG(t, dwebp, writeFile(t, dir, "v.webp", data)))
			if decoded.Bounds().Size() != image.Pt(size.Width, size.Height) || img.Bounds() != decoded.Bounds() {
				t.Errorf("dwebp decodes %v, Go %v, want %v", decoded.Bounds(), img.Bounds(), size)
			}
			if tc.alpha {
				if _, _, _, a := decoded.At(size.Width/2, 0).RGBA(); a == 0xffff {
					t.Error("the transparency is lost")
				}
			} else if _, _, _, a := decoded.At(0, 0).RGBA(); a != 0xffff {
				t.Error("an opaque variant decodes with transparency")
			}
		})
	}
}

func chunkIDs(cs []riffChunk) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.id)
	}
	return ids
}

// A transparent source written as JPEG is flattened over white.
func TestJPEGFlattensTransparency(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range 64 * 64 {
		img.Set(i%64, i/64, color.NRGBA{0, 0, 0, 0})
	}
	out, err := NewSource(img).Render(variant.Spec{Width: 32, Format: variant.JPEG})
	if err != nil {
		t.Fatal(err)
	}
	if p := out.Pix[:4]; !bytes.Equal(p, []byte{255, 255, 255, 255}) {
		t.Errorf("a transparent pixel in a JPEG variant is %v, want white", p)
	}
}
