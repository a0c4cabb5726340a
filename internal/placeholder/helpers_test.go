package placeholder

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/imgform/imgform/internal/pngtext"
)

// pngChunks lists the chunk types of PNG data, and the data of its tEXt
// chunks by keyword.
func pngChunks(t *testing.T, data []byte) ([]string, map[string]string) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte(pngtext.Signature)) {
		t.Fatalf("not a PNG: starts with %q", data[:min(len(data), 8)])
	}
	var types []string
	texts := make(map[string]string)
	for rest := data[8:]; len(rest) >= 12; {
		n := int(binary.BigEndian.Uint32(rest[:4]))
		typ := string(rest[4:8])
		if len(rest) < 12+n {
			t.Fatalf("truncated %s chunk", typ)
		}
		types = append(types, typ)
		if typ == "tEXt" {
			if k, v, ok := bytes.Cut(rest[8:8+n], []byte{0}); ok {
				texts[string(k)] = string(v)
			}
		}
		rest = rest[12+n:]
	}
	return types, texts
}

// MetaOf returns the decoded placeholder text chunk of a PNG.
func placeholderMetaOf(t *testing.T, data []byte) Meta {
	t.Helper()
	_, texts := pngChunks(t, data)
	text, ok := texts[Keyword]
	if !ok {
		t.Fatalf("PNG has no %s text chunk", Keyword)
	}
	var m Meta
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("placeholder chunk %q: %v", text, err)
	}
	return m
}
