package plan

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/provenance"
	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// Cache is what the plan needs of the content cache (a *cache.Cache):
// whether it holds an image, intact, so that a change that needs it costs
// nothing.
type Cache interface {
	// Lookup reports what the cache holds of the request with input hash
	// h, and whether it holds all n of its images intact.
	Lookup(ctx context.Context, h state.Hash, n int) (cache.Info, bool)
	// Prefetch learns about all of hs at once, so that the lookups that
	// follow need no round trip each to a shared cache.
	Prefetch(ctx context.Context, hs []state.Hash) error
}

// Options tune a plan.
type Options struct {
	// Dir is the configuration directory; output paths are relative to it.
	Dir string
	// Offline plans for apply --offline: images are made by the
	// placeholder renderer, and images made that way are not replaced.
	Offline bool
	// Endpoint is the origin of the API apply will call: images an
	// emulator made at another one are replaced.
	Endpoint string
	// Verify re-hashes every output instead of trusting size and mtime.
	Verify bool
	// Targets, when set, limit the plan to the images they select.
	Targets []spec.Address
	// Replace forces the images it selects to be generated anew.
	Replace []spec.Address
	// Cache is the content cache; nil plans as if it were empty.
	Cache Cache
	// Submitted reports an image whose job an earlier, interrupted run
	// submitted and that apply will resume rather than pay for again; nil
	// knows of none. forced asks for a job that was itself submitted for
	// a forced replacement (--replace): only such a job stands in for one.
	Submitted func(h state.Hash, forced bool) bool
	// PaidReplacements lists, by address, the jobs that an interrupted
	// apply --replace submitted (and paid for): a plan without --replace
	// completes such a replacement when the image's request is unchanged,
	// at no cost, rather than leave a paid image unused.
	PaidReplacements func(addr string) []PaidJob
	// Moves are the configuration's moved blocks: the images recorded at
	// their from addresses are planned at their to addresses.
	Moves []spec.Move
	// Stats is this checkout's stat cache: outputs whose content was
	// verified at another mtime than the state's. Make records what it
	// verifies in it; the caller saves it. nil keeps none.
	Stats *state.StatCache
	// Rand draws random seeds (seed = -1); nil is crypto/rand.
	Rand io.Reader
	// History is the version control of the configuration: each change
	// records its revision, and an image a revision outside this
	// checkout's history changed is left alone (Plan.LeftAlone), unless
	// OverwriteNewer. nil records no revision and checks nothing.
	History        History
	OverwriteNewer bool
	// Uncommitted is the configuration changes this checkout has not
	// committed (nil: none, or no History): the images the plan changes
	// record them, on top of History's head. Checkout identifies this
	// checkout: it holds the changes it made itself.
	Uncommitted *state.Uncommitted
	Checkout    string
	// SharedState is set for a state kept apart from the configuration's
	// history (a backend block): an image made from changes not
	// committed then takes the commit of a clean checkout that makes it
	// as it is (Plan.Committed). A state file committed with the
	// configuration carries its changes in the same commit, and is not
	// rewritten for that.
	SharedState bool
}

// PaidJob is a journaled job of a forced replacement: its request's input
// hash and the seed it was sent with.
type PaidJob struct {
	InputHash state.Hash
	Seed      int64
}

