package review

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/variant"
)

// AfterFromCache gives the page the images the cache holds of p's
// changes that make images, and of their candidates, without generating
// any (preview --from-cache, or of a saved plan); the others show as not
// generated yet.
func (pg *Page) AfterFromCache(ctx context.Context, c *cache.Cache, p *plan.Plan) error {
	for _, ch := range plan.WithCandidates(p).Changes { // every candidate the cache holds
		if len(ch.Write) == 0 && len(ch.Derive) == 0 {
			continue
		}
		_, imgs, err := c.Get(ctx, ch.InputHash)
		if err != nil {
			continue
		}
		if err := pg.After(ch, imgs); err != nil {
			return err
		}
	}
	return nil
}

// BeforeFromDisk gives the page each change's images as they are now:
// the files under dir (where a move finds them, for a move), or, for a
// missing file, the cache's copy of the image the state recorded. A path
// is checked before it is read: a plan file is input, and the page is
// published.
func (pg *Page) BeforeFromDisk(ctx context.Context, dir string, c *cache.Cache, p *plan.Plan) error {
	for _, ch := range p.Changes {
		if ch.Prior == nil || ch.Action == plan.Create {
			continue
		}
		from := map[string]string{}
		for _, m := range ch.Moves {
			from[m.To] = m.From
		}
		var recorded []model.Image
		imgs := make([]model.Image, len(ch.Outputs))
		for i := range ch.Outputs {
			path := ch.Outputs[i]
			if i < len(ch.Prior.Outputs) {
				path = ch.Prior.Outputs[i].Path
			}
			if f := from[ch.Outputs[i]]; f != "" {
				path = f
			}
			if img, ok := readImage(dir, path); ok {
				imgs[i] = img
				continue
			}
			if recorded == nil {
				if _, got, err := c.Get(ctx, ch.Prior.InputHash); err == nil {
					recorded = got
				}
			}
			if i < len(recorded) {
				imgs[i] = recorded[i]
			}
		}
		pg.from(ch.Prior.InputHash, imgs) // the bytes on disk may be the cache's
		if err := pg.Before(ch.Address, imgs); err != nil {
			return err
		}
		if err := pg.variantsBeforeFromDisk(dir, ch); err != nil {
			return err
		}
	}
	return nil
}

// variantsBeforeFromDisk gives the page the files of the variants a
// change derives anew as they are on disk now, as the state recorded
// them: an image kept for its variants only (no output) has nothing else
// to compare the new ones with. A variant is matched by its name; one
// whose file is missing or is not an image has no before.
func (pg *Page) variantsBeforeFromDisk(dir string, ch *plan.Change) error {
	if len(ch.Prior.Variants) == 0 || len(ch.Derive) == 0 {
		return nil
	}
	prior := map[string]string{}
	for _, v := range ch.Prior.Variants {
		prior[v.Name] = v.Path
	}
	for _, i := range ch.Derive {
		if i >= len(ch.Variants) {
			continue
		}
		path, ok := prior[ch.Variants[i].Name]
		if !ok {
			continue
		}
		pic, ok, err := pg.readVariant(dir, path)
		if err != nil {
			return fmt.Errorf("%s: %w", ch.Address, err)
		}
		if ok {
			pg.mu.Lock()
			if pg.variantsBefore[ch.Address] == nil {
				pg.variantsBefore[ch.Address] = map[string]variantBefore{}
			}
			pg.variantsBefore[ch.Address][ch.Variants[i].Name] = variantBefore{Path: path, Pic: pic}
			pg.mu.Unlock()
		}
	}
	return nil
}

// readVariant keeps a variant file under dir beside the page, as it is
// (the browser shows what was shipped); ok is false when there is no such
// image file.
func (pg *Page) readVariant(dir, rel string) (*picture, bool, error) {
	if safepath.Check(dir, rel) != nil {
		return nil, false, nil
	}
	f, err := variant.FormatOfPath(rel)
	if err != nil {
		return nil, false, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, false, nil
	}
	info, err := imagecheck.ReadSize(bytes.NewReader(data))
	if err != nil || info.Width < 1 || info.Height < 1 || info.Width > imagecheck.MaxSide || info.Height > imagecheck.MaxSide {
		return nil, false, nil
	}
	pic, err := pg.store.addFile(data, f, variant.Size{Width: info.Width, Height: info.Height})
	if err != nil {
		return nil, false, err
	}
	return pic, true, nil
}

// readImage reads an image file inside dir.
func readImage(dir, rel string) (model.Image, bool) {
	if safepath.Check(dir, rel) != nil {
		return model.Image{}, false
	}
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return model.Image{}, false
	}
	info, err := imagecheck.Check(data)
	if err != nil {
		return model.Image{}, false
	}
	return model.Image{Data: data, ContentType: info.ContentType}, true
}
