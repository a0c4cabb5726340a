package apply

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	_ "golang.org/x/image/webp" // the API might answer with WebP; decode it too

	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/pngtext"
	"github.com/imgform/imgform/internal/provenance"
	"github.com/imgform/imgform/model"
	"github.com/imgform/imgform/spec"
	"github.com/imgform/imgform/state"
)

// jpegQuality is used when an image must be re-encoded as JPEG.
const jpegQuality = 95

// origin says how an image was made, for the metadata written into
// every output.
type origin struct {
	Address   string
	InputHash state.Hash
	Request   model.Request
}

// parameters is the AUTOMATIC1111 "parameters" text: the prompt, the
// negative prompt, then the settings on one line. Tools that read A1111
// metadata show it as it is.
func (p origin) parameters() string { return p.Request.A1111() }

// encodeOutput returns the bytes to write for an output: the image in the
// format its path asks for (converted when the generator gave another),
// with the provenance in its metadata. The same image and provenance
// always give the same bytes.
func encodeOutput(img []byte, format spec.Format, prov origin) ([]byte, error) {
	have := imagecheck.ContentType(img)
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
			pngtext.Chunk{Keyword: provenance.Parameters, Text: prov.parameters()},
			pngtext.Chunk{Keyword: provenance.Address, Text: prov.Address},
			pngtext.Chunk{Keyword: provenance.InputHash, Text: prov.InputHash.String()},
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
