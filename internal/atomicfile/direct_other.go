//go:build !linux

package atomicfile

import "os"

// writeData writes data to f through the page cache: direct I/O is used
// on Linux only.
func writeData(f *os.File, data []byte) error {
	_, err := f.Write(data)
	return err
}
