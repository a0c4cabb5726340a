package apply

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/imgform/imgform/internal/cache"
	cachedir "github.com/imgform/imgform/internal/cache/dir"
	"github.com/imgform/imgform/internal/derive"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/placeholder"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/segmind"
	"github.com/imgform/imgform/internal/segmind/emulator"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/local"
)

// fastRetry keeps the retries of a test short.
var fastRetry = generate.RetryPolicy{
	Attempts:            3,
	UnreachableAttempts: 3,
	Base:                time.Millisecond,
	Cap:                 5 * time.Millisecond,
	MinRetryAfter:       10 * time.Millisecond,
	ThrottleCap:         20 * time.Millisecond,
	ThrottleBudget:      150 * time.Millisecond,
}

// testImage declares an image with a derived seed and one sample per
// output path.
func testImage(name string, key int, prompt string, outputs ...string) *spec.Image {
	addr := spec.Address{Name: name, Kind: spec.IntKey, IntKey: key}
	req := model.NewRequest(model.NewRealityLightning).WithPrompt(prompt).
		WithSeed(spec.DeriveSeed(addr)).With("samples", model.Int(int64(len(outputs))))
	return &spec.Image{Addr: addr, Request: req, SeedOrigin: spec.SeedDerived, Outputs: outputs}
}

// workspace is a configuration directory with its state file, cache and
// job journal, and (when the test needs the API) an emulator on loopback.
type workspace struct {
	t       testing.TB
	dir     string
	cache   *cache.Cache
	journal state.Journal
	emu     *emulator.Server
	url     string
	client  *segmind.Client
	stats   *state.StatCache // nil: plans keep no stat cache
	lock    state.Lock       // the lock of the last plan's run
}

func newWorkspace(t testing.TB) *workspace {
	t.Helper()
	dir := t.TempDir()
	return &workspace{
		t:       t,
		dir:     dir,
		cache:   cache.New(cachedir.New(filepath.Join(dir, ".imgform", "cache"))),
		journal: local.Open(filepath.Join(dir, "imgform.state.json")).Jobs(),
	}
}

// withEmulator starts an emulator and a client for it with the API key
// key. The client expects 50 ms per image, so that it polls soon.
func (w *workspace) withEmulator(opts emulator.Options, key string) *workspace {
	w.t.Helper()
	w.emu = emulator.New(opts)
	srv := httptest.NewServer(w.emu)
	w.t.Cleanup(func() {
		srv.Close()
		w.emu.Close()
	})
	w.url = srv.URL
	w.client = newTestClient(w.t, srv.URL, key)
	return w
}

