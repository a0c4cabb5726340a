package derive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// AVIF is an ISO base media file (HEIF): libavif writes ftyp, meta (with
// hdlr, pitm, iloc, iinf, iprp) and mdat. Its encoder, as compiled to
// WebAssembly here, takes no metadata, so the XMP packet is added
// afterwards as HEIF does it (ISO/IEC 23008-12, A.2): an item of type
// "mime" with content type application/rdf+xml, described in iinf,
// located by iloc in an mdat box appended to the file, and linked to the
// primary image by a "cdsc" reference in iref. Growing meta moves mdat,
// so the file offsets in iloc are moved with it.

// isoBox is one box: its type and payload (after the 8-byte header).
type isoBox struct {
	typ  string
	data []byte
}

// isoBoxes splits b into boxes. Only 32-bit sizes are read: the files
// libavif writes for images of at most 4096² have no others.
func isoBoxes(b []byte) ([]isoBox, error) {
	var out []isoBox
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, errors.New("a box header is cut short")
		}
		n := int(binary.BigEndian.Uint32(b))
		if n < 8 || n > len(b) {
			return nil, fmt.Errorf("the box %q has size %d, which is not supported or runs past the end", b[4:8], n)
		}
		out = append(out, isoBox{typ: string(b[4:8]), data: b[8:n]})
		b = b[n:]
	}
	return out, nil
}

func appendISOBox(out []byte, typ string, payload ...[]byte) []byte {
	n := 8
	for _, p := range payload {
		n += len(p)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(n))
	out = append(out, typ...)
	for _, p := range payload {
		out = append(out, p...)
	}
	return out
}

// ilocBox is an item location box, parsed.
type ilocBox struct {
	version                                   byte
	offsetSize, lengthSize, baseSize, idxSize int
	items                                     []ilocItem
}

type ilocItem struct {
	id, method, dataRef uint32
	base                uint64
	extents             []ilocExtent
}

type ilocExtent struct {
	index, offset, length uint64
}

// reader reads big-endian fields, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uint(size int) uint64 {
	if r.err != nil {
		return 0
	}
	if size != 0 && size != 2 && size != 4 && size != 8 || len(r.b) < size {
		r.err = errors.New("a field is cut short or has an unsupported size")
		return 0
	}
	var v uint64
	for _, c := range r.b[:size] {
		v = v<<8 | uint64(c)
	}
	r.b = r.b[size:]
	return v
}

func (r *reader) cstring() string {
	i := bytes.IndexByte(r.b, 0)
	if r.err != nil || i < 0 {
		r.err = errors.New("a string is not NUL-terminated")
		return ""
	}
	s := string(r.b[:i])
	r.b = r.b[i+1:]
	return s
}

func appendUint(out []byte, v uint64, size int) []byte {
	for i := size - 1; i >= 0; i-- {
		out = append(out, byte(v>>(8*i)))
	}
	return out
}

func parseIloc(data []byte) (*ilocBox, error) {
	r := &reader{b: data}
	l := &ilocBox{}
	vf := r.uint(4)
	l.version = byte(vf >> 24)
	if l.version > 2 {
		return nil, fmt.Errorf("iloc version %d is not supported", l.version)
	}
	sizes := r.uint(2)
	l.offsetSize, l.lengthSize, l.baseSize = int(sizes>>12), int(sizes>>8&15), int(sizes>>4&15)
	if l.version > 0 {
		l.idxSize = int(sizes & 15)
	}
	countSize := 2
	if l.version == 2 {
		countSize = 4
	}
	count := r.uint(countSize)
	for range count {
		var it ilocItem
		if l.version < 2 {
			it.id = uint32(r.uint(2))
		} else {
			it.id = uint32(r.uint(4))
		}
		if l.version > 0 {
			it.method = uint32(r.uint(2) & 15)
		}
		it.dataRef = uint32(r.uint(2))
		it.base = r.uint(l.baseSize)
		for range r.uint(2) {
			var e ilocExtent
			e.index = r.uint(l.idxSize)
			e.offset = r.uint(l.offsetSize)
			e.length = r.uint(l.lengthSize)
			it.extents = append(it.extents, e)
		}
		if r.err != nil {
			break
		}
		l.items = append(l.items, it)
	}
	if r.err != nil {
		return nil, fmt.Errorf("reading iloc: %w", r.err)
	}
	return l, nil
}

