package imagetest

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Chunks lists the chunk types of PNG data, in order, and the text of its
// tEXt chunks by keyword.
func Chunks(data []byte) (types []string, texts map[string]string, err error) {
	const signature = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(data, []byte(signature)) {
		return nil, nil, fmt.Errorf("not a PNG: starts with %q", data[:min(len(data), 8)])
	}
	texts = make(map[string]string)
	for rest := data[8:]; len(rest) >= 12; {
		n := int(binary.BigEndian.Uint32(rest[:4]))
		typ := string(rest[4:8])
		if len(rest) < 12+n {
			return nil, nil, fmt.Errorf("truncated %s chunk", typ)
		}
		types = append(types, typ)
		if typ == "tEXt" {
			if k, v, ok := bytes.Cut(rest[8:8+n], []byte{0}); ok {
				texts[string(k)] = string(v)
			}
		}
		rest = rest[12+n:]
	}
	return types, texts, nil
}
