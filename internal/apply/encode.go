package apply

import (
	"fmt"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/outputfile"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// origin says how an image was made, for the metadata written into
// every output.
type origin struct {
	Address   string
	InputHash state.Hash
	Request   model.Request
}

// parameters is the AUTOMATIC1111 "parameters" text: the prompt, the
// negative prompt, then the settings on one line. Tools that read A1111
// metadata show it as it is.
func (p origin) parameters() string { return p.Request.A1111() }

// encodeOutput returns the bytes to write for an output: the image in the
// format its path asks for (converted when the generator gave another),
// with the provenance in its metadata (see internal/outputfile). The same
// image and provenance always give the same bytes.
func encodeOutput(img []byte, format spec.Format, prov origin) ([]byte, error) {
	var f outputfile.Format
	switch format {
	case spec.FormatPNG:
		f = outputfile.PNG
	case spec.FormatJPEG:
		f = outputfile.JPEG
	default:
		return nil, fmt.Errorf("unsupported output format %q", format)
	}
	return outputfile.Encode(img, f, prov.provenance())
}

// provenance is what every file of the image says of how it was made.
func (p origin) provenance() outputfile.Provenance {
	return outputfile.Provenance{Parameters: p.parameters(), Address: p.Address, InputHash: p.InputHash.String()}
}
