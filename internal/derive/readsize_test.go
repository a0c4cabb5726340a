package derive

import (
	"bytes"
	"testing"

	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/variant"
)

// imagecheck.ReadSize reads the size of every format a variant is
// written in from its header: what imgform output reports.
func TestVariantSizeFromHeader(t *testing.T) {
	src := NewSource(rampImage(300, 200))
	for _, f := range []variant.Format{variant.PNG, variant.JPEG, variant.WebP, variant.AVIF} {
		data, err := src.Derive(variant.Spec{Width: 90, Height: 40, Fit: variant.Cover, Format: f}, testProvenance)
		if err != nil {
			t.Fatal(err)
		}
		info, err := imagecheck.ReadSize(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%v: %v", f, err)
			continue
		}
		if info.Width != 90 || info.Height != 40 || info.ContentType != f.MediaType() {
			t.Errorf("%v: ReadSize = %+v, want 90×40 %s", f, info, f.MediaType())
		}
	}
	if _, err := imagecheck.ReadSize(bytes.NewReader([]byte("not an image at all"))); err == nil {
		t.Error("ReadSize of text: no error")
	}
}