func (l *ilocBox) encode() []byte {
	out := []byte{l.version, 0, 0, 0}
	out = appendUint(out, uint64(l.offsetSize<<12|l.lengthSize<<8|l.baseSize<<4|l.idxSize), 2)
	countSize, idSize := 2, 2
	if l.version == 2 {
		countSize, idSize = 4, 4
	}
	out = appendUint(out, uint64(len(l.items)), countSize)
	for _, it := range l.items {
		out = appendUint(out, uint64(it.id), idSize)
		if l.version > 0 {
			out = appendUint(out, uint64(it.method), 2)
		}
		out = appendUint(out, uint64(it.dataRef), 2)
		out = appendUint(out, it.base, l.baseSize)
		out = appendUint(out, uint64(len(it.extents)), 2)
		for _, e := range it.extents {
			out = appendUint(out, e.index, l.idxSize)
			out = appendUint(out, e.offset, l.offsetSize)
			out = appendUint(out, e.length, l.lengthSize)
		}
	}
	return out
}

// xmpContentType is the content type of an XMP item.
const xmpContentType = "application/rdf+xml"

// insertAVIFXMP returns the AVIF file with the XMP packet as a metadata
// item of its primary image.
func insertAVIFXMP(data, xmp []byte) ([]byte, error) {
	top, err := isoBoxes(data)
	if err != nil {
		return nil, fmt.Errorf("adding AVIF metadata: %w", err)
	}
	metaStart, metaEnd := -1, 0
	for i, off := 0, 0; i < len(top); i++ {
		size := 8 + len(top[i].data)
		if top[i].typ == "meta" {
			metaStart, metaEnd = off, off+size
			break
		}
		off += size
	}
	if metaStart < 0 {
		return nil, errors.New("adding AVIF metadata: the file has no meta box")
	}
	meta := data[metaStart+8 : metaEnd]
	if len(meta) < 4 {
		return nil, errors.New("adding AVIF metadata: the meta box is too short")
	}
	children, err := isoBoxes(meta[4:])
	if err != nil {
		return nil, fmt.Errorf("adding AVIF metadata: %w", err)
	}
	var primary uint32
	var iloc *ilocBox
	var iinfCount uint64
	var iinfVersion byte
	maxID := uint32(0)
	for _, c := range children {
		switch c.typ {
		case "pitm":
			r := &reader{b: c.data}
			if v := r.uint(4) >> 24; v == 0 {
				primary = uint32(r.uint(2))
			} else {
				primary = uint32(r.uint(4))
			}
			if r.err != nil {
				return nil, fmt.Errorf("adding AVIF metadata: reading pitm: %w", r.err)
			}
		case "iloc":
			if iloc, err = parseIloc(c.data); err != nil {
				return nil, fmt.Errorf("adding AVIF metadata: %w", err)
			}
		case "iinf":
			r := &reader{b: c.data}
			iinfVersion = byte(r.uint(4) >> 24)
			if iinfVersion == 0 {
				iinfCount = r.uint(2)
			} else {
				iinfCount = r.uint(4)
			}
			if r.err != nil {
				return nil, fmt.Errorf("adding AVIF metadata: reading iinf: %w", r.err)
			}
		}
	}
	if iloc == nil || primary == 0 || iinfCount == 0 {
		return nil, errors.New("adding AVIF metadata: the meta box lacks pitm, iloc or iinf")
	}
	if iloc.offsetSize == 0 && iloc.baseSize == 0 || iloc.lengthSize == 0 {
		return nil, errors.New("adding AVIF metadata: iloc has no room for an offset and length")
	}
	for _, it := range iloc.items {
		maxID = max(maxID, it.id)
	}
	id := maxID + 1
	if id > 0xffff || primary > 0xffff {
		// Never so in the files libavif writes (item IDs 1, 2, …);
		// 16-bit IDs keep iloc, infe and iref simple.
		return nil, errors.New("adding AVIF metadata: item IDs past 65535 are not supported")
	}

	// build makes the new meta box for a given growth of meta (delta)
	// and offset of the XMP packet in the file.
	build := func(delta, xmpOffset uint64) []byte {
		l := *iloc
		l.items = nil
		for _, it := range iloc.items {
			it.extents = append([]ilocExtent(nil), it.extents...)
			if it.method == 0 && it.dataRef == 0 {
				if l.baseSize > 0 {
					it.base += delta
				} else {
					for k := range it.extents {
						it.extents[k].offset += delta
					}
				}
			}
			l.items = append(l.items, it)
		}
		x := ilocItem{id: id, extents: []ilocExtent{{offset: xmpOffset, length: uint64(len(xmp))}}}
		if l.offsetSize == 0 {
			x.base, x.extents[0].offset = xmpOffset, 0
		}
		l.items = append(l.items, x)

		// infe version 2: 16-bit ID, protection index 0, type "mime",
		// an empty name, the content type.
		infe := appendUint([]byte{2, 0, 0, 0}, uint64(id), 2)
		infe = append(infe, 0, 0)
		infe = append(infe, "mime\x00"+xmpContentType+"\x00"...)

		// cdsc (version-0 iref: 16-bit IDs): the XMP item describes the
		// primary image.
		cdsc := appendUint(appendUint(appendUint(nil, uint64(id), 2), 1, 2), uint64(primary), 2)

		var body []byte
		body = append(body, meta[:4]...)
		hadIref := false
		for _, c := range children {
			switch c.typ {
			case "iloc":
				body = appendISOBox(body, "iloc", l.encode())
			case "iinf":
				head := []byte{iinfVersion, 0, 0, 0}
				if iinfVersion == 0 {
					head = appendUint(head, iinfCount+1, 2)
				} else {
					head = appendUint(head, iinfCount+1, 4)
				}
				rest := c.data[len(head):]
				body = appendISOBox(body, "iinf", head, rest, appendISOBox(nil, "infe", infe))
			case "iref":
				hadIref = true
				body = appendISOBox(body, "iref", c.data, appendISOBox(nil, "cdsc", cdsc))
			default:
				body = appendISOBox(body, c.typ, c.data)
			}
		}
		if !hadIref {
			body = appendISOBox(body, "iref", []byte{0, 0, 0, 0}, appendISOBox(nil, "cdsc", cdsc))
		}
		return appendISOBox(nil, "meta", body)
	}

	delta := uint64(len(build(0, 0)) - (metaEnd - metaStart))
	xmpOffset := uint64(len(data)) + delta + 8
	newMeta := build(delta, xmpOffset)
	out := make([]byte, 0, len(data)+int(delta)+8+len(xmp))
	out = append(out, data[:metaStart]...)
	out = append(out, newMeta...)
	out = append(out, data[metaEnd:]...)
	return appendISOBox(out, "mdat", xmp), nil
}

