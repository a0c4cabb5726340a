package derive

import (
	"image"
	"strings"
	"testing"

	"github.com/imgform/imgform/internal/variant"
)

// Derive refuses an invalid spec rather than guessing.
func TestDeriveRefusesInvalidSpec(t *testing.T) {
	src := NewSource(solidImage(64, 64, [3]uint8{1, 2, 3}))
	_, err := src.Derive(variant.Spec{Width: 100, Format: variant.PNG}, nil)
	if got := variant.AttributeErrors(err); len(got) != 1 || got[0].Attribute != "width" {
		t.Errorf("Derive of a spec wider than its source: %v, want a width error", err)
	}
	empty := NewSource(image.NewNRGBA(image.Rectangle{}))
	if _, err := empty.Derive(variant.Spec{Format: variant.PNG}, nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Derive of an empty source: %v", err)
	}
}
