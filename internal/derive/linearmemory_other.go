//go:build !unix

package derive

import "github.com/tetratelabs/wazero/experimental"

// memoryAllocator is wazero's default (a Go slice) where there is no
// mmap.
var memoryAllocator experimental.MemoryAllocator
