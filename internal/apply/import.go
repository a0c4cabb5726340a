package apply

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// Import records files made outside imgform as the outputs of img, one
// per output, in st: the entry a plan then finds up to date, so that
// nothing is generated for it. rels are slash-separated and relative to
// dir. st is changed only when every file could be recorded.
func Import(dir string, st *state.State, img *spec.Image, rels []string) (*state.Entry, error) {
	addr := img.Addr.String()
	if _, exists := st.Images[addr]; exists {
		return nil, fmt.Errorf("the state already has %s; remove it first with imgform state rm %s", addr, addr)
	}
	if len(rels) != len(img.Outputs) {
		return nil, fmt.Errorf("%s makes %d images (samples = %d); give one PATH for each", addr, len(img.Outputs), img.Request.Samples())
	}
	req, origin, err := plan.ResolveRequest(img, nil, false, nil)
	if err != nil {
		return nil, err
	}
	entry := &state.Entry{InputHash: req.InputHash(), Request: req, SeedOrigin: string(origin), Generator: state.GeneratorImported}
	f := files{dir: dir}
	for _, rel := range rels {
		out, err := f.record(rel)
		if err != nil {
			return nil, err
		}
		out.SourceSHA256 = out.SHA256 // the image is the file: variants are derived from it
		entry.Outputs = append(entry.Outputs, out)
	}
	st.Images[addr] = entry
	return entry, nil
}

// record hashes an existing file for the state: a regular file, not a
// link.
func (f files) record(rel string) (state.Output, error) {
	if err := f.check(rel); err != nil {
		return state.Output{}, err
	}
	if fi, err := os.Lstat(f.full(rel)); err == nil && !fi.Mode().IsRegular() {
		return state.Output{}, fmt.Errorf("importing: %s is not a regular file (a symbolic link, a folder?); imgform manages the files it records itself", rel)
	}
	file, err := os.Open(f.full(rel))
	if err != nil {
		return state.Output{}, fmt.Errorf("importing: %w", err)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return state.Output{}, fmt.Errorf("importing: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return state.Output{}, fmt.Errorf("importing: %s is not a regular file", rel)
	}
	sum, n, err := state.SumReader(file)
	if err != nil {
		return state.Output{}, fmt.Errorf("importing %s: %w", rel, err)
	}
	return state.Output{Path: rel, SHA256: sum, Size: n, ModTime: fi.ModTime().UTC()}, nil
}

// ImportPath is the file p given to imgform import as Import takes it:
// relative to the working directory, slash-separated; a file outside it,
// or a path imgform does not write through, is refused.
func ImportPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the configuration directory; imgform manages only files below it", p)
	}
	rel = path.Clean(filepath.ToSlash(rel))
	// A file reached through a symbolic link that leads out of the
	// directory is not below it: a later delete would remove it there.
	if err := safepath.Check(".", rel); err != nil {
		return "", fmt.Errorf("cannot import %s: %w", p, err)
	}
	return rel, nil
}