// Make compares the desired images with the state and the files on disk
// and returns the plan that makes them match. When ctx ends (Ctrl-C) it
// stops hashing files and returns ctx's error.
func Make(ctx context.Context, images []*spec.Image, st *state.State, opts Options) (*Plan, error) {
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if err := checkReplaceTargets(images, opts.Replace); err != nil {
		return nil, err
	}
	if err := checkTargets(images, st, opts.Moves, opts.Targets); err != nil {
		return nil, err
	}
	p := &Plan{FormatVersion: FormatVersion, Lineage: st.Lineage, Serial: st.Serial, Offline: opts.Offline, Uncommitted: opts.Uncommitted}
	checker := statusChecker{dir: opts.Dir, verify: opts.Verify, stats: opts.Stats}

	// The state as the moved blocks rename it: from here on, a moved
	// image is recorded at its new address.
	inState, movedFrom, err := applyMoves(st, opts.Moves)
	if err != nil {
		return nil, err
	}
	st = &state.State{Images: inState, Lineage: st.Lineage, Serial: st.Serial}

	// Which recorded outputs to look at: those of the selected images.
	selected := map[string]*state.Entry{}
	for addr, e := range st.Images {
		if selects(opts.Targets, addr) {
			selected[addr] = e
		}
	}
	statuses, err := checker.checkAll(ctx, selected)
	if err != nil {
		return nil, err
	}

	// Every path some image wants: nothing planned removes one of those.
	wanted := make(map[string]bool, len(images))
	for _, img := range images {
		for _, o := range img.Outputs {
			wanted[o] = true
		}
		for _, v := range img.Variants {
			for _, o := range v.Outputs {
				wanted[o] = true
			}
		}
	}
	recorded := make(map[string]bool, len(st.Images))
	for _, e := range st.Images {
		for _, p := range e.Paths() {
			recorded[p] = true
		}
	}

	b := &builder{ctx: ctx, opts: opts, st: st, statuses: statuses, wanted: wanted, recorded: recorded}
	declared := make(map[string]bool, len(images))
	unchanged := 0
	changes := make([]addressedChange, 0, len(images))
	for _, img := range images {
		addr := img.Addr.String()
		declared[addr] = true
		if !selectsAddr(opts.Targets, img.Addr) {
			continue
		}
		if img.Candidates > 0 && img.Picked == nil {
			p.Unpicked = append(p.Unpicked, Unpicked{Address: addr, Candidates: img.Candidates})
		}
		c, err := b.change(img, st.Images[addr])
		if err != nil {
			return nil, err
		}
		if from, ok := movedFrom[addr]; ok {
			c = movedAddress(c, img, st.Images[addr], from)
		}
		if c == nil {
			unchanged++
			if prior := st.Images[addr]; b.committedNow(prior) {
				p.Committed = append(p.Committed, Committed{Address: addr, Revision: b.opts.History.Head()})
			}
			continue
		}
		changes = append(changes, addressedChange{addr: img.Addr, ok: true, c: c})
	}
	p.Refresh = b.refresh
	if err := b.priceAll(); err != nil {
		return nil, err
	}
	for _, addr := range st.Addresses() {
		if declared[addr] || !selects(opts.Targets, addr) {
			continue
		}
		a, err := spec.ParseAddress(addr)
		changes = append(changes, addressedChange{addr: a, ok: err == nil, c: b.deletion(addr, st.Images[addr])})
	}
	if changes, p.LeftAlone, p.Unchecked, err = b.checkRevisions(changes); err != nil {
		return nil, err
	}
	p.Changes = sortChanges(changes)
	shareRequests(p.Changes)
	hintMoves(p.Changes)
	p.summarize(unchanged)
	return p, nil
}

// builder holds what every change needs.
type builder struct {
	ctx      context.Context
	opts     Options
	statuses map[statusKey]fileStatus
	wanted   map[string]bool // paths that some image outputs
	recorded map[string]bool // paths that the state records
	// folders tells the output folders that do not exist: no file exists
	// in one, so a plan of 100,000 new outputs in a new folder looks at
	// one folder, not at 100,000 files. Made when first needed.
	folders *safepath.Resolver
	st      *state.State // the state, as the moved blocks rename it
	// byRequest indexes st's entries by input hash (see requests).
	byRequest map[state.Hash][]*state.Entry
	refresh   []Refresh
	// toPrice are the changes that write images, priced once the cache
	// has been asked about all of them.
	toPrice []pricing
}

type pricing struct {
	c     *Change
	prior *state.Entry
	img   *spec.Image
}

