package derive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// xmpJPEGHeader starts the APP1 segment that holds an XMP packet.
const xmpJPEGHeader = "http://ns.adobe.com/xap/1.0/\x00"

// maxSegment is the largest payload of a JPEG marker segment.
const maxSegment = 65533

// insertJPEGMetadata puts after the SOI marker of a JPEG file an APP1
// segment with the XMP packet and a COM segment with the comment (cut at
// the segment limit, as apply does). A packet too large for one segment
// is an error: it is never cut.
func insertJPEGMetadata(data, xmp []byte, comment string) ([]byte, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("adding JPEG metadata: not a JPEG file")
	}
	if len(xmpJPEGHeader)+len(xmp) > maxSegment {
		return nil, fmt.Errorf("adding JPEG metadata: the XMP packet is %d bytes, more than a JPEG segment holds (%d)", len(xmp), maxSegment-len(xmpJPEGHeader))
	}
	if len(comment) > maxSegment {
		comment = comment[:maxSegment]
	}
	out := make([]byte, 0, len(data)+len(xmp)+len(comment)+64)
	out = append(out, 0xFF, 0xD8)
	out = appendSegment(out, 0xE1, []byte(xmpJPEGHeader), xmp)
	out = appendSegment(out, 0xFE, []byte(comment))
	return append(out, data[2:]...), nil
}

func appendSegment(out []byte, marker byte, parts ...[]byte) []byte {
	n := 2
	for _, p := range parts {
		n += len(p)
	}
	out = append(out, 0xFF, marker)
	out = binary.BigEndian.AppendUint16(out, uint16(n))
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// jpegSegments returns the payloads of the marker segments before the
// image data (start of scan) with the given marker.
func jpegSegments(data []byte, marker byte) ([][]byte, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("not a JPEG file")
	}
	var out [][]byte
	for rest := data[2:]; ; {
		if len(rest) < 4 || rest[0] != 0xFF {
			return nil, errors.New("a JPEG segment header is damaged")
		}
		m := rest[1]
		if m == 0xDA || m == 0xD9 { // start of scan, end of image
			return out, nil
		}
		n := int(binary.BigEndian.Uint16(rest[2:4]))
		if n < 2 || 2+n > len(rest) {
			return nil, errors.New("a JPEG segment runs past the end of the file")
		}
		if m == marker {
			out = append(out, rest[4:2+n])
		}
		rest = rest[2+n:]
	}
}

// jpegXMP returns the XMP packet of a JPEG file, if any.
func jpegXMP(data []byte) ([]byte, bool, error) {
	segs, err := jpegSegments(data, 0xE1)
	if err != nil {
		return nil, false, err
	}
	for _, s := range segs {
		if p, ok := bytes.CutPrefix(s, []byte(xmpJPEGHeader)); ok {
			return p, true, nil
		}
	}
	return nil, false, nil
}
