package derive

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/imgform/imgform/internal/variant"
)

// vipsCase is a downscale compared with vipsthumbnail: the spec, and
// vipsthumbnail's arguments for the same resize.
type vipsCase struct {
	name string
	spec variant.Spec
	args []string
}

// vipsCases are issue 22's downscales: a 256 px thumbnail (height
// following the aspect ratio: -s 256x) and a 960×504 cover crop
// (--smartcrop centre is vipsthumbnail's plain centred crop).
var vipsCases = []vipsCase{
	{"thumb256", variant.Spec{Width: 256}, []string{"-s", "256x"}},
	{"cover960x504", variant.Spec{Width: 960, Height: 504, Fit: variant.Cover}, []string{"-s", "960x504", "--smartcrop", "centre"}},
}

// minPSNR is issue 22's floor for a lossless variant against libvips's
// resize.
const minPSNR = 40.0

// vipsReference resizes a source with vipsthumbnail and returns the path
// of the PNG it wrote. The source is given to vipsthumbnail as a PNG of
// the pixels Go decoded, so that both resize the same pixels (for a JPEG
// source vipsthumbnail would otherwise use its own decoder, and its
// shrink-on-load at factors of 4 and more).
func vipsReference(t *testing.T, dir string, src testSource, c vipsCase) string {
	t.Helper()
	vips := referenceTool(t, "vipsthumbnail", "libvips-tools")
	in := writePNG(t, dir, src.name+".png", src.img)
	out := filepath.Join(dir, fmt.Sprintf("%s-%s-vips.png", src.name, c.name))
	run(t, vips, append([]string{in}, append(c.args, "-o", out)...)...)
	return out
}

// TestLosslessMatchesVipsthumbnail: a downscaled variant written
// losslessly (PNG, lossless WebP) is at least 40 dB PSNR against the
// same resize by vipsthumbnail, on the emulator's placeholders and on a
// photograph. Each WebP is decoded by dwebp too.
func TestLosslessMatchesVipsthumbnail(t *testing.T) {
	dwebp := referenceTool(t, "dwebp", "webp")
	for _, src := range qualitySources(t) {
		source, err := Decode(src.data)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range vipsCases {
			t.Run(src.name+"/"+c.name, func(t *testing.T) {
				dir := t.TempDir()
				want := decodeFile(t, vipsReference(t, dir, src, c))
				for _, f := range []struct {
					ext  string
					spec variant.Spec
				}{{"png", variant.Spec{Format: variant.PNG}}, {"webp", variant.Spec{Format: variant.WebP, Lossless: true}}} {
					spec := c.spec
					spec.Format, spec.Lossless = f.spec.Format, f.spec.Lossless
					data, err := source.Derive(spec, nil)
					if err != nil {
						t.Fatal(err)
					}
					got := decodeBytes(t, data)
					if f.ext == "webp" {
						got = decodeFile(t, dwebpToPNG(t, dwebp, writeFile(t, dir, "ours.webp", data)))
					}
					db := psnr(t, want, got)
					t.Logf("%s %s %s: %.2f dB against vipsthumbnail", src.name, c.name, f.ext, db)
					if db < minPSNR {
						t.Errorf("%s: %.2f dB against vipsthumbnail, want ≥ %.0f", f.ext, db, minPSNR)
					}
				}
			})
		}
	}
}

// dwebpToPNG decodes a WebP file with dwebp, failing the test if dwebp
// cannot, and returns the PNG's path.
func dwebpToPNG(t testing.TB, dwebp, path string) string {
	t.Helper()
	out := path + ".png"
	run(t, dwebp, "-quiet", path, "-o", out)
	return out
}

// TestLossyWithin2dBOfReference: a lossy variant comes within 2 dB of
// what cwebp (WebP) or libjpeg through vips (JPEG) make of
// vipsthumbnail's resize at the same quality, both measured against
// that resize and decoded by the same reference decoder (dwebp; libjpeg
// through vips).
func TestLossyWithin2dBOfReference(t *testing.T) {
	cwebp := referenceTool(t, "cwebp", "webp")
	dwebp := referenceTool(t, "dwebp", "webp")
	vips := referenceTool(t, "vips", "libvips-tools")
	for _, src := range qualitySources(t) {
		source, err := Decode(src.data)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range vipsCases {
			t.Run(src.name+"/"+c.name, func(t *testing.T) {
				dir := t.TempDir()
				refPNG := vipsReference(t, dir, src, c)
				want := decodeFile(t, refPNG)
				for _, f := range []struct {
					format  variant.Format
					quality int
				}{{variant.WebP, 82}, {variant.JPEG, 85}, {variant.WebP, variant.WebP.DefaultQuality()}, {variant.JPEG, 60}} {
					spec := c.spec
					spec.Format, spec.Quality = f.format, f.quality
					data, err := source.Derive(spec, nil)
					if err != nil {
						t.Fatal(err)
					}
					var oursPNG, refDecoded string
					name := fmt.Sprintf("%s-q%d", f.format, f.quality)
					switch f.format {
					case variant.WebP:
						oursPNG = dwebpToPNG(t, dwebp, writeFile(t, dir, name+"-ours.webp", data))
						ref := filepath.Join(dir, name+"-ref.webp")
						run(t, cwebp, "-quiet", "-q", fmt.Sprint(f.quality), refPNG, "-o", ref)
						refDecoded = dwebpToPNG(t, dwebp, ref)
					case variant.JPEG:
						oursPNG = filepath.Join(dir, name+"-ours.png")
						run(t, vips, "copy", writeFile(t, dir, name+"-ours.jpg", data), oursPNG)
						ref := filepath.Join(dir, name+"-ref.jpg")
						run(t, vips, "copy", refPNG, fmt.Sprintf("%s[Q=%d]", ref, f.quality))
						refDecoded = filepath.Join(dir, name+"-ref.png")
						run(t, vips, "copy", ref, refDecoded)
					}
					ours, ref := psnr(t, want, decodeFile(t, oursPNG)), psnr(t, want, decodeFile(t, refDecoded))
					t.Logf("%s %s %s: ours %.2f dB, reference %.2f dB", src.name, c.name, name, ours, ref)
					if ours < ref-2 {
						t.Errorf("%s: %.2f dB, more than 2 dB below the reference's %.2f dB", name, ours, ref)
					}
				}
			})
		}
	}
}