func newTestClient(t testing.TB, url, key string) *segmind.Client {
	t.Helper()
	c, err := segmind.NewClient(segmind.Config{BaseURL: url, APIKey: key, InferenceTimes: []float64{0.05}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (w *workspace) statePath() string { return filepath.Join(w.dir, "imgform.state.json") }

// load reads the state file as a new run would.
func (w *workspace) load() (state.Backend, *state.State) {
	w.t.Helper()
	b := local.Open(w.statePath())
	st, err := b.Load(w.t.Context())
	if err != nil {
		w.t.Fatal(err)
	}
	return b, st
}

// lockedLoad takes the state lock (letting go of the last run's first)
// and reads the state, as apply does: a run pays only under the lock.
func (w *workspace) lockedLoad() (state.Backend, *state.State) {
	w.t.Helper()
	if w.lock != nil {
		w.lock.Unlock()
	}
	b := local.Open(w.statePath())
	l, err := b.Lock(w.t.Context(), state.LockOptions{Operation: "apply (test)"})
	if err != nil {
		w.t.Fatal(err)
	}
	w.lock = l
	w.t.Cleanup(func() { l.Unlock() })
	st, err := b.Load(w.t.Context())
	if err != nil {
		w.t.Fatal(err)
	}
	return b, st
}

// plan locks and loads the state and plans images against it, with the
// cache and the journal's resumable jobs, as the CLI does.
func (w *workspace) plan(images []*spec.Image, offline bool) (*plan.Plan, state.Backend, *state.State) {
	w.t.Helper()
	file, st := w.lockedLoad()
	opts := plan.Options{Dir: w.dir, Offline: offline, Cache: w.cache, Stats: w.stats}
	if w.client != nil {
		resumable, err := ResumableJobs(w.t.Context(), w.journal, w.client.BaseURL(), time.Now())
		if err != nil {
			w.t.Fatal(err)
		}
		opts.Submitted, opts.PaidReplacements = resumable.Has, resumable.PaidReplacements
		opts.Endpoint = w.client.BaseURL()
	}
	p, err := plan.Make(w.t.Context(), images, st, opts)
	if err != nil {
		w.t.Fatal(err)
	}
	return p, file, st
}

// options are the run options of the workspace; the test changes what it
// needs.
func (w *workspace) options() Options {
	opts := Options{
		Dir:         w.dir,
		Parallelism: 4,
		Renderer:    placeholder.Generator{Maker: placeholder.Offline},
		Cache:       w.cache,
		Retry:       fastRetry,
		Decode:      decode,
	}
	if w.client != nil {
		opts.Generator = w.client
	}
	return opts
}

// decode is derive.Decode as Options.Decode, as cmd wires it.
func decode(image []byte) (VariantSource, error) {
	src, err := derive.Decode(image)
	if err != nil {
		return nil, err
	}
	return src, nil
}

// apply plans images and runs the plan.
func (w *workspace) apply(ctx context.Context, images []*spec.Image, opts Options) (*Summary, error) {
	w.t.Helper()
	p, file, st := w.plan(images, opts.Offline)
	if opts.Lock == nil {
		opts.Lock = w.lock
	}
	return Run(ctx, p, file, st, opts)
}

// mustApply applies images and fails the test on an error or a failed
// change.
func (w *workspace) mustApply(images []*spec.Image, opts Options) *Summary {
	w.t.Helper()
	s, err := w.apply(context.Background(), images, opts)
	if err != nil {
		w.t.Fatalf("apply: %v", err)
	}
	if len(s.Failed) > 0 {
		w.t.Fatalf("apply: failed %v", s.Failed)
	}
	return s
}

func (w *workspace) path(rel string) string { return filepath.Join(w.dir, filepath.FromSlash(rel)) }

func (w *workspace) read(rel string) []byte {
	w.t.Helper()
	data, err := os.ReadFile(w.path(rel))
	if err != nil {
		w.t.Fatal(err)
	}
	return data
}

func (w *workspace) exists(rel string) bool {
	_, err := os.Lstat(w.path(rel))
	return err == nil
}

// journaled returns the request ids in the journal.
func (w *workspace) journaled() []string {
	w.t.Helper()
	entries, err := w.journal.List(w.t.Context())
	if err != nil {
		w.t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.Job.ID)
	}
	return ids
}

// recorded returns the addresses the state file records.
func (w *workspace) recorded() []string {
	w.t.Helper()
	_, st := w.load()
	return st.Addresses()
}

// apiRequests counts the emulator's answers to the API (not its own
// endpoints) by route.
func (w *workspace) apiRequests() map[string]int64 {
	out := map[string]int64{}
	for route, byStatus := range w.emu.Stats().Requests {
		if route == "GET "+emulator.StatsPath || route == "GET "+emulator.ImagesPath+"{id}/{n}.png" {
			continue
		}
		for _, n := range byStatus {
			out[route] += n
		}
	}
	return out
}

// recorder collects a run's events; hook, when set, sees each as it is
// emitted (from the worker that emits it).
type recorder struct {
	mu     sync.Mutex
	events []Event
	hook   func(Event)
}

func (r *recorder) Emit(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.hook != nil {
		r.hook(e)
	}
}

func (r *recorder) of(t EventType) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, e := range r.events {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

func testHash(s string) state.Hash { return state.SumBytes([]byte(s)) }

// ignoreSpend leaves what a run spent out of a comparison of summaries;
// the tests of spending check it.
var ignoreSpend = cmpopts.IgnoreFields(Summary{}, "SpentUSD", "PossiblyBilledUSD")