// priceAll asks the cache about every image the changes write, at once,
// then prices each change.
func (b *builder) priceAll() error {
	if b.opts.Cache != nil {
		var hs []state.Hash
		for _, p := range b.toPrice {
			if needsImage(p.c) && !p.c.Forced {
				hs = append(hs, p.c.InputHash)
				hs = append(hs, candidateHashes(p.img)...)
			}
		}
		if err := b.opts.Cache.Prefetch(b.ctx, hs); err != nil {
			return fmt.Errorf("asking the content cache: %w", err)
		}
	}
	for _, p := range b.toPrice {
		b.price(p.c, p.prior, p.img)
		b.candidatesOf(p.c, p.img)
	}
	return nil
}

func (b *builder) status(addr string, i int) fileStatus { return b.statuses[statusKey{addr, i}] }

// change plans one declared image; nil means nothing to do.
func (b *builder) change(img *spec.Image, prior *state.Entry) (*Change, error) {
	addr := img.Addr.String()
	forced := containsAddr(b.opts.Replace, img.Addr)
	req, origin, err := b.request(img, prior, forced)
	if err != nil {
		return nil, err
	}
	paid := false
	if !forced && prior != nil {
		req, paid = b.paidReplacement(addr, req, prior)
		forced = paid
	}
	// A random seed drawn now (not the recorded one, not a paid job's) is
	// a stand-in until apply, or a saved plan, fixes it.
	drawn := origin == spec.SeedRandom && !paid && (forced || prior == nil || prior.SeedOrigin != string(spec.SeedRandom))
	c := &Change{
		Address:    addr,
		Request:    &req,
		InputHash:  req.InputHash(),
		SeedOrigin: string(origin),
		Outputs:    img.Outputs,
		Prior:      prior,
		Forced:     forced,

		SeedChosenAtApply: drawn,
	}
	if img.Picked != nil {
		c.Picked = img.Picked.Candidate
	}

	switch {
	case prior == nil:
		c.Action = Create
		c.Reasons = append(c.Reasons, Reason{Kind: ReasonNew, Message: "not in the state"})
		if img.Picked != nil {
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonPicked, Message: pickedMessage(img.Picked.Candidate, req.Seed())})
		}
	case paid:
		c.Action = Replace
		c.Reasons = append(c.Reasons, Reason{Kind: ReasonReplaceDue, Message: "an interrupted apply --replace paid for a new image of it: that image is collected and written"})
		c.Diff = diffParams(prior.Request, req)
	case forced:
		c.Action = Replace
		c.Reasons = append(c.Reasons, Reason{Kind: ReasonForced, Message: "replacement requested with --replace"})
		c.Diff = diffParams(prior.Request, req)
	case prior.InputHash != c.InputHash:
		c.Action = Replace
		c.Diff = diffParams(prior.Request, req)
		c.Reasons = append(c.Reasons, Reason{Kind: ReasonParams, Message: paramsMessage(c.Diff)})
		if img.Picked != nil && prior.Request.Seed() != req.Seed() {
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonPicked, Message: pickedMessage(img.Picked.Candidate, req.Seed())})
		}
	case !b.opts.Offline && prior.Generator == state.GeneratorOffline:
		c.Action = Replace
		c.Reasons = append(c.Reasons, Reason{Kind: ReasonOffline, Message: "made by the offline placeholder renderer; now to be generated through the API"})
	case !b.opts.Offline && b.madeByAnotherEmulator(prior):
		c.Action = Replace
		where := "an emulator (its PNG says it is a placeholder)"
		if prior.Endpoint != "" {
			where = "the emulator at " + prior.Endpoint
		}
		c.Reasons = append(c.Reasons, Reason{Kind: ReasonEmulator, Message: fmt.Sprintf("made by %s; now to be generated through the API at %s", where, b.opts.Endpoint)})
	default:
		return b.sameImage(c, img, prior)
	}

	// Create and replace write every output.
	for i, o := range img.Outputs {
		c.Write = append(c.Write, i)
		switch {
		case b.existsUnrecorded(o, prior):
			c.Reasons = append(c.Reasons, b.onDisk(c, o, false, "overwritten"))
		case prior != nil && i < len(prior.Outputs) && prior.Outputs[i].Path == o && b.status(addr, i) == fileEdited:
			c.Reasons = append(c.Reasons, b.onDisk(c, o, true, "replaced"))
		}
	}
	b.allVariants(c, img, prior)
	if prior != nil {
		b.removeUnwanted(c, prior, c.Outputs)
	}
	b.toPrice = append(b.toPrice, pricing{c, prior, img})
	return c, nil
}

