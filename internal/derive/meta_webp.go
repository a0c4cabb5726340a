package derive

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// VP8X flags.
const (
	vp8xAlpha = 0x10
	vp8xXMP   = 0x04
)

// riffChunk is one chunk of a RIFF file.
type riffChunk struct {
	id   string
	data []byte
}

// webpChunks splits a WebP file into its chunks.
func webpChunks(data []byte) ([]riffChunk, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, errors.New("not a WebP file")
	}
	size := int(binary.LittleEndian.Uint32(data[4:8]))
	if size+8 > len(data) || size < 4 {
		return nil, errors.New("the WebP file is shorter than its RIFF header says")
	}
	var out []riffChunk
	for rest := data[12 : 8+size]; len(rest) > 0; {
		if len(rest) < 8 {
			return nil, errors.New("a WebP chunk header is cut short")
		}
		id, n := string(rest[:4]), int(binary.LittleEndian.Uint32(rest[4:8]))
		if n < 0 || 8+n > len(rest) {
			return nil, fmt.Errorf("the WebP chunk %q runs past the end of the file", id)
		}
		out = append(out, riffChunk{id: id, data: rest[8 : 8+n]})
		rest = rest[min(len(rest), 8+n+n&1):]
	}
	return out, nil
}

// insertWebPXMP returns the WebP file with an XMP chunk, in the extended
// format: a simple file (one VP8 or VP8L chunk) gets the VP8X header
// chunk that the extended format starts with, whose canvas is the
// image's size and whose alpha flag is set when the image has alpha.
func insertWebPXMP(data, xmp []byte, width, height int, alpha bool) ([]byte, error) {
	chunks, err := webpChunks(data)
	if err != nil {
		return nil, fmt.Errorf("adding WebP metadata: %w", err)
	}
	if len(chunks) == 0 {
		return nil, errors.New("adding WebP metadata: the file has no chunks")
	}
	if chunks[0].id != "VP8X" {
		flags := byte(0)
		if alpha {
			flags |= vp8xAlpha
		}
		header := make([]byte, 10)
		header[0] = flags
		putUint24(header[4:7], width-1)
		putUint24(header[7:10], height-1)
		chunks = append([]riffChunk{{id: "VP8X", data: header}}, chunks...)
	} else {
		chunks[0].data = append([]byte(nil), chunks[0].data...)
	}
	if len(chunks[0].data) < 10 {
		return nil, errors.New("adding WebP metadata: the VP8X chunk is too short")
	}
	chunks[0].data[0] |= vp8xXMP
	chunks = append(chunks, riffChunk{id: "XMP ", data: xmp})
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c.id...)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(c.data)))
		body = append(body, c.data...)
		if len(c.data)%2 == 1 {
			body = append(body, 0)
		}
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...), nil
}

func putUint24(b []byte, v int) {
	b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16)
}

// webpXMP returns the XMP chunk of a WebP file, if any.
func webpXMP(data []byte) ([]byte, bool, error) {
	chunks, err := webpChunks(data)
	if err != nil {
		return nil, false, err
	}
	for _, c := range chunks {
		if c.id == "XMP " {
			return c.data, true, nil
		}
	}
	return nil, false, nil
}
