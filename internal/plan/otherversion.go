package plan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/outputfile"
	"github.com/imgform/imgform/internal/state"
)

// OtherVersion is a file at one of a change's output paths that holds an
// image imgform made, but not the one the state records there: another
// version of the image (an earlier one brought back by git, a
// teammate's), or the very image the change writes. Apply writes over it
// without keeping a copy, as long as the file still has SHA256, the hash
// it had when the plan looked: nothing that is lost cannot be made again.
type OtherVersion struct {
	Path   string
	SHA256 state.Hash
}

// imageGetter is a capability of a Cache (a *cache.Cache has it): the
// images of an entry, to recognise a file whose image imgform converted
// from one of them before writing it.
type imageGetter interface {
	Get(ctx context.Context, h state.Hash) (*cache.Entry, []model.Image, error)
}

// maxRecognised bounds the size of a file read to be recognised: an
// image of the model is a few megabytes.
const maxRecognised = 64 << 20

// madeByImgform reports whether the file at rel holds an image imgform
// made, and its SHA-256. It does when its bytes, without the provenance
// imgform writes into every output (internal/outputfile), are an image
// made for the request the provenance names: one the content cache holds
// (as the cache holds it, or converted to the file's format as apply
// converts it), or one the state records for that request. The
// provenance alone proves nothing (an editor may keep it); the bytes
// must match. Only files found changed on disk are looked at.
func (b *builder) madeByImgform(rel string) (state.Hash, bool) {
	full := filepath.Join(b.opts.Dir, filepath.FromSlash(rel))
	fi, err := os.Lstat(full)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxRecognised {
		return state.Hash{}, false
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return state.Hash{}, false
	}
	img, format, prov, ok := outputfile.Strip(data)
	if !ok {
		return state.Hash{}, false
	}
	h, err := state.ParseHash(prov.InputHash)
	if err != nil {
		return state.Hash{}, false
	}
	whole, stripped := state.SumBytes(data), state.SumBytes(img)
	for _, e := range b.requests()[h] {
		for _, o := range e.Outputs {
			if o.SHA256 == whole || o.SourceSHA256 == stripped {
				return whole, true
			}
		}
	}
	if b.opts.Cache == nil {
		return state.Hash{}, false
	}
	info, _ := b.opts.Cache.Lookup(b.ctx, h, 1)
	for _, f := range info.Files {
		if f == stripped {
			return whole, true
		}
	}
	getter, ok := b.opts.Cache.(imageGetter)
	if !ok || len(info.Files) == 0 {
		return state.Hash{}, false
	}
	_, imgs, err := getter.Get(b.ctx, h)
	if err != nil {
		return state.Hash{}, false
	}
	for _, cached := range imgs {
		if converted, err := outputfile.Convert(cached.Data, format); err == nil && state.SumBytes(converted) == stripped {
			return whole, true
		}
	}
	return state.Hash{}, false
}

// requests indexes the state's entries by input hash, once.
func (b *builder) requests() map[state.Hash][]*state.Entry {
	if b.byRequest == nil {
		b.byRequest = map[state.Hash][]*state.Entry{}
		for _, e := range b.st.Images {
			b.byRequest[e.InputHash] = append(b.byRequest[e.InputHash], e)
		}
	}
	return b.byRequest
}

// onDisk says why a change writes over a file at path that the state
// does not record as it is: the file was edited (or is not imgform's),
// and is kept before it is written over; or it holds an image imgform
// made, and is written over without a copy (c.OtherVersions says which
// bytes). what is "restored" or "replaced".
func (b *builder) onDisk(c *Change, path string, edited bool, what string) Reason {
	if sum, ok := b.madeByImgform(path); ok {
		c.OtherVersions = append(c.OtherVersions, OtherVersion{Path: path, SHA256: sum})
		return Reason{Kind: ReasonOtherVersion, Path: path,
			Message: fmt.Sprintf("another version of this image is on disk (%s): imgform made it, so it is %s without a copy kept", path, what)}
	}
	if edited {
		return Reason{Kind: ReasonEdited, Path: path, Message: path + " was changed on disk; the edited file is kept in " + KeptDir + "/ before it is " + what}
	}
	return overwriteReason(path)
}