// madeByAnotherEmulator reports a recorded image that an emulator served
// as the API's answer, when this plan is for another endpoint: a
// placeholder must not pass for the real API's image. A state written
// before the endpoint was recorded says nothing; then the first output's
// own placeholder chunk tells.
func (b *builder) madeByAnotherEmulator(prior *state.Entry) bool {
	if prior.Generator != state.GeneratorAPI {
		return false
	}
	if prior.Endpoint != "" {
		return prior.Placeholder && prior.Endpoint != b.opts.Endpoint
	}
	if len(prior.Outputs) == 0 {
		return false
	}
	maker, ok := provenance.PlaceholderMakerOfFile(filepath.Join(b.opts.Dir, filepath.FromSlash(prior.Outputs[0].Path)))
	return ok && maker != provenance.MadeOffline
}

// paidReplacement finds a journaled job that an interrupted forced
// replacement of addr submitted, for the image's current request: the
// same request, or the same but for a random seed drawn anew. It returns
// the request of that job, and whether there is one.
func (b *builder) paidReplacement(addr string, req model.Request, prior *state.Entry) (model.Request, bool) {
	if b.opts.PaidReplacements == nil || b.opts.Offline {
		return req, false
	}
	jobs := b.opts.PaidReplacements(addr)
	if len(jobs) == 0 || prior.InputHash != req.InputHash() {
		return req, false // (the hash is worked out only when there is a job)
	}
	for _, job := range jobs {
		candidate := req.WithSeed(job.Seed)
		if candidate.InputHash() == job.InputHash {
			return candidate, true
		}
	}
	return req, false
}

// sameImage plans an image whose request is unchanged: outputs moved,
// missing or edited on disk, variants to derive.
func (b *builder) sameImage(c *Change, img *spec.Image, prior *state.Entry) (*Change, error) {
	if len(prior.Outputs) != len(c.Outputs) {
		// The sample count is part of the request, so this cannot happen
		// with a state imgform wrote.
		return nil, fmt.Errorf("the state records %d outputs for %s, but its request makes %d; the state was edited by hand", len(prior.Outputs), c.Address, len(c.Outputs))
	}
	for i, want := range c.Outputs {
		old := prior.Outputs[i]
		st := b.status(c.Address, i)
		if old.Path == want {
			switch st {
			case fileRefresh:
				b.refresh = append(b.refresh, Refresh{Address: c.Address, Index: i, Path: want})
			case fileMissing:
				c.Write = append(c.Write, i)
				c.Reasons = append(c.Reasons, Reason{Kind: ReasonMissing, Path: want, Message: want + " is missing"})
			case fileEdited:
				c.Write = append(c.Write, i)
				c.Reasons = append(c.Reasons, b.onDisk(c, want, true, "restored"))
			}
			continue
		}
		c.Reasons = append(c.Reasons, Reason{Kind: ReasonMoved, Path: want, Message: fmt.Sprintf("output moved: %s → %s", old.Path, want)})
		switch st {
		case fileOK, fileRefresh:
			c.Moves = append(c.Moves, Rename{From: old.Path, To: want})
		case fileMissing:
			c.Write = append(c.Write, i)
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonMissing, Path: old.Path, Message: old.Path + " is missing"})
		case fileEdited:
			c.Write = append(c.Write, i)
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonKept, Path: old.Path,
				Message: old.Path + " was changed on disk; it is left where it is and the image is written anew"})
		}
		if b.existsUnrecorded(want, prior) {
			c.Reasons = append(c.Reasons, b.onDisk(c, want, false, "overwritten"))
		}
	}
	b.sameVariants(c, img, prior)
	switch {
	case len(c.Write) > 0:
		c.Action = Restore
	case len(c.Moves) > 0:
		c.Action = Move
	case len(c.Derive) > 0 || len(c.Remove) > 0:
		c.Action = Derive
	default:
		return nil, nil
	}
	c.Generator = prior.Generator
	b.toPrice = append(b.toPrice, pricing{c, prior, img})
	return c, nil
}

