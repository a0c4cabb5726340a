package derive

import (
	"errors"
	"fmt"

	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/pngtext"
)

// ErrNoProvenance is ReadProvenance's error for a file that carries none
// where derive would write it (a file derive did not write).
var ErrNoProvenance = errors.New("the file carries no imgform provenance")

// ReadProvenance reads back the provenance a variant carries, by keyword:
// the caller's chunks. It reads the PNG text chunks, or the XMP packet of
// a JPEG, WebP or AVIF (the imgform: properties and imgform:provenance);
// a file with none gives ErrNoProvenance.
func ReadProvenance(data []byte) (map[string]string, error) {
	var packet []byte
	var found bool
	var err error
	switch ct := imagecheck.ContentType(data); ct {
	case "image/png":
		texts, err := pngtext.Read(data)
		if err != nil {
			return nil, err
		}
		if len(texts) == 0 {
			return nil, ErrNoProvenance
		}
		return texts, nil
	case "image/jpeg":
		packet, found, err = jpegXMP(data)
	case "image/webp":
		packet, found, err = webpXMP(data)
	case "application/octet-stream":
		if !isAVIF(data) {
			return nil, fmt.Errorf("reading provenance of %s: %w", ct, ErrNoProvenance)
		}
		packet, found, err = avifXMP(data)
	default:
		return nil, fmt.Errorf("reading provenance of %s: %w", ct, ErrNoProvenance)
	}
	if err != nil {
		return nil, fmt.Errorf("reading provenance: %w", err)
	}
	if !found {
		return nil, ErrNoProvenance
	}
	texts, err := readXMP(packet)
	if err != nil {
		return nil, err
	}
	if len(texts) == 0 {
		return nil, ErrNoProvenance
	}
	return texts, nil
}

// isAVIF reports whether data starts with an ftyp box of the AVIF brand.
func isAVIF(data []byte) bool {
	return len(data) >= 12 && string(data[4:8]) == "ftyp" && (string(data[8:12]) == "avif" || string(data[8:12]) == "avis")
}
