package review

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/imgform/imgform/internal/derive"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/variant"
	"github.com/imgform/imgform/internal/view"
)

// variantPic is one variant as the page shows it: the file itself, as
// apply writes it (WebP, AVIF, JPEG or PNG: the browser shows what a
// reviewer ships), beside the image it is derived from.
type variantPic struct {
	Name, Path, What string
	// Derived is set for a variant the change derives (new, changed or
	// missing); the others are shown as they will stay.
	Derived bool
	Pic     *picture
	Note    string // why there is no picture
	// Before is the variant's file on disk before the change, at
	// BeforePath, for a variant the change derives anew; nil when there
	// is none.
	Before     *picture
	BeforePath string
}

// variantBefore is a variant's file as it is on disk before a change.
type variantBefore struct {
	Path string
	Pic  *picture
}

// deriveVariants derives the variants of a change from its images, for the
// page. A variant that cannot be derived is shown with the reason.
func (pg *Page) deriveVariants(c *plan.Change, imgs []model.Image) []*variantPic {
	deriving := map[int]bool{}
	for _, i := range c.Derive {
		deriving[i] = true
	}
	sources := map[int]*derive.Source{}
	var out []*variantPic
	for i, v := range c.Variants {
		vp := &variantPic{Name: v.Name, Path: v.Path, What: view.DescribeVariant(v), Derived: deriving[i]}
		out = append(out, vp)
		if v.Sample >= len(imgs) || len(imgs[v.Sample].Data) == 0 {
			vp.Note = "no image to derive it from yet"
			continue
		}
		src, ok := sources[v.Sample]
		if !ok {
			var err error
			if src, err = derive.Decode(imgs[v.Sample].Data); err != nil {
				vp.Note = "cannot be derived: " + err.Error()
				continue
			}
			sources[v.Sample] = src
		}
		data, err := src.Derive(v.Spec, nil)
		if err != nil {
			vp.Note = "cannot be derived: " + err.Error()
			continue
		}
		size := v.Spec.OutputSize(src.Size())
		if vp.Pic, err = pg.store.addFile(data, v.Spec.Format, size); err != nil {
			vp.Note = err.Error()
		}
	}
	return out
}

// addFile keeps a file as it is beside the page (a variant, in its own
// format), shown at its size or scaled down to thumbWidth.
func (s *store) addFile(data []byte, f variant.Format, size variant.Size) (*picture, error) {
	h := model.SumBytes(data)
	s.mu.Lock()
	p, ok := s.seen[h]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	ext := map[variant.Format]string{variant.PNG: ".png", variant.JPEG: ".jpg", variant.WebP: ".webp", variant.AVIF: ".avif"}[f]
	full := imageDir + "/" + h.String()[:32] + ext
	if err := os.WriteFile(filepath.Join(s.dir, filepath.FromSlash(full)), data, 0o644); err != nil {
		return nil, fmt.Errorf("writing the review page's images: %w", err)
	}
	w, hgt := size.Width, size.Height
	if w > thumbWidth {
		hgt = max(1, hgt*thumbWidth/w)
		w = thumbWidth
	}
	p = &picture{Full: full, Thumb: full, Width: w, Height: hgt, sum: h}
	s.mu.Lock()
	s.seen[h] = p
	s.mu.Unlock()
	return p, nil
}