// needsImage reports a change that needs its image's bytes: to write
// outputs, or to derive variants from.
func needsImage(c *Change) bool { return len(c.Write) > 0 || len(c.Derive) > 0 }

// price sets what a change that writes images costs, and which generator
// will have made them.
func (b *builder) price(c *Change, prior *state.Entry, img *spec.Image) {
	if !needsImage(c) {
		return
	}
	// A forced replacement asks for the image anew: the cache may not
	// stand in for it.
	c.Cached = !c.Forced && b.fromCache(c, prior)
	if len(c.Write) == 0 && prior != nil && prior.InputHash == c.InputHash && !c.Cached && !c.Forced {
		// Variants of the recorded image: derived from an output that
		// still holds it, or the image is made again. (A forced
		// replacement is made anew whatever holds it: a replacement.)
		if b.outputHoldsImage(c, prior) {
			c.FromOutput = true
			return
		}
		b.makeAgain(c, img, prior)
	}
	resumes := !c.Cached && !b.opts.Offline && b.opts.Submitted != nil && b.opts.Submitted(c.InputHash, c.Forced)
	switch {
	case resumes:
		c.Resumes = true
		c.Generator = state.GeneratorAPI
	case c.Cached:
		// The cache holds what the API made.
		c.Generator = state.GeneratorAPI
	case c.Action == Restore && prior != nil && prior.Generator == state.GeneratorOffline:
		c.Generator = state.GeneratorOffline // a placeholder is re-rendered for free
	case b.opts.Offline:
		c.Generator = state.GeneratorOffline
	default:
		c.Generator = state.GeneratorAPI
		c.Cost = c.Request.Samples()
	}
}

// fromCache reports whether the cache can give the change its images
// (see CacheServes). When it holds a copy it may not use, a reason says
// why the change costs.
func (b *builder) fromCache(c *Change, prior *state.Entry) bool {
	if b.opts.Cache == nil {
		return false
	}
	info, ok := b.opts.Cache.Lookup(b.ctx, c.InputHash, c.Request.Samples())
	switch {
	case info.Damage != "":
		c.Reasons = append(c.Reasons, Reason{Kind: ReasonCacheUnusable, Message: "the cache's copy cannot be used (" + info.Damage + ")"})
		return false
	case !ok:
		return false
	}
	serves, bad := CacheServes(info, c, prior, b.opts.Offline, b.opts.Endpoint)
	if bad >= 0 {
		c.Reasons = append(c.Reasons, Reason{Kind: ReasonCacheUnusable, Path: c.Outputs[bad],
			Message: "the cache's copy is not the image the state recorded for " + c.Outputs[bad]})
	}
	c.FromTeamCache = serves && info.Remote
	return serves
}

// CacheServes reports whether a cached copy (what info says of it) may
// give change c its images: an emulator's placeholder stands in only for
// images of that same emulator (the endpoint apply calls, never offline),
// and a restore must get back exactly the image prior recorded, never a
// copy swapped for another image's. bad is the output whose recorded
// image the copy is not, -1 when none. The plan asks it, and apply again
// with the state as its run has it.
func CacheServes(info cache.Info, c *Change, prior *state.Entry, offline bool, endpoint string) (serves bool, bad int) {
	if info.Placeholder && (offline || info.Endpoint == "" || info.Endpoint != endpoint) {
		return false, -1
	}
	if prior == nil || prior.InputHash != c.InputHash {
		return true, -1
	}
	for _, i := range c.Write {
		if i < len(prior.Outputs) && i < len(info.Files) && !prior.Outputs[i].SourceSHA256.IsZero() && prior.Outputs[i].SourceSHA256 != info.Files[i] {
			return false, i
		}
	}
	return true, -1
}

