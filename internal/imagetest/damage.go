package imagetest

import (
	"os"
	"testing"
)

// FlipByte changes the byte in the middle of the file at path, in place
// (the file stays the same file: its inode and extended attributes, such
// as an S3 server's record of its ETag, are left as they were), as a bit
// flipped on a disk would.
func FlipByte(t testing.TB, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xFF
	if _, err := f.WriteAt(b, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}
