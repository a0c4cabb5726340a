package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/gitrev"
	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// Plan prepares the plan of a run on the workspace (apply.Prepare): the
// plan saved at savedPlan, checked fresh, or one made now of the
// configuration, with the checkout's git history. Jobs an interrupted
// run journaled for the API at endpoint count as paid for.
func (w *Workspace) Plan(ctx context.Context, pl apply.Planning, savedPlan, endpoint string) (*plan.Plan, error) {
	ws := apply.Workspace{Dir: ".", Config: w.Config, State: w.State, Journal: w.Backend.Jobs(), Cache: w.Cache, Stats: w.Stats, Endpoint: endpoint, VarFiles: w.VarFiles}
	repo, err := gitrev.Open(ctx, ".")
	if err != nil {
		return nil, err
	}
	if repo != nil {
		w.History = repo
		if savedPlan == "" { // a saved plan was checked when it was made
			ws.History = repo
		}
	}
	pl.SharedState = w.sharedState()
	return apply.Prepare(ctx, ws, savedPlan, pl)
}

// Pushed is what PushState did.
type Pushed struct {
	State   *state.State // the state pushed
	To      string       // where, for people
	Renamed bool         // the local state file was renamed with PushedSuffix
}

// PushState stores the state in file where the configuration keeps the
// state, under the lock, as imgform state push does: refused when that
// is the file itself, or (unless force) when the stored state is of
// another lineage or newer. The state file the settings' backend
// replaces is renamed once pushed.
func PushState(ctx context.Context, wr Wiring, file string, force bool, lockTimeout time.Duration) (Pushed, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return Pushed{}, fmt.Errorf("reading the state to push: %w", err)
	}
	pushed, err := state.Parse(file, data)
	if err != nil {
		return Pushed{}, err
	}
	w, err := Open(ctx, wr, Need{Operation: "state push", LockTimeout: lockTimeout, IgnoreLocalState: true})
	if err != nil {
		return Pushed{}, err
	}
	defer w.Close()
	ws, err := wr.Selected()
	if err != nil {
		return Pushed{}, err
	}
	if !w.sharedState() && safepath.SameFile(wr.LocalStatePath(ws), file) {
		return Pushed{}, fmt.Errorf("%s is where the state is kept already: there is nothing to push it to (an imgform block with a backend says where)", file)
	}
	if err := state.CheckPush(w.State, pushed, force); err != nil {
		return Pushed{}, err
	}
	if err := w.Backend.Push(ctx, pushed); err != nil {
		return Pushed{}, err
	}
	done := Pushed{State: pushed, To: fmt.Sprint(w.Backend)}
	if w.sharedState() && safepath.SameFile(file, wr.StatePath) {
		if err := os.Rename(file, file+PushedSuffix); err != nil {
			return done, fmt.Errorf("the state was pushed, but %s could not be renamed (rename it yourself, or imgform will refuse to run): %w", file, err)
		}
		done.Renamed = true
	}
	return done, nil
}

// CopyCache pushes (or pulls) between this machine's cache and the
// team's the entries the state refers to, of the images targets select
// (all without targets), or every local entry (all); push uploads first
// what an earlier run could not. each hears of every entry, one at a
// time, with the address of an image that has it ("" when unknown). The
// summary is nil when nothing was copied (an error came first).
func CopyCache(ctx context.Context, wr Wiring, targets []spec.Address, all, push bool, each func(c cache.Copied, addr string)) (*cache.CopySummary, error) {
	w, err := Open(ctx, wr, Need{Cache: true})
	if err != nil {
		return nil, err
	}
	defer w.Close()
	if len(w.Cache.Stores()) < 2 {
		return nil, errors.New("no shared cache is configured: add a cache \"s3\" block to the imgform block (see the README's section on teams)")
	}
	var hashes []state.Hash
	names := map[state.Hash]string{}
	if all {
		hashes, err = w.Cache.Stores()[0].List(ctx)
	} else {
		hashes, names, err = plan.StateHashes(w.State, targets)
	}
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	progress := func(c cache.Copied) {
		mu.Lock()
		defer mu.Unlock()
		each(c, names[c.Hash])
	}
	copyAll := w.Cache.Pull
	var sum cache.CopySummary
	if push {
		copyAll = w.Cache.Push
		if sum, err = w.Cache.UploadPending(ctx, progress); err != nil {
			return &sum, err
		}
	}
	more, err := copyAll(ctx, hashes, progress)
	sum.Add(more)
	return &sum, err
}

// CandidatesPaid are the candidates preview paid for that st does not
// record, of the images whose configuration declares candidates: none
// when there is no such image, or the configuration cannot be read. The
// team cache is asked when it answers, and this machine's (local) alone
// otherwise, with a warning.
func CandidatesPaid(ctx context.Context, wr Wiring, st *state.State, local func() *cache.Cache) ([]plan.Paid, error) {
	o := wr.ConfigOptions
	o.AllowUnset = true
	cfg, diags := spec.Load(ctx, ".", o)
	if diags.HasErrors() || !slices.ContainsFunc(cfg.Images, func(img *spec.Image) bool { return img.Candidates > 0 }) {
		return nil, nil
	}
	c, err := wr.Cache(ctx, &cfg.Settings)
	if err != nil {
		wr.Warn("the team cache cannot be asked (%v): the candidates only it holds are not counted", err)
		c = local()
	}
	return plan.CandidatesPaid(ctx, cfg.Images, st, c.Stat)
}