// removeUnwanted plans the removal of the prior outputs that the image
// no longer writes (keep), unless they were edited or another image wants
// them.
func (b *builder) removeUnwanted(c *Change, prior *state.Entry, keep []string) {
	kept := map[string]bool{}
	for _, o := range keep {
		kept[o] = true
	}
	for i, o := range prior.Outputs {
		if kept[o.Path] || b.wanted[o.Path] {
			continue
		}
		switch b.status(c.Address, i) {
		case fileOK, fileRefresh:
			c.Remove = append(c.Remove, o.Path)
		case fileEdited:
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonKept, Path: o.Path,
				Message: o.Path + " was changed on disk since imgform wrote it; it is left in place"})
		}
	}
}

// deletion plans the removal of an image that is no longer declared.
func (b *builder) deletion(addr string, prior *state.Entry) *Change {
	c := &Change{
		Address:   addr,
		Action:    Delete,
		Reasons:   []Reason{{Kind: ReasonRemoved, Message: "no longer in the configuration"}},
		InputHash: prior.InputHash,
		Prior:     prior,
	}
	b.removeUnwanted(c, prior, nil)
	b.removeUnwantedVariants(c, prior)
	for _, o := range prior.Outputs {
		c.Outputs = append(c.Outputs, o.Path)
	}
	return c
}

// existsUnrecorded reports a file at the output path out that the state
// does not record (so writing there would overwrite something imgform did
// not make).
func (b *builder) existsUnrecorded(out string, prior *state.Entry) bool {
	if b.recorded[out] {
		return false
	}
	if b.folders == nil {
		b.folders = safepath.NewResolver(b.opts.Dir)
	}
	if b.folders.Absent(path.Dir(out)) {
		return false
	}
	_, err := os.Lstat(filepath.Join(b.opts.Dir, filepath.FromSlash(out)))
	return err == nil
}

func (b *builder) request(img *spec.Image, prior *state.Entry, forced bool) (model.Request, spec.SeedOrigin, error) {
	return ResolveRequest(img, prior, forced, b.opts.Rand)
}

// ResolveRequest returns the request to record for an image, given the
// state's entry for its address (nil when there is none). A derived or
// random seed sticks once recorded: an image keeps the seed it was made
// with (across state mv, too) until its configuration says otherwise; a
// random seed is drawn from rnd anew only when the image is created or
// replaced on request (forced).
func ResolveRequest(img *spec.Image, prior *state.Entry, forced bool, rnd io.Reader) (model.Request, spec.SeedOrigin, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	req := img.Request
	origin := img.SeedOrigin
	sticky := prior != nil && prior.SeedOrigin == string(origin)
	switch origin {
	case spec.SeedDerived:
		if sticky {
			req = req.WithSeed(prior.Request.Seed())
		}
	case spec.SeedRandom:
		if sticky && !forced {
			req = req.WithSeed(prior.Request.Seed())
			break
		}
		seed, err := randomSeed(rnd, req.Schema().MaxSeed())
		if err != nil {
			return req, origin, err
		}
		req = req.WithSeed(seed)
	}
	return req, origin, nil
}

func randomSeed(r io.Reader, maxSeed int64) (int64, error) {
	var buf [8]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return 0, fmt.Errorf("drawing a random seed: %w", err)
	}
	return int64(binary.BigEndian.Uint64(buf[:]) % uint64(maxSeed+1)), nil
}

// selects reports whether the targets select addr; no targets select all.
func selects(targets []spec.Address, addr string) bool {
	if len(targets) == 0 {
		return true
	}
	a, err := spec.ParseAddress(addr)
	return err == nil && containsAddr(targets, a)
}

