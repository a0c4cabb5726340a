package apply

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/safepath"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// Workspace is what a run is prepared from: the configuration (nil when
// a saved plan is applied), the state, the job journal, the content
// cache, the checkout's stat cache and its version control.
type Workspace struct {
	// Dir is the configuration directory.
	Dir     string
	Config  *spec.Config
	State   *state.State
	Journal state.Journal
	Cache   *cache.Cache
	// Stats is the checkout's stat cache (nil: none); what a plan
	// verifies is saved in it.
	Stats *state.StatCache
	// History is the configuration's version control (nil: none).
	History History
	// VarFiles are the variables files the configuration was read with:
	// configuration too, when History tells what is not committed.
	VarFiles []string
	// Endpoint is the origin of the API the run calls: jobs journaled for
	// it count as paid for, and an emulator's images are replaced for
	// another.
	Endpoint string
}

// History is what a run asks of the configuration's version control: what
// a plan asks, and which of the configuration's files differ from the
// commit checked out (see gitrev.Repo.Uncommitted).
type History interface {
	plan.History
	Uncommitted(ctx context.Context, paths, globs []string) (map[string]string, error)
}

// Planning says how to plan a run (the flags of plan, apply and preview).
type Planning struct {
	Targets, Replace []spec.Address
	Offline, Verify  bool
	OverwriteNewer   bool
	// SharedState says the state is kept apart from the configuration's
	// history (see plan.Options.SharedState).
	SharedState bool
}

// Prepare returns the plan a run carries out: the plan saved at
// savedPlan, refused when the state or the configuration changed since it
// was made (a plan file is input, and acting on a stale one would undo
// what happened since), or, when savedPlan is "", a plan made now of the
// configuration against the state, the files on disk, the cache and the
// journal. apply, preview and plan all prepare their runs here.
func Prepare(ctx context.Context, w Workspace, savedPlan string, pl Planning) (*plan.Plan, error) {
	if savedPlan != "" {
		return loadFresh(savedPlan, w)
	}
	resumable, err := ResumableJobs(ctx, w.Journal, w.Endpoint, time.Now())
	if err != nil {
		return nil, err
	}
	var history plan.History
	var uncommitted *state.Uncommitted
	var checkout string
	if w.History != nil {
		history = w.History
	}
	// Changes not committed matter to a state kept apart from the
	// configuration's history; a state file travels with its commit.
	if w.History != nil && pl.SharedState {
		if checkout, err = checkoutID(w.Dir); err != nil {
			return nil, err
		}
		if uncommitted, err = uncommittedChanges(ctx, w, checkout); err != nil {
			return nil, err
		}
	}
	p, err := plan.Make(ctx, w.Config.Images, w.State, plan.Options{
		Dir:              w.Dir,
		Endpoint:         w.Endpoint,
		Offline:          pl.Offline,
		Verify:           pl.Verify,
		Targets:          pl.Targets,
		Replace:          pl.Replace,
		Cache:            w.Cache,
		Stats:            w.Stats,
		Moves:            w.Config.Moves,
		Submitted:        resumable.Has,
		PaidReplacements: resumable.PaidReplacements,
		History:          history,
		OverwriteNewer:   pl.OverwriteNewer,
		Uncommitted:      uncommitted,
		Checkout:         checkout,
		SharedState:      pl.SharedState,
	})
	if err != nil {
		return nil, err
	}
	if err := countPendingUploads(p, w); err != nil {
		return nil, err
	}
	// The stat cache only saves work; a checkout where it cannot be
	// written (read-only) hashes the moved files again next time.
	_ = w.Stats.Save()
	return p, nil
}

// uncommittedChanges are the configuration changes the checkout has not
// committed, which the images a run changes record: every *.img.hcl of
// the directory, the files file() read, the picks file and the variables
// files. nil when there are none.
func uncommittedChanges(ctx context.Context, w Workspace, checkout string) (*state.Uncommitted, error) {
	paths := append(append([]string(nil), w.Config.Sources...), w.VarFiles...)
	files, err := w.History.Uncommitted(ctx, paths, []string{filepath.Join(w.Dir, "*"+spec.FileSuffix)})
	if err != nil || len(files) == 0 {
		return nil, err
	}
	host, _ := os.Hostname()
	return &state.Uncommitted{Checkout: checkout, Files: files, Host: host, Time: time.Now().UTC().Truncate(time.Second)}, nil
}

// checkoutFile keeps the checkout's own id, under .imgform/.
const checkoutFile = "checkout"

// checkoutID is this checkout's id, made the first time it is asked for:
// 16 random bytes in hex, in .imgform/checkout. A clone, or a copy made
// without .imgform/, is another checkout.
func checkoutID(dir string) (string, error) {
	path := filepath.Join(dir, safepath.StateDirName, checkoutFile)
	if data, err := os.ReadFile(path); err == nil {
		if id := strings.TrimSpace(string(data)); len(id) == 32 {
			return id, nil
		}
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making this checkout's id: %w", err)
	}
	id := hex.EncodeToString(b[:])
	if err := atomicfile.WriteGitignore(filepath.Join(dir, safepath.StateDirName), "imgform's own files"); err != nil {
		return "", err
	}
	if err := atomicfile.WriteFile(path, []byte(id+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("recording this checkout's id: %w", err)
	}
	return id, nil
}

// countPendingUploads sets what the plan says of the uploads this
// checkout keeps for the team cache.
func countPendingUploads(p *plan.Plan, w Workspace) error {
	if w.Cache == nil {
		return nil
	}
	pending, err := w.Cache.PendingUploads()
	if err != nil {
		return err
	}
	p.PendingUploads = len(pending)
	return nil
}

// loadFresh reads a saved plan and refuses it when the state or the
// configuration changed since it was made.
func loadFresh(path string, w Workspace) (*plan.Plan, error) {
	p, saved, err := plan.Load(path)
	if err != nil {
		return nil, err
	}
	configFiles, err := spec.ConfigFiles(w.Dir)
	if err != nil {
		return nil, err
	}
	if err := p.CheckFresh(w.State.Lineage, w.State.Serial, saved, configFiles); err != nil {
		return nil, err
	}
	if err := countPendingUploads(p, w); err != nil {
		return nil, err
	}
	return p, nil
}
