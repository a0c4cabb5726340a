package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// On a filesystem that supports direct I/O (statx reports its alignment),
// writeDirect writes the aligned head of the data and the rest is
// written after it.
func TestWriteDirect(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, f.Name(), 0, unix.STATX_DIOALIGN, &stx); err != nil || stx.Mask&unix.STATX_DIOALIGN == 0 || stx.Dio_offset_align == 0 {
		t.Skipf("the filesystem of %s does not report direct I/O alignment (statx: %v); only the page cache path runs here", f.Name(), err)
	}
	data := bytes.Repeat([]byte("imgform "), 300_001)[1:] // 2.4 MB, neither length nor address aligned
	n, err := writeDirect(f, data)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(data) / int(stx.Dio_offset_align) * int(stx.Dio_offset_align); n != want {
		t.Fatalf("writeDirect wrote %d bytes, want the aligned head, %d", n, want)
	}
	if _, err := f.Write(data[n:]); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (%v), not the %d written", len(got), err, len(data))
	}
}
