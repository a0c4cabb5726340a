package pngtext

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"unicode/utf8"
)

// Signature starts every PNG file.
const Signature = "\x89PNG\r\n\x1a\n"

// ihdrEnd is the offset just past the IHDR chunk, which always comes
// first: signature (8) + length (4) + type (4) + 13 bytes of data + CRC (4).
const ihdrEnd = 8 + 4 + 4 + 13 + 4

// Chunk is one keyword and its text.
type Chunk struct {
	Keyword string
	Text    string
}

// IsPNG reports whether data starts like a PNG file.
func IsPNG(data []byte) bool {
	return len(data) >= ihdrEnd && string(data[:8]) == Signature &&
		binary.BigEndian.Uint32(data[8:12]) == 13 && string(data[12:16]) == "IHDR"
}

// Insert returns a copy of the PNG data with the chunks right after IHDR,
// in the order given: tEXt when the text is ASCII, iTXt (uncompressed
// UTF-8) otherwise. The image data is untouched, and the same input gives
// the same bytes.
func Insert(data []byte, chunks ...Chunk) ([]byte, error) {
	if !IsPNG(data) {
		return nil, errors.New("adding PNG text: the data does not start with a PNG signature and IHDR")
	}
	var out bytes.Buffer
	out.Grow(len(data) + 64*len(chunks))
	out.Write(data[:ihdrEnd])
	for _, c := range chunks {
		if len(c.Keyword) < 1 || len(c.Keyword) > 79 || strings.ContainsRune(c.Keyword, 0) || !isASCII(c.Keyword) {
			return nil, fmt.Errorf("adding PNG text: invalid keyword %q", c.Keyword)
		}
		if strings.ContainsRune(c.Text, 0) {
			return nil, fmt.Errorf("adding PNG text %q: the text contains a NUL byte", c.Keyword)
		}
		if !utf8.ValidString(c.Text) {
			return nil, fmt.Errorf("adding PNG text %q: the text is not UTF-8", c.Keyword)
		}
		payload := []byte("tEXt" + c.Keyword + "\x00")
		if !isASCII(c.Text) {
			// iTXt: keyword, NUL, compression flag and method (0, 0),
			// empty language tag and translated keyword, each NUL-ended.
			payload = []byte("iTXt" + c.Keyword + "\x00\x00\x00\x00\x00")
		}
		payload = append(payload, c.Text...)
		writeChunk(&out, payload)
	}
	out.Write(data[ihdrEnd:])
	return out.Bytes(), nil
}

// writeChunk writes length, type+data and CRC; payload starts with the type.
func writeChunk(out *bytes.Buffer, payload []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(payload)-4))
	out.Write(n[:])
	out.Write(payload)
	binary.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(payload))
	out.Write(n[:])
}

// Read returns the uncompressed tEXt and iTXt chunks of a PNG file, by
// keyword.
func Read(data []byte) (map[string]string, error) {
	return read(data, false)
}

// ReadHead returns the text chunks that come before the image data (where
// Insert puts them). data may be only the start of a file: reading stops
// at the first IDAT chunk, or where data ends.
func ReadHead(data []byte) (map[string]string, error) {
	return read(data, true)
}

func read(data []byte, head bool) (map[string]string, error) {
	if !IsPNG(data) {
		return nil, errors.New("reading PNG text: not a PNG file")
	}
	out := map[string]string{}
	for rest := data[8:]; len(rest) >= 12; {
		n := int(binary.BigEndian.Uint32(rest[:4]))
		if head && string(rest[4:8]) == "IDAT" {
			return out, nil
		}
		if n < 0 || 12+n > len(rest) {
			if head {
				return out, nil
			}
			return nil, errors.New("reading PNG text: a chunk runs past the end of the file")
		}
		typ, body := string(rest[4:8]), rest[8:8+n]
		switch typ {
		case "tEXt":
			if k, v, ok := bytes.Cut(body, []byte{0}); ok {
				out[string(k)] = string(v)
			}
		case "iTXt":
			k, v, ok := bytes.Cut(body, []byte{0})
			if ok && len(v) >= 2 && v[0] == 0 {
				// skip flag, method, language tag, translated keyword
				fields := bytes.SplitN(v[2:], []byte{0}, 3)
				if len(fields) == 3 {
					out[string(k)] = string(fields[2])
				}
			}
		case "IEND":
			return out, nil
		}
		rest = rest[12+n:]
	}
	return out, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