// avifXMP returns the XMP item of an AVIF file, if it has one.
func avifXMP(data []byte) ([]byte, bool, error) {
	top, err := isoBoxes(data)
	if err != nil {
		return nil, false, err
	}
	for _, b := range top {
		if b.typ != "meta" || len(b.data) < 4 {
			continue
		}
		children, err := isoBoxes(b.data[4:])
		if err != nil {
			return nil, false, err
		}
		var xmpID uint32
		var iloc *ilocBox
		for _, c := range children {
			switch c.typ {
			case "iinf":
				r := &reader{b: c.data}
				size := 4
				if r.uint(4)>>24 == 0 {
					size = 2
				}
				r.uint(size)
				if r.err != nil {
					return nil, false, r.err
				}
				entries, err := isoBoxes(r.b)
				if err != nil {
					return nil, false, err
				}
				for _, e := range entries {
					er := &reader{b: e.data}
					v := er.uint(4) >> 24
					idSize := 2
					if v == 3 {
						idSize = 4
					} else if v != 2 {
						continue
					}
					id := uint32(er.uint(idSize))
					er.uint(2)
					typ := string(er.b[:min(4, len(er.b))])
					er.b = er.b[min(4, len(er.b)):]
					er.cstring()
					if typ == "mime" && er.cstring() == xmpContentType && er.err == nil {
						xmpID = id
					}
				}
			case "iloc":
				if iloc, err = parseIloc(c.data); err != nil {
					return nil, false, err
				}
			}
		}
		if xmpID == 0 || iloc == nil {
			return nil, false, nil
		}
		for _, it := range iloc.items {
			if it.id != xmpID || it.method != 0 {
				continue
			}
			var out []byte
			for _, e := range it.extents {
				start, end := it.base+e.offset, it.base+e.offset+e.length
				if end > uint64(len(data)) || start > end {
					return nil, false, errors.New("the XMP item runs past the end of the file")
				}
				out = append(out, data[start:end]...)
			}
			return out, true, nil
		}
	}
	return nil, false, nil
}
