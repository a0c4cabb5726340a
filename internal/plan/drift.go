package plan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/imgform/imgform/internal/parallel"
	"github.com/imgform/imgform/internal/state"
)

// fileStatus is how an output on disk compares with the state's record.
type fileStatus uint8

const (
	fileOK      fileStatus = iota // as recorded
	fileRefresh                   // same content, the mtime moved
	fileMissing                   // gone
	fileEdited                    // another content (or not a file)
)

// statusChecker compares outputs on disk with the state. The cheap test
// is size and modification time (the state's, or the one this checkout's
// stat cache saw the same content at); only a mismatch, or every file with
// verify, is re-hashed. An output whose content is unchanged but whose
// mtime moved is recorded in the stat cache, not the state.
type statusChecker struct {
	dir    string
	verify bool
	stats  *state.StatCache // may be nil
}

// check returns the status of one recorded output.
func (c statusChecker) check(ctx context.Context, out state.Output) (fileStatus, error) {
	full := filepath.Join(c.dir, filepath.FromSlash(out.Path))
	fi, err := os.Lstat(full)
	switch {
	case errorIsNotExist(err):
		return fileMissing, nil
	case err != nil:
		return 0, fmt.Errorf("checking %s: %w", out.Path, err)
	case !fi.Mode().IsRegular():
		return fileEdited, nil
	case fi.Size() != out.Size:
		if fi.Size() < maxLFSPointer && isLFSPointer(full) {
			return 0, &LFSPointerError{Paths: []string{out.Path}}
		}
		return fileEdited, nil
	case !c.verify && fi.ModTime().Equal(out.ModTime):
		return fileOK, nil
	case !c.verify && c.stats.Matches(out.Path, out.SHA256, fi.Size(), fi.ModTime()):
		return fileOK, nil
	}
	f, err := os.Open(full)
	if err != nil {
		return 0, fmt.Errorf("checking %s: %w", out.Path, err)
	}
	defer f.Close()
	sum, _, err := state.SumReader(ctxReader{ctx, f})
	if err != nil {
		return 0, fmt.Errorf("checking %s: %w", out.Path, err)
	}
	switch {
	case sum != out.SHA256:
		return fileEdited, nil
	case !fi.ModTime().Equal(out.ModTime) && !c.stats.Matches(out.Path, sum, fi.Size(), fi.ModTime()):
		c.stats.Record(out.Path, sum, fi.Size(), fi.ModTime())
		return fileRefresh, nil
	}
	return fileOK, nil
}

// maxLFSPointer bounds the size of a Git LFS pointer file (they are about
// 130 bytes; the specification allows up to 1024).
const maxLFSPointer = 1024

// lfsPointerPrefix starts every Git LFS pointer file.
const lfsPointerPrefix = "version https://git-lfs.github.com/spec/v1"

// isLFSPointer reports whether the file at path is a Git LFS pointer: what
// a checkout holds in place of a file whose LFS content it did not fetch.
func isLFSPointer(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(lfsPointerPrefix))
	_, err = io.ReadFull(f, head)
	return err == nil && string(head) == lfsPointerPrefix
}

// LFSPointerError stops a plan that finds Git LFS pointer files where the
// state records images: the checkout did not fetch them, and planning
// would pay to generate again every image it already has.
type LFSPointerError struct {
	Paths []string
}

func (e *LFSPointerError) Error() string {
	sort.Strings(e.Paths)
	shown := e.Paths
	more := ""
	if len(shown) > 3 {
		shown, more = shown[:3], fmt.Sprintf(" and %d more", len(e.Paths)-3)
	}
	return fmt.Sprintf("%s%s %s a Git LFS pointer, not the image the state records: this checkout has not fetched its Git LFS files, and planning would pay to generate them again. Run git lfs pull (in GitHub Actions: actions/checkout with lfs: true), then plan again",
		strings.Join(shown, ", "), more, map[bool]string{true: "is", false: "are"}[len(e.Paths) == 1])
}

// ctxReader stops a read (a hash of a large file) when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// errorIsNotExist reports a path that does not exist, including one that
// goes through a file ("a.png/b.png").
func errorIsNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// statusKey names one recorded output: index i of the outputs, or
// variant j at variantIndex(j).
type statusKey struct {
	addr  string
	index int
}

// checkAll checks the outputs of the given entries in parallel: stat is
// cheap, but --verify hashes every file and a fresh checkout hashes them
// all once.
func (c statusChecker) checkAll(ctx context.Context, entries map[string]*state.Entry) (map[statusKey]fileStatus, error) {
	type job struct {
		key statusKey
		out state.Output
	}
	var jobs []job
	for addr, e := range entries {
		for i, out := range e.Outputs {
			jobs = append(jobs, job{key: statusKey{addr: addr, index: i}, out: out})
		}
		for j, v := range e.Variants {
			jobs = append(jobs, job{key: statusKey{addr: addr, index: variantIndex(j)}, out: v.File()})
		}
	}
	var (
		mu       sync.Mutex
		statuses = make(map[statusKey]fileStatus, len(jobs))
		firstErr error
		pointers []string // every LFS pointer found, for one message
	)
	// Mostly waiting for the disk: more at once than there are cores.
	workers := min(max(2*runtime.GOMAXPROCS(0), 4), 16)
	_ = parallel.Each(ctx, len(jobs), workers, func(i int) {
		st, err := c.check(ctx, jobs[i].out)
		mu.Lock()
		defer mu.Unlock()
		var lfs *LFSPointerError
		switch {
		case errors.As(err, &lfs):
			pointers = append(pointers, lfs.Paths...)
		case err != nil && firstErr == nil:
			firstErr = err
		}
		statuses[jobs[i].key] = st
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(pointers) > 0 {
		return nil, &LFSPointerError{Paths: pointers}
	}
	return statuses, firstErr
}
