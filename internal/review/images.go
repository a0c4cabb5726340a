package review

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // the images imgform writes
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/image/draw"

	"github.com/imgform/imgform/internal/model"
)

// imageDir is where the page's images are, beside index.html.
const imageDir = "img"

// thumbWidth is the width of a card's thumbnail; the full image is one
// click away.
const thumbWidth = 360

// picture is an image the page shows: the file beside the page, its
// thumbnail, and their sizes.
type picture struct {
	Full, Thumb   string // relative to the page
	Width, Height int    // of the thumbnail
	// sum is the SHA-256 of Full's bytes: a published page links the
	// cache's own object of that sum rather than a copy.
	sum model.Hash
}

// store keeps the page's images in DIR/img, each once (named by its
// hash), with a thumbnail.
type store struct {
	dir string

	mu   sync.Mutex
	seen map[model.Hash]*picture
}

func newStore(dir string) (*store, error) {
	if err := os.MkdirAll(filepath.Join(dir, imageDir), 0o755); err != nil {
		return nil, fmt.Errorf("creating the review page's folder: %w", err)
	}
	return &store{dir: dir, seen: map[model.Hash]*picture{}}, nil
}

// add copies an image beside the page and makes its thumbnail.
func (s *store) add(img model.Image) (*picture, error) {
	h := model.SumBytes(img.Data)
	s.mu.Lock()
	p, ok := s.seen[h]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	ext := ".png"
	if img.ContentType == "image/jpeg" {
		ext = ".jpg"
	}
	name := h.String()[:32]
	full := imageDir + "/" + name + ext
	if err := os.WriteFile(filepath.Join(s.dir, filepath.FromSlash(full)), img.Data, 0o644); err != nil {
		return nil, fmt.Errorf("writing the review page's images: %w", err)
	}
	thumb, w, hgt, err := thumbnail(img.Data)
	if err != nil {
		return nil, fmt.Errorf("making a thumbnail: %w", err)
	}
	thumbPath := imageDir + "/" + name + "-thumb.jpg"
	if err := os.WriteFile(filepath.Join(s.dir, filepath.FromSlash(thumbPath)), thumb, 0o644); err != nil {
		return nil, fmt.Errorf("writing the review page's images: %w", err)
	}
	p = &picture{Full: full, Thumb: thumbPath, Width: w, Height: hgt, sum: h}
	s.mu.Lock()
	s.seen[h] = p
	s.mu.Unlock()
	return p, nil
}

// thumbnail scales an image down to thumbWidth wide, as a JPEG.
func thumbnail(data []byte) ([]byte, int, int, error) {
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, err
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > thumbWidth {
		h = max(1, h*thumbWidth/w)
		w = thumbWidth
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 82}); err != nil {
		return nil, 0, 0, err
	}
	return buf.Bytes(), w, h, nil
}
