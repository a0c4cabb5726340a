//go:build unix

package derive

import (
	"math/bits"

	"golang.org/x/sys/unix"

	"github.com/tetratelabs/wazero/experimental"
)

// maxMappedMemory is the address space reserved for one instance's
// memory: more than an encode of the largest variant needs, and only
// what the module touches is ever backed by the machine's memory.
const maxMappedMemory = 1 << 30

// memoryAllocator backs each instance's memory with an anonymous mapping
// of the largest size it may grow to, outside Go's heap, on 64-bit Unix:
// growing it copies nothing (wazero's default appends to a slice, which
// copies the whole memory and leaves the old one to the garbage
// collector), the collector neither scans it nor counts it toward its
// next goal, and closing the instance returns it to the system at once.
// Elsewhere (32-bit, or a mapping refused), wazero's default.
var memoryAllocator experimental.MemoryAllocator = experimental.MemoryAllocatorFunc(func(capacity, max uint64) experimental.LinearMemory {
	if bits.UintSize < 64 {
		return &sliceMemory{buf: make([]byte, 0, capacity)}
	}
	size := min(max, maxMappedMemory)
	buf, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		return &sliceMemory{buf: make([]byte, 0, capacity)}
	}
	return &mappedMemory{buf: buf}
})

// mappedMemory is a linear memory in a mapping reserved at its largest.
type mappedMemory struct{ buf []byte }

func (m *mappedMemory) Reallocate(size uint64) []byte {
	if m.buf == nil || size > uint64(len(m.buf)) {
		return nil // memory.grow fails: the module's malloc returns NULL
	}
	return m.buf[:size]
}

func (m *mappedMemory) Free() {
	if m.buf != nil {
		_ = unix.Munmap(m.buf)
		m.buf = nil
	}
}

// sliceMemory is a linear memory in a Go slice, as wazero keeps one by
// default: growing it appends (where no mapping can be had).
type sliceMemory struct{ buf []byte }

func (m *sliceMemory) Reallocate(size uint64) []byte {
	if size > uint64(cap(m.buf)) {
		m.buf = append(m.buf[:cap(m.buf)], make([]byte, int(size)-cap(m.buf))...)
	}
	m.buf = m.buf[:size]
	return m.buf
}

func (m *sliceMemory) Free() { m.buf = nil }