// selectsAddr is selects for an address that is already parsed.
func selectsAddr(targets []spec.Address, a spec.Address) bool {
	return len(targets) == 0 || containsAddr(targets, a)
}

// containsAddr reports whether one of the addresses in list selects a.
func containsAddr(list []spec.Address, a spec.Address) bool {
	for _, t := range list {
		if t.Contains(a) {
			return true
		}
	}
	return false
}

// checkReplaceTargets refuses a --replace address that selects no image
// of the configuration, naming the closest ones.
func checkReplaceTargets(images []*spec.Image, replace []spec.Address) error {
	for _, r := range replace {
		found := false
		for _, img := range images {
			if r.Contains(img.Addr) {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("--replace %s: no image in the configuration has that address%s", r, spec.DidYouMeanAddress(r.String(), declaredAddresses(images)))
		}
	}
	return nil
}

// checkTargets refuses a --target address that selects nothing: no image
// of the configuration, none the state records (which a plan would
// delete) and no moved block's source. A plan that silently says "No
// changes" for a typo would look like success.
func checkTargets(images []*spec.Image, st *state.State, moves []spec.Move, targets []spec.Address) error {
	for _, t := range targets {
		found := slices.ContainsFunc(images, func(img *spec.Image) bool { return t.Contains(img.Addr) })
		for addr := range st.Images {
			if found {
				break
			}
			a, err := spec.ParseAddress(addr)
			found = err == nil && t.Contains(a)
		}
		for _, m := range moves {
			if found {
				break
			}
			found = t.Contains(m.From) || t.Contains(m.To)
		}
		if !found {
			cands := append(declaredAddresses(images), st.Addresses()...)
			return fmt.Errorf("no image matches --target %s%s", t, spec.DidYouMeanAddress(t.String(), cands))
		}
	}
	return nil
}

// declaredAddresses lists the configuration's image addresses.
func declaredAddresses(images []*spec.Image) []string {
	addrs := make([]string, len(images))
	for i, img := range images {
		addrs[i] = img.Addr.String()
	}
	return addrs
}

// addressedChange is a change with its address parsed, for sorting.
type addressedChange struct {
	addr spec.Address
	ok   bool // the address parsed (a state edited by hand may hold one that does not)
	c    *Change
}

// sortChanges orders changes by address as spec orders images (so that
// image.x[2] comes before image.x[10]) and returns them. The addresses
// come parsed: parsing 10,000 of them again would cost more than the
// rest of the plan.
func sortChanges(ks []addressedChange) []*Change {
	sort.SliceStable(ks, func(i, j int) bool {
		if !ks[i].ok || !ks[j].ok {
			return ks[i].c.Address < ks[j].c.Address
		}
		return ks[i].addr.Compare(ks[j].addr) < 0
	})
	if len(ks) == 0 {
		return nil
	}
	changes := make([]*Change, len(ks))
	for i := range ks {
		changes[i] = ks[i].c
	}
	return changes
}

// shareRequests charges a request that several images make (the same
// prompt, seed and parameters written to two paths, say) once: apply asks
// the API for it once and writes its images to all of them.
func shareRequests(changes []*Change) {
	first := map[state.Hash]string{}
	for _, c := range changes {
		if c.Cost == 0 {
			continue
		}
		if addr, ok := first[c.InputHash]; ok {
			c.Cost = 0
			c.SameRequestAs = addr
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonSameRequest,
				Message: "the same request as " + addr + ": generated once, written to both"})
			continue
		}
		first[c.InputHash] = c.Address
	}
}

func overwriteReason(path string) Reason {
	return Reason{Kind: ReasonOverwrite, Path: path,
		Message: fmt.Sprintf("%s exists but is not in the state; it is kept in %s/ and overwritten (imgform import adopts a file instead)", path, KeptDir)}
}

// KeptDir is where apply keeps a copy of every file it writes over whose
// content is not what the state recorded (a hand edit, a file imgform did
// not write), in a folder per run: .imgform/kept/<time>/<path>.
const KeptDir = ".imgform/kept"
