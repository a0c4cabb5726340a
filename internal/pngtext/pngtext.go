package pngtext

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
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

// Remove undoes Insert: when the chunks right after IHDR are text chunks
// of the given keywords, in that order, it returns the PNG data without
// them, and their texts (in the same order). ok is false otherwise, and
// for data that is not a PNG.
func Remove(data []byte, keywords ...string) (rest []byte, texts []string, ok bool) {
	if !IsPNG(data) {
		return nil, nil, false
	}
	at := ihdrEnd
	for _, want := range keywords {
		if len(data)-at < 12 {
			return nil, nil, false
		}
		n := int(binary.BigEndian.Uint32(data[at : at+4]))
		if n < 0 || n > len(data)-at-12 {
			return nil, nil, false
		}
		k, v, found := parseText(string(data[at+4:at+8]), data[at+8:at+8+n])
		if !found || k != want || binary.BigEndian.Uint32(data[at+8+n:at+12+n]) != crc32.ChecksumIEEE(data[at+4:at+8+n]) {
			return nil, nil, false
		}
		texts = append(texts, v)
		at += 12 + n
	}
	out := make([]byte, 0, len(data)-(at-ihdrEnd))
	out = append(out, data[:ihdrEnd]...)
	return append(out, data[at:]...), texts, true
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
	if !IsPNG(data) {
		return nil, errors.New("reading PNG text: not a PNG file")
	}
	out := map[string]string{}
	for rest := data[8:]; len(rest) >= 12; {
		n := int(binary.BigEndian.Uint32(rest[:4]))
		if n < 0 || 12+n > len(rest) {
			return nil, errors.New("reading PNG text: a chunk runs past the end of the file")
		}
		typ, body := string(rest[4:8]), rest[8:8+n]
		if typ == "IEND" {
			return out, nil
		}
		if k, v, ok := parseText(typ, body); ok {
			out[k] = v
		}
		rest = rest[12+n:]
	}
	return out, nil
}

// HeadText reads from r, a PNG file, the text chunk with the given
// keyword among those before the image data, reading no further than it
// must: chunks that are not text are skipped unread. ok is false when
// there is none (or r is not a PNG).
func HeadText(r io.Reader, keyword string) (text string, ok bool) {
	br := bufio.NewReader(r)
	var sig [8]byte
	if _, err := io.ReadFull(br, sig[:]); err != nil || string(sig[:]) != Signature {
		return "", false
	}
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return "", false
		}
		n := int64(binary.BigEndian.Uint32(hdr[:4]))
		switch typ := string(hdr[4:8]); {
		case typ == "IDAT" || typ == "IEND":
			return "", false
		case (typ == "tEXt" || typ == "iTXt") && n <= maxTextChunk:
			body := make([]byte, n)
			if _, err := io.ReadFull(br, body); err != nil {
				return "", false
			}
			if k, v, found := parseText(typ, body); found && k == keyword {
				return v, true
			}
			if _, err := br.Discard(4); err != nil { // CRC
				return "", false
			}
		default:
			if _, err := br.Discard(int(n) + 4); err != nil {
				return "", false
			}
		}
	}
}

// maxTextChunk bounds a text chunk HeadText reads.
const maxTextChunk = 1 << 20

// parseText reads the keyword and text of an uncompressed tEXt or iTXt
// chunk's data.
func parseText(typ string, body []byte) (keyword, text string, ok bool) {
	switch typ {
	case "tEXt":
		if k, v, found := bytes.Cut(body, []byte{0}); found {
			return string(k), string(v), true
		}
	case "iTXt":
		k, v, found := bytes.Cut(body, []byte{0})
		if found && len(v) >= 2 && v[0] == 0 {
			// skip flag, method, language tag, translated keyword
			fields := bytes.SplitN(v[2:], []byte{0}, 3)
			if len(fields) == 3 {
				return string(k), string(fields[2]), true
			}
		}
	}
	return "", "", false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
