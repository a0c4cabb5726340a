package provenance

import (
	"bytes"
	"encoding/json"
	"io"
	"os"

	"github.com/imgform/imgform/internal/pngtext"
)

// The keywords of the text chunks imgform writes into a PNG output.
const (
	// Parameters is AUTOMATIC1111's chunk: the prompt and settings.
	Parameters = "parameters"
	// Address and InputHash name the image and its request.
	Address   = "imgform:address"
	InputHash = "imgform:input-hash"
	// Placeholder marks a placeholder: its text is JSON whose
	// "generator" says which part of imgform made it.
	Placeholder = "imgform:placeholder"
)

// The makers of placeholders, as their chunk names them.
const (
	MadeByEmulator = "imgform emulator"
	MadeOffline    = "imgform offline"
)

// PlaceholderMaker reports whether data is a placeholder (a PNG carrying
// the Placeholder chunk), and which part of imgform made it
// (MadeByEmulator, MadeOffline). Only the chunks before the image data
// are read.
func PlaceholderMaker(data []byte) (string, bool) {
	return makerOf(bytes.NewReader(data))
}

// PlaceholderMakerOfFile is PlaceholderMaker for a file, of which it reads
// only the chunks before the image data.
func PlaceholderMakerOfFile(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	return makerOf(f)
}

func makerOf(r io.Reader) (string, bool) {
	text, ok := pngtext.HeadText(r, Placeholder)
	if !ok {
		return "", false
	}
	var meta struct {
		Generator string `json:"generator"`
	}
	if json.Unmarshal([]byte(text), &meta) == nil && meta.Generator == MadeOffline {
		return MadeOffline, true
	}
	return MadeByEmulator, true
}