// RecordedSize reads the size of a file the state records, under the
// configuration folder, from its header.
func RecordedSize(rel string) (int, int, error) {
	if err := safepath.Check(".", rel); err != nil {
		return 0, 0, err
	}
	f, err := os.Open(filepath.FromSlash(rel))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	info, err := imagecheck.ReadSize(f)
	if err != nil {
		return 0, 0, err
	}
	return info.Width, info.Height, nil
}

// Addresses lists the image addresses of the configuration and of its
// local state, with each block's own address (image.NAME), sorted. It is
// for completion: what cannot be read is left out, silently, and nothing
// is asked of a network backend.
func Addresses(ctx context.Context, wr Wiring) []string {
	seen := map[string]bool{}
	add := func(a string) {
		seen[a] = true
		if i := strings.IndexByte(a, '['); i > 0 {
			seen[a[:i]] = true
		}
	}
	cfg, _ := spec.Load(ctx, ".", spec.Options{Environ: wr.ConfigOptions.Environ})
	if cfg != nil {
		for _, img := range cfg.Images {
			add(img.Addr.String())
		}
	}
	statePath := wr.StatePath
	if ws, err := wr.Selected(); err == nil {
		statePath = wr.LocalStatePath(ws)
	}
	if data, err := os.ReadFile(statePath); err == nil {
		var st struct {
			Images map[string]json.RawMessage `json:"images"`
		}
		if json.Unmarshal(data, &st) == nil {
			for a := range st.Images {
				add(a)
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Import records the files at paths as the outputs of the declared image
// at addr, under the lock, as imgform import does (see apply.Import).
func Import(ctx context.Context, wr Wiring, addr spec.Address, paths []string, lockTimeout time.Duration) error {
	w, err := Open(ctx, wr, Need{Config: true, Operation: "import", LockTimeout: lockTimeout})
	if err != nil {
		return err
	}
	defer w.Close()
	img := w.Config.Lookup(addr)
	if img == nil {
		return fmt.Errorf("no image %s is declared in the configuration; declare it first, then import its file", addr)
	}
	rels := make([]string, len(paths))
	for i, p := range paths {
		if rels[i], err = apply.ImportPath(p); err != nil {
			return err
		}
	}
	if _, err := apply.Import(".", w.State, img, rels); err != nil {
		return err
	}
	_, err = w.Backend.Save(ctx, w.State)
	return err
}

// Pruning is what PruneCache says as it goes.
type Pruning struct {
	// KeptMaxAge is the age beyond which the copies apply kept go too
	// (see apply.PruneKept); Kept hears what became of them, first of
	// all once the lock is held, and whether that failed partway.
	KeptMaxAge time.Duration
	Kept       func(apply.KeptPrune, error)
	// Entry hears of every entry removed (or, dry, to remove).
	Entry func(u cache.Unneeded)
	// Store hears how many of a store's entries went, and where: the
	// store, when there are several ("" otherwise).
	Store func(removed, total int, where string)
	// Skipped hears of a shared store left alone: with a local state,
	// what other checkouts use cannot be known.
	Skipped func(store cache.Store)
}

// PruneCache removes, under the lock, the copies apply kept of runs older
// than say.KeptMaxAge, then the cache entries no state the backend keeps
// refers to, from this machine's store and, when the state is shared,
// the team's (dry: none, it only says).
func PruneCache(ctx context.Context, wr Wiring, lockTimeout time.Duration, dry bool, say Pruning) error {
	w, err := Open(ctx, wr, Need{Cache: true, Operation: "cache prune", LockTimeout: lockTimeout})
	if err != nil {
		return err
	}
	defer w.Close()
	kept, err := apply.PruneKept(".", say.KeptMaxAge, time.Now(), dry)
	say.Kept(kept, err)
	if err != nil {
		return err
	}
	inUse, err := state.HashesInUse(ctx, w.Backend, w.State)
	if err != nil {
		return err
	}
	for i, store := range w.Cache.Stores() {
		where := ""
		if len(w.Cache.Stores()) > 1 {
			where = store.String()
		}
		if i > 0 && !w.sharedState() {
			say.Skipped(store)
			continue
		}
		removed, total, err := cache.Prune(ctx, store, func(h state.Hash) bool { return inUse[h] }, dry, say.Entry)
		if err != nil {
			return err
		}
		say.Store(removed, total, where)
	}
	return nil
}

// SavePlan saves p to path for imgform apply PATH, with the digest of
// the configuration it was made of (a changed configuration refuses it).
func (w *Workspace) SavePlan(path string, p *plan.Plan) error {
	digest, err := plan.ConfigDigest(w.Config.Sources)
	if err != nil {
		return err
	}
	if err := plan.Save(path, p, plan.Saved{ConfigDigest: digest, Sources: w.Config.Sources}); err != nil {
		return fmt.Errorf("saving plan: %w", err)
	}
	return nil
}

// ForceUnlock removes the state lock id from the selected workspace's
// state, as imgform force-unlock does. A holder still alive is forced
// away only with force, or when confirm, told of it, says yes (returns
// nil).
func ForceUnlock(ctx context.Context, wr Wiring, id string, force bool, confirm func(alive *state.HolderAliveError) error) error {
	settings, err := LoadSettings()
	if err != nil {
		return err
	}
	b, err := openBackend(ctx, wr, settings, "", true)
	if err != nil {
		return err
	}
	defer b.Close()
	err = b.ForceUnlock(ctx, id, state.ForceOptions{Force: force})
	var alive *state.HolderAliveError
	if errors.As(err, &alive) {
		if err := confirm(alive); err != nil {
			return err
		}
		err = b.ForceUnlock(ctx, id, state.ForceOptions{Force: true})
	}
	return err
}
