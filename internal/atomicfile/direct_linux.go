//go:build linux

package atomicfile

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// writeData writes data to f, a new empty file: the largest aligned part
// with direct I/O when that is possible, the rest (or all of it) through
// the page cache.
func writeData(f *os.File, data []byte) error {
	if len(data) >= directMin {
		n, err := writeDirect(f, data)
		if err != nil {
			return err
		}
		data = data[n:]
	}
	_, err := f.Write(data)
	return err
}

// writeDirect writes the aligned head of data to f with O_DIRECT and
// returns its length: 0 when the filesystem does not say it supports
// direct I/O and its alignment (statx STATX_DIOALIGN), or refuses it,
// with f then as empty as it was.
func writeDirect(f *os.File, data []byte) (int, error) {
	conn, err := f.SyscallConn()
	if err != nil {
		return 0, nil
	}
	var memAlign, offAlign, flags int
	var ctlErr error
	setDirect := func(on bool) error {
		err := conn.Control(func(fd uintptr) {
			fl := flags
			if on {
				fl |= unix.O_DIRECT
			}
			_, ctlErr = unix.FcntlInt(fd, unix.F_SETFL, fl)
		})
		if err != nil {
			return err
		}
		return ctlErr
	}
	if err := conn.Control(func(fd uintptr) {
		var stx unix.Statx_t
		if ctlErr = unix.Statx(int(fd), "", unix.AT_EMPTY_PATH, unix.STATX_DIOALIGN, &stx); ctlErr != nil {
			return
		}
		if stx.Mask&unix.STATX_DIOALIGN != 0 {
			memAlign, offAlign = int(stx.Dio_mem_align), int(stx.Dio_offset_align)
		}
		flags, ctlErr = unix.FcntlInt(fd, unix.F_GETFL, 0)
	}); err != nil || ctlErr != nil || memAlign <= 0 || offAlign <= 0 {
		return 0, nil
	}
	n := len(data) / offAlign * offAlign
	head := data[:n]
	if uintptr(unsafe.Pointer(unsafe.SliceData(head)))%uintptr(memAlign) != 0 {
		head = aligned(head, memAlign)
	}
	if err := setDirect(true); err != nil {
		return 0, nil
	}
	written, werr := f.Write(head)
	if err := setDirect(false); err != nil {
		return 0, fmt.Errorf("leaving direct I/O: %w", err)
	}
	if werr == nil && written == n {
		return n, nil
	}
	// Refused (or cut short): start again through the page cache.
	if err := f.Truncate(0); err != nil {
		return 0, err
	}
	if _, err := f.Seek(0, 0); err != nil {
		return 0, err
	}
	return 0, nil
}

// aligned returns a copy of b that starts at an address that is a
// multiple of align.
func aligned(b []byte, align int) []byte {
	buf := make([]byte, len(b)+align)
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % uintptr(align))
	if off != 0 {
		off = align - off
	}
	buf = buf[off : off+len(b)]
	copy(buf, b)
	return buf
}
