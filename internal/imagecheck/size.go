package imagecheck

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// ReadSize reads an image file's media type and pixel size from its
// header, decoding nothing: PNG, JPEG, WebP and GIF through
// image.DecodeConfig, AVIF from its image spatial extents ("ispe")
// property. r is read no further than the header needs (for AVIF, the
// boxes before the image data).
func ReadSize(r io.Reader) (Info, error) {
	br := &peekReader{r: r}
	head, err := br.peek(12)
	if err != nil && len(head) == 0 {
		return Info{}, fmt.Errorf("reading the image's header: %w", err)
	}
	if len(head) >= 12 && string(head[4:8]) == "ftyp" && (bytes.Contains(head[8:12], []byte("avif")) || bytes.Contains(head[8:12], []byte("avis"))) {
		w, h, err := avifSize(br)
		if err != nil {
			return Info{ContentType: "image/avif"}, fmt.Errorf("the image/avif header cannot be read: %w", err)
		}
		return Info{ContentType: "image/avif", Width: w, Height: h}, nil
	}
	ct := ContentType(head)
	cfg, _, err := image.DecodeConfig(br)
	if err != nil {
		return Info{ContentType: ct}, fmt.Errorf("the %s header cannot be read: %w", ct, err)
	}
	return Info{ContentType: ct, Width: cfg.Width, Height: cfg.Height}, nil
}

// peekReader lets the first bytes be looked at and then read again.
type peekReader struct {
	r   io.Reader
	buf []byte
}

func (p *peekReader) peek(n int) ([]byte, error) {
	for len(p.buf) < n {
		b := make([]byte, n-len(p.buf))
		k, err := p.r.Read(b)
		p.buf = append(p.buf, b[:k]...)
		if err != nil {
			return p.buf, err
		}
	}
	return p.buf[:n], nil
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// maxAVIFHeader bounds what is read of an AVIF file's boxes before its
// "meta" box: the header of a file is small, and a file that says
// otherwise is not read whole.
const maxAVIFHeader = 1 << 20

// avifSize walks the top-level boxes of an AVIF file to "meta", and
// in it "iprp" → "ipco" → the first "ispe": the primary image's width and
// height (an encoder lists the primary item's properties first).
func avifSize(r io.Reader) (int, int, error) {
	lr := io.LimitReader(r, maxAVIFHeader)
	for {
		typ, body, err := readBox(lr)
		if err != nil {
			return 0, 0, err
		}
		if typ != "meta" {
			continue
		}
		if len(body) < 4 {
			return 0, 0, errors.New("a meta box too short")
		}
		return ispeIn(body[4:], []string{"iprp", "ipco"}) // meta is a full box: version and flags first
	}
}

// readBox reads one ISO BMFF box from r: its type and body. A box whose
// body is not needed is still read (and bounded by the caller's limit).
func readBox(r io.Reader) (string, []byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return "", nil, fmt.Errorf("no meta box with the image's size: %w", err)
	}
	size := uint64(binary.BigEndian.Uint32(hdr[:4]))
	typ := string(hdr[4:8])
	head := uint64(8)
	if size == 1 {
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return "", nil, err
		}
		size, head = binary.BigEndian.Uint64(ext[:]), 16
	}
	if size < head || size-head > maxAVIFHeader {
		return "", nil, fmt.Errorf("a %q box of %d bytes", typ, size)
	}
	body := make([]byte, size-head)
	if _, err := io.ReadFull(r, body); err != nil {
		return "", nil, err
	}
	return typ, body, nil
}

// ispeIn finds the first "ispe" box inside data, going down through the
// boxes named in path.
func ispeIn(data []byte, path []string) (int, int, error) {
	for len(data) >= 8 {
		size := int(binary.BigEndian.Uint32(data[:4]))
		typ := string(data[4:8])
		if size < 8 || size > len(data) {
			return 0, 0, fmt.Errorf("a %q box of %d bytes in %d", typ, size, len(data))
		}
		body := data[8:size]
		switch {
		case len(path) > 0 && typ == path[0]:
			return ispeIn(body, path[1:])
		case len(path) == 0 && typ == "ispe":
			if len(body) < 12 {
				return 0, 0, errors.New("an ispe box too short")
			}
			return int(binary.BigEndian.Uint32(body[4:8])), int(binary.BigEndian.Uint32(body[8:12])), nil
		}
		data = data[size:]
	}
	if len(path) > 0 {
		return 0, 0, fmt.Errorf("no %q box", path[0])
	}
	return 0, 0, errors.New("no ispe box")
}
