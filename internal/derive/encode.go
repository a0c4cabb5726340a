package derive

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/imgform/imgform/internal/pngtext"
	"github.com/imgform/imgform/internal/variant"
)

// encode writes the rendered variant in the spec's format (defaults
// filled in) with the provenance chunks in its metadata.
func encode(img *image.RGBA, spec variant.Spec, chunks []pngtext.Chunk) ([]byte, error) {
	switch spec.Format {
	case variant.PNG:
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		if err := enc.Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("encoding PNG: %w", err)
		}
		return pngtext.Insert(buf.Bytes(), chunks...)
	case variant.JPEG:
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: spec.Quality}); err != nil {
			return nil, fmt.Errorf("encoding JPEG: %w", err)
		}
		return insertJPEGMetadata(buf.Bytes(), xmpPacket(chunks), commentText(chunks))
	case variant.WebP:
		opaque := img.Opaque()
		data, err := encodeWebP(unpremultiply(img, opaque), spec.Quality, spec.Lossless)
		if err != nil {
			return nil, err
		}
		b := img.Bounds()
		return insertWebPXMP(data, xmpRDF(chunks), b.Dx(), b.Dy(), !opaque)
	case variant.AVIF:
		data, err := encodeAVIF(img, spec.Quality)
		if err != nil {
			return nil, err
		}
		return insertAVIFXMP(data, xmpMeta(chunks))
	}
	return nil, fmt.Errorf("deriving a variant: unsupported format %v", spec.Format)
}
