package outputfile

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for y := range 16 {
		for x := range 24 {
			img.Set(x, y, color.RGBA{uint8(x * 10), uint8(y * 15), uint8((x + y) * 5), 255})
		}
	}
	return img
}

func encoded(t *testing.T, f Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if f == PNG {
		err = png.Encode(&buf, picture())
	} else {
		err = jpeg.Encode(&buf, picture(), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Strip gives back what Convert gave and the provenance Encode wrote,
// whatever the source's format and the output's.
func TestStripUndoesEncode(t *testing.T) {
	prov := Provenance{Parameters: "a fox, café\nSteps: 7, Seed: 1", Address: `image.icon["épée"]`, InputHash: strings.Repeat("ab", 32)}
	for _, tt := range []struct {
		name     string
		src, out Format
	}{
		{"png to png", PNG, PNG},
		{"jpeg to png", JPEG, PNG},
		{"jpeg to jpeg", JPEG, JPEG},
		{"png to jpeg", PNG, JPEG},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := encoded(t, tt.src)
			data, err := Encode(src, tt.out, prov)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Convert(src, tt.out)
			if err != nil {
				t.Fatal(err)
			}
			img, f, got, ok := Strip(data)
			if !ok || f != tt.out {
				t.Fatalf("Strip: ok %v, format %v; want %v", ok, f, tt.out)
			}
			if !bytes.Equal(img, want) {
				t.Error("Strip did not give back what Convert gave")
			}
			if diff := cmp.Diff(prov, got); diff != "" {
				t.Errorf("provenance (-want +got):\n%s", diff)
			}
			if tt.src == tt.out && !bytes.Equal(img, src) {
				t.Error("an image in the output's format is not the source's bytes")
			}
		})
	}
}

// An image without imgform's provenance is not stripped.
func TestStripRefusesOthers(t *testing.T) {
	for name, data := range map[string][]byte{
		"a png of its own":  encoded(t, PNG),
		"a jpeg of its own": encoded(t, JPEG),
		"not an image":      []byte("hello"),
		"empty":             nil,
	} {
		if _, _, _, ok := Strip(data); ok {
			t.Errorf("%s: stripped", name)
		}
	}
}

// The same image and provenance give the same bytes.
func TestEncodeIsDeterministic(t *testing.T) {
	prov := Provenance{Parameters: "p", Address: "image.a", InputHash: "h"}
	for _, f := range []Format{PNG, JPEG} {
		a, err := Encode(encoded(t, JPEG), f, prov)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Encode(encoded(t, JPEG), f, prov)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("format %v: two encodings differ", f)
		}
	}
}
