package apply

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"
	"time"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
)

// keeper keeps a copy of every file apply is about to write over whose
// content is not what the state recorded for that path (edited by hand,
// or never written by imgform), in .imgform/kept/<run>/<path>, so that
// nobody's work is lost to a restore or a replacement. A file the plan
// found to hold another image imgform made (plan.OtherVersion) is not
// kept while it has the bytes the plan saw: it can be made again. cache
// prune removes run folders older than a limit.
type keeper struct {
	files    files
	run      string                  // this run's folder under plan.KeptDir
	recorded map[string]state.Output // what the state recorded at each path when the run began
}

func newKeeper(f files, st *state.State, now time.Time) *keeper {
	k := &keeper{files: f, run: keptRunDir(now), recorded: map[string]state.Output{}}
	for _, e := range st.Images {
		for _, o := range e.Outputs {
			k.recorded[o.Path] = o
		}
		for _, v := range e.Variants {
			k.recorded[v.Path] = v.File()
		}
	}
	return k
}

// keep copies the file at rel when it is there and is neither what the
// state recorded nor one of made (what the plan found imgform made). It
// returns where the copy is, or "" when none was needed.
func (k *keeper) keep(rel string, made []plan.OtherVersion) (string, error) {
	full := k.files.full(rel)
	fi, err := os.Lstat(full)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return "", nil // nothing there to keep (the write says why it cannot go there)
	case err != nil:
		return "", fmt.Errorf("checking %s before writing over it: %w", rel, err)
	case !fi.Mode().IsRegular():
		return "", nil // a folder or a link is not written over: the write fails
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return "", fmt.Errorf("checking %s before writing over it: %w", rel, err)
	}
	sum := state.SumBytes(data)
	if o, ok := k.recorded[rel]; ok && o.SHA256 == sum {
		return "", nil // imgform's own output, as recorded
	}
	for _, m := range made {
		if m.Path == rel && m.SHA256 == sum {
			return "", nil // an image imgform made, as the plan found it
		}
	}
	dst := path.Join(k.run, rel)
	if err := atomicfile.WriteGitignore(filepath.Join(k.files.dir, filepath.FromSlash(plan.KeptDir)), "edited files imgform kept before writing over them"); err != nil {
		return "", fmt.Errorf("keeping %s: %w", rel, err)
	}
	if err := k.files.within(func(root *os.Root) error { return atomicfile.WriteFileIn(root, dst, data, fi.Mode().Perm()) }); err != nil {
		return "", fmt.Errorf("keeping %s before writing over it: %w", rel, err)
	}
	return dst, nil
}
