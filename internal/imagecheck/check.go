package imagecheck

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // the formats the API may answer with
	_ "image/png"
	"strings"

	_ "golang.org/x/image/webp"
)

// MaxSide is the largest width or height accepted. The model makes
// 1024×1024 images; four times that leaves room for any model of its kind
// while keeping a decoded image under 64 MiB of RGBA.
const MaxSide = 4096

// Info is what the bytes say of the image.
type Info struct {
	ContentType   string // from the magic bytes, e.g. "image/png"
	Width, Height int
}

// TooLargeError is an image that declares more pixels than MaxSide allows.
type TooLargeError struct {
	Width, Height int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the image declares %d×%d pixels, more than the %d×%d imgform accepts (the model makes 1024×1024); it is refused unread",
		e.Width, e.Height, MaxSide, MaxSide)
}

// ContentType names the image format of data by its magic bytes
// ("image/png", "image/jpeg", "image/webp", "image/gif"), or
// "application/octet-stream" for anything else.
func ContentType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "image/webp"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "image/gif"
	}
	return "application/octet-stream"
}

// Check reads the header of data: it must be an image in a format
// imgform can decode, no wider or taller than MaxSide. Only the header is
// read; nothing is decoded.
func Check(data []byte) (Info, error) {
	ct := ContentType(data)
	if !strings.HasPrefix(ct, "image/") {
		return Info{}, fmt.Errorf("the answer is not an image (%d bytes of %s)", len(data), ct)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Info{ContentType: ct}, fmt.Errorf("the %s image cannot be read: %w", ct, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return Info{ContentType: ct}, fmt.Errorf("the %s image declares %d×%d pixels: it is empty", ct, cfg.Width, cfg.Height)
	}
	if cfg.Width > MaxSide || cfg.Height > MaxSide {
		return Info{ContentType: ct}, &TooLargeError{Width: cfg.Width, Height: cfg.Height}
	}
	return Info{ContentType: ct, Width: cfg.Width, Height: cfg.Height}, nil
}
