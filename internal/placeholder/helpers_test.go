package placeholder

import (
	"encoding/json"
	"testing"

	"github.com/imgform/imgform/internal/imagetest"
)

// pngChunks lists the chunk types of PNG data, and the data of its tEXt
// chunks by keyword.
func pngChunks(t *testing.T, data []byte) ([]string, map[string]string) {
	t.Helper()
	types, texts, err := imagetest.Chunks(data)
	if err != nil {
		t.Fatal(err)
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
