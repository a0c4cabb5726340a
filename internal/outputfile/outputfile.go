package outputfile

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strings"

	_ "golang.org/x/image/webp" // the API might answer with WebP; decode it too

	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/pngtext"
	"github.com/imgform/imgform/internal/provenance"
)

// Format is the format of an output file.
type Format int

const (
	PNG Format = iota
	JPEG
)

// jpegQuality is used when an image must be re-encoded as JPEG.
const jpegQuality = 95

// Provenance is what an output says of how it was made.
type Provenance struct {
	// Parameters is the AUTOMATIC1111 "parameters" text: the prompt, the
	// negative prompt, then the settings on one line.
	Parameters string
	Address    string
	InputHash  string
}

// Chunks are the provenance as PNG text chunks: how a PNG output, and
// every variant (in the form of its format), carries it.
func (p Provenance) Chunks() []pngtext.Chunk {
	return []pngtext.Chunk{
		{Keyword: provenance.Parameters, Text: p.Parameters},
		{Keyword: provenance.Address, Text: p.Address},
		{Keyword: provenance.InputHash, Text: p.InputHash},
	}
}

// Convert returns the image in format f: as it is when it is in f
// already, else decoded and encoded. The same image always gives the
// same bytes.
func Convert(img []byte, f Format) ([]byte, error) {
	have := imagecheck.ContentType(img)
	switch f {
	case PNG:
		if have == "image/png" {
			return img, nil
		}
		decoded, err := decode(img, have)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, decoded); err != nil {
			return nil, fmt.Errorf("converting to PNG: %w", err)
		}
		return buf.Bytes(), nil
	case JPEG:
		if have == "image/jpeg" {
			return img, nil
		}
		decoded, err := decode(img, have)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, decoded, &jpeg.Options{Quality: jpegQuality}); err != nil {
			return nil, fmt.Errorf("converting to JPEG: %w", err)
		}
		return buf.Bytes(), nil
	}
	return nil, fmt.Errorf("unsupported output format %d", f)
}

// Encode returns the bytes to write for an output: the image in format
// f, with the provenance in its metadata. The same image and provenance
// always give the same bytes.
func Encode(img []byte, f Format, prov Provenance) ([]byte, error) {
	data, err := Convert(img, f)
	if err != nil {
		return nil, err
	}
	if f == PNG {
		return pngtext.Insert(data, prov.Chunks()...)
	}
	return insertJPEGComment(data, prov.Parameters+jpegAddress+prov.Address+jpegInputHash+prov.InputHash)
}

// The lines of a JPEG comment after the parameters.
const (
	jpegAddress   = "\nimgform:address: "
	jpegInputHash = "\nimgform:input-hash: "
)

// Strip undoes Encode's provenance: it returns what Convert gave (the
// image as its format), the format, and the provenance. ok is false for
// data that carries no provenance of imgform's where Encode puts it.
func Strip(data []byte) (img []byte, f Format, prov Provenance, ok bool) {
	if rest, texts, found := pngtext.Remove(data, provenance.Parameters, provenance.Address, provenance.InputHash); found {
		return rest, PNG, Provenance{Parameters: texts[0], Address: texts[1], InputHash: texts[2]}, true
	}
	if len(data) < 6 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF || data[3] != 0xFE {
		return nil, 0, Provenance{}, false
	}
	n := int(data[4])<<8 | int(data[5])
	if n < 2 || 4+n > len(data) {
		return nil, 0, Provenance{}, false
	}
	text := string(data[6 : 4+n])
	i := strings.LastIndex(text, jpegAddress)
	j := strings.LastIndex(text, jpegInputHash)
	if i < 0 || j < i {
		return nil, 0, Provenance{}, false
	}
	prov = Provenance{Parameters: text[:i], Address: text[i+len(jpegAddress) : j], InputHash: text[j+len(jpegInputHash):]}
	out := make([]byte, 0, len(data)-(n+2))
	out = append(out, 0xFF, 0xD8)
	return append(out, data[4+n:]...), JPEG, prov, true
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
