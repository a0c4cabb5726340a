package apply

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/pngtext"
	"github.com/imgform/imgform/internal/spec"
)

// testPicture is a small image with some detail, 24×16.
func testPicture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for y := range 16 {
		for x := range 24 {
			img.Set(x, y, color.RGBA{uint8(x * 10), uint8(y * 15), uint8((x + y) * 5), 255})
		}
	}
	return img
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testPicture()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testPicture(), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testProvenance is the provenance of an image with the model's defaults.
func testProvenance(prompt, negative string) origin {
	r := model.NewRequest(model.NewRealityLightning).WithPrompt(prompt).
		With("negative_prompt", model.String(negative)).WithSeed(123456789)
	return origin{Address: `image.hero["main"]`, InputHash: r.InputHash(), Request: r}
}

const defaultSettings = "Steps: 7, Sampler: DPM++ SDE, CFG scale: 1.4, Seed: 123456789, Size: 1024x1024, Model: sdxl1.0-newreality-lightning"

func TestEncodePNGProvenance(t *testing.T) {
	tests := []struct {
		name       string
		prompt     string
		negative   string
		parameters string
		chunk      string // the chunk type that carries parameters
	}{
		{
			name:       "prompt only",
			prompt:     "a red fox in the snow, golden hour",
			parameters: "a red fox in the snow, golden hour\n" + defaultSettings,
			chunk:      "tEXt",
		},
		{
			name:       "with a negative prompt",
			prompt:     "a red fox",
			negative:   "blurry, watermark",
			parameters: "a red fox\nNegative prompt: blurry, watermark\n" + defaultSettings,
			chunk:      "tEXt",
		},
		{
			name:       "unicode prompt",
			prompt:     "狐狸在雪中 🦊, café crème",
			negative:   "ぼやけた",
			parameters: "狐狸在雪中 🦊, café crème\nNegative prompt: ぼやけた\n" + defaultSettings,
			chunk:      "iTXt",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prov := testProvenance(tt.prompt, tt.negative)
			in := pngBytes(t)
			out, err := encodeOutput(in, spec.FormatPNG, prov)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pngtext.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"parameters":         tt.parameters,
				"imgform:address":    `image.hero["main"]`,
				"imgform:input-hash": prov.InputHash.String(),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("text chunks (-want +got):\n%s", diff)
			}
			if !bytes.Contains(out, []byte(tt.chunk+"parameters\x00")) {
				t.Errorf("parameters is not in a %s chunk", tt.chunk)
			}
			// The pixels are the input's.
			if !bytes.Equal(decodePNG(t, out).(*image.RGBA).Pix, decodePNG(t, in).(*image.RGBA).Pix) {
				t.Error("the pixels changed")
			}
			again, err := encodeOutput(in, spec.FormatPNG, prov)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, again) {
				t.Error("encoding the same image twice gave different bytes")
			}
		})
	}
}

func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the output is not a PNG: %v", err)
	}
	return img
}

// jpegComment returns the text of the first COM segment of a JPEG file.
func jpegComment(t *testing.T, data []byte) string {
	t.Helper()
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		t.Fatal("not a JPEG file")
	}
	for rest := data[2:]; len(rest) >= 4 && rest[0] == 0xFF; {
		n := int(binary.BigEndian.Uint16(rest[2:4]))
		if rest[1] == 0xFE {
			return string(rest[4 : 2+n])
		}
		if rest[1] == 0xDA { // start of scan: no more headers
			break
		}
		rest = rest[2+n:]
	}
	t.Fatal("no COM segment")
	return ""
}

func TestEncodeConverts(t *testing.T) {
	prov := testProvenance("a lighthouse at dusk", "")
	comment := "a lighthouse at dusk\n" + defaultSettings +
		"\nimgform:address: image.hero[\"main\"]\nimgform:input-hash: " + prov.InputHash.String()
	tests := []struct {
		name   string
		in     []byte
		format spec.Format
		check  func(t *testing.T, out []byte)
	}{
		{"JPEG to a .png path", jpegBytes(t), spec.FormatPNG, func(t *testing.T, out []byte) {
			img := decodePNG(t, out)
			if img.Bounds() != testPicture().Bounds() {
				t.Errorf("size %v, want %v", img.Bounds(), testPicture().Bounds())
			}
			chunks, err := pngtext.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			if chunks["parameters"] != "a lighthouse at dusk\n"+defaultSettings {
				t.Errorf("parameters = %q", chunks["parameters"])
			}
		}},
		{"PNG to a .jpg path", pngBytes(t), spec.FormatJPEG, func(t *testing.T, out []byte) {
			img, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("the output is not a JPEG: %v", err)
			}
			if img.Bounds() != testPicture().Bounds() {
				t.Errorf("size %v, want %v", img.Bounds(), testPicture().Bounds())
			}
			if got := jpegComment(t, out); got != comment {
				t.Errorf("comment:\n%s\nwant:\n%s", got, comment)
			}
		}},
		{"JPEG to a .jpg path: the comment is added, the image kept", jpegBytes(t), spec.FormatJPEG, func(t *testing.T, out []byte) {
			if got := jpegComment(t, out); got != comment {
				t.Errorf("comment:\n%s\nwant:\n%s", got, comment)
			}
			if in := jpegBytes(t); !bytes.HasSuffix(out, in[2:]) {
				t.Error("the JPEG data after the comment is not the input's")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := encodeOutput(tt.in, tt.format, prov)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, out)
			again, err := encodeOutput(tt.in, tt.format, prov)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, again) {
				t.Error("encoding the same image twice gave different bytes")
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	prov := testProvenance("x", "")
	tests := []struct {
		name   string
		in     []byte
		format spec.Format
	}{
		{"text to PNG", []byte("this is not an image at all"), spec.FormatPNG},
		{"text to JPEG", []byte("this is not an image at all"), spec.FormatJPEG},
		{"HTML error page to PNG", []byte("<html><body>502 Bad Gateway</body></html>"), spec.FormatPNG},
		{"truncated PNG", pngBytes(t)[:40], spec.FormatJPEG},
		{"empty", nil, spec.FormatPNG},
		{"unknown format", pngBytes(t), spec.Format("gif")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := encodeOutput(tt.in, tt.format, prov)
			if err == nil {
				t.Fatalf("encodeOutput succeeded with %d bytes; want an error", len(out))
			}
		})
	}
}
