package apply

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"

	_ "golang.org/x/image/webp" // the API might answer with WebP; decode it too

	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/pngtext"
	"github.com/imgform/imgform/spec"
	"github.com/imgform/imgform/state"
)

// jpegQuality is used when an image must be re-encoded as JPEG.
const jpegQuality = 95

// provenance says how an image was made, for the metadata written into
// every output.
type provenance struct {
	Address   string
	InputHash state.Hash
	Request   state.Request
}

// parameters is the AUTOMATIC1111 "parameters" text: the prompt, the
// negative prompt, then the settings on one line. Tools that read A1111
// metadata show it as it is.
func (p provenance) parameters() string {
	var b strings.Builder
	b.WriteString(p.Request.Prompt)
	if p.Request.NegativePrompt != "" {
		b.WriteString("\nNegative prompt: ")
		b.WriteString(p.Request.NegativePrompt)
	}
	fmt.Fprintf(&b, "\nSteps: %d, Sampler: %s, CFG scale: %s, Seed: %d, Size: %dx%d, Model: %s",
		p.Request.NumInferenceSteps, p.Request.Scheduler, formatCFG(p.Request.GuidanceScale),
		p.Request.Seed, p.Request.ImgWidth, p.Request.ImgHeight, p.Request.Model)
	return b.String()
}

func formatCFG(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", f), "0"), ".")
}

// encodeOutput returns the bytes to write for an output: the image in the
// format its path asks for (converted when the generator gave another),
// with the provenance in its metadata. The same image and provenance
// always give the same bytes.
func encodeOutput(img []byte, format spec.Format, prov provenance) ([]byte, error) {
	have := http.DetectContentType(img)
	switch format {
	case spec.FormatPNG:
		data := img
		if have != "image/png" {
			decoded, err := decode(img, have)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, decoded); err != nil {
				return nil, fmt.Errorf("converting to PNG: %w", err)
			}
			data = buf.Bytes()
		}
		return pngtext.Insert(data,
			pngtext.Chunk{Keyword: "parameters", Text: prov.parameters()},
			pngtext.Chunk{Keyword: "imgform:address", Text: prov.Address},
			pngtext.Chunk{Keyword: "imgform:input-hash", Text: prov.InputHash.String()},
		)
	case spec.FormatJPEG:
		data := img
		if have != "image/jpeg" {
			decoded, err := decode(img, have)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, decoded, &jpeg.Options{Quality: jpegQuality}); err != nil {
				return nil, fmt.Errorf("converting to JPEG: %w", err)
			}
			data = buf.Bytes()
		}
		return insertJPEGComment(data, prov.parameters()+"\nimgform:address: "+prov.Address+"\nimgform:input-hash: "+prov.InputHash.String())
	}
	return nil, fmt.Errorf("unsupported output format %q", format)
}

func decode(img []byte, contentType string) (image.Image, error) {
	// Only the header is read first: an image that declares more pixels
	// than imgform accepts is refused before it can exhaust memory.
	if _, err := imagecheck.Check(img); err != nil {
		return nil, err
	}
	decoded, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return nil, fmt.Errorf("decoding the generated image (%s): %w", contentType, err)
	}
	return decoded, nil
}

// insertJPEGComment adds a COM segment right after the SOI marker. A
// comment is at most 65533 bytes; a longer one is cut.
func insertJPEGComment(data []byte, text string) ([]byte, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, fmt.Errorf("adding JPEG comment: not a JPEG file")
	}
	if len(text) > 65533 {
		text = text[:65533]
	}
	out := make([]byte, 0, len(data)+len(text)+4)
	out = append(out, 0xFF, 0xD8, 0xFF, 0xFE, byte((len(text)+2)>>8), byte(len(text)+2))
	out = append(out, text...)
	return append(out, data[2:]...), nil
}
