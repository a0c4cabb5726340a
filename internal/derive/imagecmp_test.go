package derive

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	_ "golang.org/x/image/webp"
)

// psnr is the peak signal-to-noise ratio of b against a, in dB, over the
// R, G and B channels (both images opaque and of one size); +Inf when
// they are equal.
func psnr(t testing.TB, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("comparing a %v image with a %v one", a.Bounds().Size(), b.Bounds().Size())
	}
	pa, pb := toPixels(a), toPixels(b)
	if pa.ch != 3 || pb.ch != 3 {
		t.Fatal("psnr compares opaque images only")
	}
	var se float64
	for i, v := range pa.pix {
		d := float64(v) - float64(pb.pix[i])
		se += d * d
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(len(pa.pix))/se)
}

// decodeFile decodes an image file (PNG, JPEG, WebP).
func decodeFile(t testing.TB, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decodeBytes(t, data)
}

func decodeBytes(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decoding: %v", err)
	}
	return img
}

// writePNG writes an image as a PNG file in dir and returns its path.
func writePNG(t testing.TB, dir, name string, img image.Image) string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, buf.Bytes())
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
