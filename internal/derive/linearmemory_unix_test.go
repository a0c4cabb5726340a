//go:build unix

package derive

import (
	"math/bits"
	"testing"
)

// An instance's memory grows in place up to the mapping's size, starts
// zeroed, refuses to grow past it, and is unmapped once freed.
func TestMappedMemory(t *testing.T) {
	if bits.UintSize < 64 {
		t.Skip("32-bit: wazero's slices")
	}
	mem := memoryAllocator.Allocate(1<<16, 1<<20)
	m, ok := mem.(*mappedMemory)
	if !ok {
		t.Fatalf("memory of type %T, want a mapping", mem)
	}
	small := m.Reallocate(1 << 16)
	small[100] = 7
	grown := m.Reallocate(1 << 20)
	if len(grown) != 1<<20 || &grown[0] != &small[0] || grown[100] != 7 || grown[1<<19] != 0 {
		t.Errorf("grown to %d bytes, moved %v, kept %d, zeroed %d", len(grown), &grown[0] != &small[0], grown[100], grown[1<<19])
	}
	if b := m.Reallocate(1<<20 + 1); b != nil {
		t.Errorf("grew past its largest size to %d bytes", len(b))
	}
	m.Free()
	m.Free()
	if b := m.Reallocate(1 << 16); b != nil {
		t.Error("a freed memory grew")
	}
}
