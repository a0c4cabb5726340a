package apply

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/pngtext"
	"github.com/imgform/imgform/internal/segmind/emulator"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// quick is an emulator that answers fast and has credits to spare.
var quick = emulator.Options{Latency: 20 * time.Millisecond, Credits: -1}

func tiles(n int) []*spec.Image {
	var out []*spec.Image
	for i := range n {
		out = append(out, testImage("tile", i, "tile number "+string(rune('A'+i)), "tiles/"+string(rune('a'+i))+".png"))
	}
	return out
}

// checkState checks that the state file records exactly the addresses
// given, each output with the hash of the file on disk.
func (w *workspace) checkState(addresses ...string) *state.State {
	w.t.Helper()
	_, st := w.load()
	if diff := cmp.Diff(addresses, st.Addresses()); diff != "" {
		w.t.Errorf("state addresses (-want +got):\n%s", diff)
	}
	for addr, e := range st.Images {
		for _, o := range e.Outputs {
			if got := state.SumBytes(w.read(o.Path)); got != o.SHA256 {
				w.t.Errorf("%s: %s has hash %s, the state records %s", addr, o.Path, got.Short(), o.SHA256.Short())
			}
		}
	}
	return st
}

func TestRunGenerates(t *testing.T) {
	tests := []struct {
		name  string
		sync  bool
		route string // the generation endpoint used
		other string // the one not used
	}{
		{"async through v2", false, "POST /v2/{model}", "POST /v1/{model}"},
		{"sync through v1", true, "POST /v1/{model}", "POST /v2/{model}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := quick
			opts.Blocklist = []string{"forbidden"}
			w := newWorkspace(t).withEmulator(opts, "test-key")
			images := []*spec.Image{
				testImage("tile", 0, "a quiet harbour", "tiles/0.png"),
				testImage("tile", 1, "a forbidden fruit", "tiles/1.png"),
				testImage("tile", 2, "a mountain pass", "tiles/2.jpg"),
				testImage("tile", 3, "two moons", "tiles/3a.png", "tiles/3b.png"),
			}
			run := w.options()
			run.Sync = tt.sync
			s, err := w.apply(context.Background(), images, run)
			if err != nil {
				t.Fatalf("a blocked prompt stopped the run: %v", err)
			}

			if len(s.Failed) != 1 || s.Failed[0].Address != "image.tile[1]" ||
				!strings.Contains(s.Failed[0].Reason, `content_policy_violation: the prompt contains the blocked word "forbidden"`) {
				t.Errorf("failed %+v, want image.tile[1] with the server's reason", s.Failed)
			}
			if s.Created != 3 || s.Generated != 4 || s.NotStarted != 0 {
				t.Errorf("created %d, generated %d, not started %d; want 3, 4, 0", s.Created, s.Generated, s.NotStarted)
			}
			stats := w.emu.Stats()
			if stats.Generated != 4 {
				t.Errorf("the emulator generated %d images, want 4", stats.Generated)
			}
			if got := w.apiRequests(); got[tt.route] != 4 || got[tt.other] != 0 {
				t.Errorf("requests %v: want 4 to %s and none to %s", got, tt.route, tt.other)
			}

			st := w.checkState("image.tile[0]", "image.tile[2]", "image.tile[3]")
			if w.exists("tiles/1.png") {
				t.Error("the blocked image's output exists")
			}
			for addr, e := range st.Images {
				if e.Generator != state.GeneratorAPI || !w.cache.Has(t.Context(), e.InputHash, len(e.Outputs)) {
					t.Errorf("%s: generator %q, cached %v; want api, cached", addr, e.Generator, w.cache.Has(t.Context(), e.InputHash, len(e.Outputs)))
				}
				if !tt.sync && e.Outputs[0].RequestID == "" {
					t.Errorf("%s: no request id recorded", addr)
				}
			}
			if ids := w.journaled(); len(ids) != 0 {
				t.Errorf("jobs left in the journal: %v", ids)
			}

			chunks, err := pngtext.Read(w.read("tiles/3b.png"))
			if err != nil {
				t.Fatal(err)
			}
			if chunks["imgform:address"] != "image.tile[3]" || !strings.HasPrefix(chunks["parameters"], "two moons\nSteps: 7,") {
				t.Errorf("tiles/3b.png provenance: %q", chunks)
			}
			if _, err := jpeg.Decode(bytes.NewReader(w.read("tiles/2.jpg"))); err != nil {
				t.Errorf("tiles/2.jpg is not a JPEG: %v", err)
			}
		})
	}
}

func TestRunFatal(t *testing.T) {
	slow := func(opts emulator.Options) emulator.Options {
		opts.Latency = 500 * time.Millisecond // jobs that are accepted stay in flight
		return opts
	}
	tests := []struct {
		name      string
		emulator  *emulator.Options // nil: nothing listens
		key       string
		reason    generate.Reason // of the fatal error
		message   string
		submitted int64 // jobs the server accepted before the stop
	}{
		{"wrong key: 401", &emulator.Options{APIKey: "the-right-key", Credits: -1}, "a-wrong-key", generate.BadKey, "Invalid API key", 0},
		{"no credits: 406", &emulator.Options{Credits: 0}, "k", generate.NoCredits, "Not enough credits", 0},
		// The jobs accepted before the 406 are paid for: the run stops
		// submitting, but follows them to their images and writes those.
		{"credits run out with jobs in flight: 406", &emulator.Options{Credits: 2}, "k", generate.NoCredits, "Not enough credits", 2},
		{"unreachable endpoint", nil, "k", generate.Unreachable, "cannot be reached (3 attempts)", 0},
	}
	const n = 8
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorkspace(t)
			if tt.emulator != nil {
				w.withEmulator(slow(*tt.emulator), tt.key)
			} else {
				srv := httptest.NewServer(http.NotFoundHandler())
				srv.Close()
				w.client = newTestClient(t, srv.URL, tt.key)
			}
			start := time.Now()
			s, err := w.apply(context.Background(), tiles(n), w.options())
			elapsed := time.Since(start)

			var fatal *FatalError
			if !errors.As(err, &fatal) {
				t.Fatalf("Run = %v, want a *FatalError", err)
			}
			var apiErr *generate.Error
			if !errors.As(err, &apiErr) || apiErr.Reason != tt.reason || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Run = %v; want %v and %q", err, tt.reason, tt.message)
			}
			if strings.Contains(err.Error(), tt.key) {
				t.Errorf("the error shows the key: %v", err)
			}
			if elapsed > 2*time.Second {
				t.Errorf("the run took %v to stop", elapsed)
			}
			done := int(tt.submitted)
			want := &Summary{Created: done, Generated: done, NotStarted: n - done}
			if diff := cmp.Diff(want, s, ignoreSpend); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
			if price := model.Default.PriceUSD; math.Abs(s.SpentUSD-float64(done)*price) > 1e-9 || s.PossiblyBilledUSD != 0 {
				t.Errorf("spent $%v (possibly billed $%v), want $%v for %d images", s.SpentUSD, s.PossiblyBilledUSD, float64(done)*price, done)
			}
			if done == 0 && (w.exists("tiles") || w.exists("imgform.state.json")) {
				t.Error("a stopped run wrote outputs or a state")
			}
			if w.emu == nil {
				return
			}
			stats := w.emu.Stats()
			if stats.JobsSubmitted != tt.submitted || stats.Generated != tt.submitted {
				t.Errorf("the server accepted %d jobs and made %d images, want %d", stats.JobsSubmitted, stats.Generated, tt.submitted)
			}
			if done > 0 && len(w.recorded()) != done {
				t.Errorf("the state records %v, want the %d images paid for", w.recorded(), done)
			}
			if got := w.journaled(); len(got) != 0 {
				t.Errorf("jobs left in the journal: %v", got)
			}
		})
	}
}

// submitAndRecord submits the change for image with the client, as an
// earlier run would have, and journals it.
func (w *workspace) submitAndRecord(img *spec.Image) state.JobRecord {
	w.t.Helper()
	p, _, _ := w.plan([]*spec.Image{img}, false)
	c := p.Changes[0]
	job, err := w.client.Submit(context.Background(), *c.Request)
	if err != nil {
		w.t.Fatal(err)
	}
	e := state.JobRecord{Address: c.Address, InputHash: c.InputHash, Samples: c.Request.Samples(), Endpoint: w.client.BaseURL(), Job: *job}
	if err := w.journal.Record(w.t.Context(), e); err != nil {
		w.t.Fatal(err)
	}
	return e
}

func TestRunResumesJournaledJob(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	hero := testImage("hero", 0, "a lighthouse in a storm", "hero.png")
	entry := w.submitAndRecord(hero)

	p, file, st := w.plan([]*spec.Image{hero}, false)
	if !p.Changes[0].Resumes || p.Summary.Generate != 0 {
		t.Errorf("the plan does not resume the journaled job: resumes %v, generate %d", p.Changes[0].Resumes, p.Summary.Generate)
	}
	rec := &recorder{}
	run := w.options()
	run.Events = rec
	s, err := Run(context.Background(), p, file, st, run)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Summary{Created: 1, Resumed: 1}, s, ignoreSpend); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	stats := w.emu.Stats()
	if stats.JobsSubmitted != 1 || stats.Generated != 1 {
		t.Errorf("jobs submitted %d, generated %d; want 1, 1 (the journaled job only)", stats.JobsSubmitted, stats.Generated)
	}
	if len(rec.of(EventResumed)) != 1 || len(rec.of(EventSubmitted)) != 0 {
		t.Errorf("%d resumed and %d submitted events, want 1 and 0", len(rec.of(EventResumed)), len(rec.of(EventSubmitted)))
	}
	got := w.checkState("image.hero[0]")
	if id := got.Images["image.hero[0]"].Outputs[0].RequestID; id != entry.Job.ID {
		t.Errorf("the state records request %q, want the journaled %q", id, entry.Job.ID)
	}
	if ids := w.journaled(); len(ids) != 0 {
		t.Errorf("jobs left in the journal: %v", ids)
	}
	if !w.cache.Has(t.Context(), entry.InputHash, 1) {
		t.Error("the resumed image is not in the cache")
	}
}

func TestRunCollectsOrphanedJobs(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	// An interrupted run submitted this one; then the configuration
	// changed.
	abandoned := testImage("hero", 0, "a lighthouse in a storm", "hero.png")
	orphan := w.submitAndRecord(abandoned)
	current := testImage("hero", 0, "a lighthouse on a calm day", "hero.png")

	s := w.mustApply([]*spec.Image{current}, w.options())
	if diff := cmp.Diff(&Summary{Created: 1, Generated: 1, Collected: 1}, s, ignoreSpend); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if !w.cache.Has(t.Context(), orphan.InputHash, 1) {
		t.Fatal("the orphaned job's image was not collected into the cache")
	}
	if ids := w.journaled(); len(ids) != 0 {
		t.Errorf("jobs left in the journal: %v", ids)
	}
	w.checkState("image.hero[0]")

	// Reverting the prompt costs nothing now.
	p, _, _ := w.plan([]*spec.Image{abandoned}, false)
	if p.Summary.Generate != 0 || !p.Changes[0].Cached {
		t.Errorf("the revert is planned to cost %d", p.Summary.Generate)
	}
	s = w.mustApply([]*spec.Image{abandoned}, w.options())
	if s.Replaced != 1 || s.FromCache != 1 || s.Generated != 0 {
		t.Errorf("revert: %+v, want 1 replaced from the cache", s)
	}
	if got := w.emu.Stats().JobsSubmitted; got != 2 {
		t.Errorf("%d jobs submitted in all, want 2", got)
	}
}

func TestRunResubmitsLostJobs(t *testing.T) {
	tests := []struct {
		name      string
		lose      func(w *workspace, e *state.JobRecord)
		submitted int64 // jobs in all, the lost one's included when it was real
		notFound  int64 // status polls answered 404
	}{
		{"unknown to the server (404)", func(w *workspace, e *state.JobRecord) {
			const id = "00000000-0000-4000-8000-000000000000"
			e.Job = model.Job{ID: id, StatusURL: w.url + "/v2/requests/" + id + "/status",
				ResponseURL: w.url + "/v2/requests/" + id, Submitted: time.Now()}
		}, 1, 1},
		{"older than results live", func(w *workspace, e *state.JobRecord) {
			job, err := w.client.Submit(context.Background(), model.NewRequest(model.NewRealityLightning).WithPrompt("whatever"))
			if err != nil {
				w.t.Fatal(err)
			}
			e.Job = *job
			e.Job.Submitted = time.Now().Add(-JobRetention - time.Minute)
		}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorkspace(t).withEmulator(quick, "k")
			hero := testImage("hero", 0, "a lighthouse", "hero.png")
			p, _, _ := w.plan([]*spec.Image{hero}, false)
			c := p.Changes[0]
			e := state.JobRecord{Address: c.Address, InputHash: c.InputHash, Samples: 1, Endpoint: w.client.BaseURL()}
			tt.lose(w, &e)
			if err := w.journal.Record(w.t.Context(), e); err != nil {
				t.Fatal(err)
			}

			s := w.mustApply([]*spec.Image{hero}, w.options())
			// A job the server no longer knows is counted as lost: the
			// summary says its image was paid for again.
			if diff := cmp.Diff(&Summary{Created: 1, Generated: 1, Lost: int(tt.notFound)}, s, ignoreSpend); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
			stats := w.emu.Stats()
			if stats.JobsSubmitted != tt.submitted {
				t.Errorf("%d jobs submitted, want %d", stats.JobsSubmitted, tt.submitted)
			}
			if got := stats.Requests["GET /v2/requests/{id}/status"]["404"]; got != tt.notFound {
				t.Errorf("%d status polls answered 404, want %d", got, tt.notFound)
			}
			if ids := w.journaled(); len(ids) != 0 {
				t.Errorf("jobs left in the journal: %v", ids)
			}
			w.checkState("image.hero[0]")
		})
	}
}

func TestRunInterruptedBeforeStart(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	interrupt := make(chan struct{})
	close(interrupt)
	rec := &recorder{}
	run := w.options()
	run.Interrupt, run.Events = interrupt, rec
	s, err := w.apply(context.Background(), tiles(4), run)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run = %v, want ErrInterrupted", err)
	}
	if diff := cmp.Diff(&Summary{Interrupted: true, NotStarted: 4}, s, ignoreSpend); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if started := rec.of(EventStarted); len(started) != 0 {
		t.Errorf("changes started: %v", started)
	}
	if got := w.apiRequests(); len(got) != 0 {
		t.Errorf("requests to the API: %v", got)
	}
	if w.exists("imgform.state.json") {
		t.Error("the state was written")
	}
}

func TestRunCancelledWhileWaiting(t *testing.T) {
	opts := quick
	opts.Latency = 300 * time.Millisecond
	w := newWorkspace(t).withEmulator(opts, "k")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	rec := &recorder{hook: func(e Event) {
		if e.Type == EventSubmitted {
			once.Do(cancel) // the second Ctrl-C, with the job in flight
		}
	}}
	run := w.options()
	run.Parallelism, run.Events = 1, rec
	images := tiles(2)
	s, err := w.apply(ctx, images, run)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run = %v, want ErrInterrupted", err)
	}
	if diff := cmp.Diff(&Summary{Interrupted: true, NotStarted: 2, Journaled: 1}, s, ignoreSpend); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	submitted := rec.of(EventSubmitted)
	if len(submitted) != 1 {
		t.Fatalf("%d jobs submitted, want 1", len(submitted))
	}
	if diff := cmp.Diff([]string{submitted[0].RequestID}, w.journaled()); diff != "" {
		t.Errorf("journal (-want +got):\n%s", diff)
	}

	// The next run follows the job instead of paying again.
	s = w.mustApply(images, w.options())
	if diff := cmp.Diff(&Summary{Created: 2, Resumed: 1, Generated: 1}, s, ignoreSpend); diff != "" {
		t.Errorf("second run's summary (-want +got):\n%s", diff)
	}
	if got := w.emu.Stats().JobsSubmitted; got != 2 {
		t.Errorf("%d jobs submitted in all, want 2", got)
	}
	w.checkState("image.tile[0]", "image.tile[1]")
}

// TestRunCancelledWhileSubmitting cancels the run while the server takes
// a job: the job is paid for, so its id must still reach the journal.
func TestRunCancelledWhileSubmitting(t *testing.T) {
	emu := emulator.New(quick)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if isSubmit(r) {
			cancel() // the second Ctrl-C, with the request at the server
		}
		emu.ServeHTTP(rw, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	w := newWorkspace(t)
	w.emu, w.client = emu, newTestClient(t, srv.URL, "k")
	run := w.options()
	run.Parallelism = 1
	s, err := w.apply(ctx, tiles(2), run)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run = %v, want ErrInterrupted", err)
	}
	if diff := cmp.Diff(&Summary{Interrupted: true, NotStarted: 2, Journaled: 1}, s, ignoreSpend); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got := emu.Stats().JobsSubmitted; got != 1 {
		t.Fatalf("%d jobs submitted, want 1", got)
	}
	if ids := w.journaled(); len(ids) != 1 {
		t.Errorf("journal %v: the job the server took is not in it", ids)
	}
}

// faultyAPI answers the first n requests that match with status (and a
// Retry-After of retryAfter, when set); everything else goes to next.
type faultyAPI struct {
	next       http.Handler
	match      func(r *http.Request) bool
	n          int // -1: all of them
	status     int
	retryAfter string

	mu   sync.Mutex
	seen int
}

func (f *faultyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.match(r) {
		f.mu.Lock()
		f.seen++
		fail := f.n < 0 || f.seen <= f.n
		f.mu.Unlock()
		if fail {
			if f.retryAfter != "" {
				w.Header().Set("Retry-After", f.retryAfter)
			}
			http.Error(w, `{"error": "injected by the test"}`, f.status)
			return
		}
	}
	f.next.ServeHTTP(w, r)
}

func isSubmit(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/v2/"+model.NewRealityLightning.ID
}
func isStatus(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/status")
}

func TestRunRetries(t *testing.T) {
	tests := []struct {
		name       string
		match      func(*http.Request) bool
		n          int
		status     int
		retryAfter string
		retries    int    // retry events
		failed     string // in the reason of the failed image; "" when it lands
		submitted  int64
		billed     int // requests possibly billed
	}{
		// A 5xx to a submit may come after the API made the job: it is
		// sent once more, never twice.
		{"submit answered 502 once", isSubmit, 1, http.StatusBadGateway, "", 1, "", 1, 1},
		{"submit answered 504 once", isSubmit, 1, http.StatusGatewayTimeout, "", 1, "", 1, 1},
		{"submit answered 500 twice: possibly billed, not sent a third time", isSubmit, 2, http.StatusInternalServerError, "", 1, "possibly billed (2 requests)", 0, 2},
		{"submit always 503", isSubmit, -1, http.StatusServiceUnavailable, "", 1, "possibly billed (2 requests)", 0, 2},
		{"submit throttled twice", isSubmit, 2, http.StatusTooManyRequests, "0", 2, "", 1, 0},
		{"status poll answered 502 once", isStatus, 1, http.StatusBadGateway, "", 1, "", 1, 0},
		{"status poll answered 500 twice", isStatus, 2, http.StatusInternalServerError, "", 2, "", 1, 0},
		{"submit answered 400: no retry", isSubmit, -1, http.StatusBadRequest, "", 0, "400 Bad Request", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := emulator.New(quick)
			srv := httptest.NewServer(&faultyAPI{next: emu, match: tt.match, n: tt.n, status: tt.status, retryAfter: tt.retryAfter})
			t.Cleanup(func() {
				srv.Close()
				emu.Close()
			})
			w := newWorkspace(t)
			w.emu, w.client = emu, newTestClient(t, srv.URL, "k")
			rec := &recorder{}
			run := w.options()
			run.Events = rec
			s, err := w.apply(context.Background(), []*spec.Image{testImage("hero", 0, "a lighthouse", "hero.png")}, run)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			// A 429 is a throttled event (the display shows one calm line),
			// any other retried failure a retry event.
			if got := len(rec.of(EventRetry)) + len(rec.of(EventThrottled)); got != tt.retries {
				t.Errorf("%d retries, want %d: %v %v", got, tt.retries, rec.of(EventRetry), rec.of(EventThrottled))
			}
			if tt.status == http.StatusTooManyRequests {
				for _, e := range rec.of(EventThrottled) {
					if e.Concurrency < 1 || e.Delay <= 0 && tt.retryAfter != "0" {
						t.Errorf("throttled event %+v: want the concurrency now and the wait", e)
					}
				}
			}
			switch {
			case tt.failed == "":
				if s.Created != 1 || len(s.Failed) != 0 {
					t.Errorf("created %d, failed %v; want the image created", s.Created, s.Failed)
				}
			case len(s.Failed) != 1 || !strings.Contains(s.Failed[0].Reason, tt.failed):
				t.Errorf("failed %v, want the image failed with %q", s.Failed, tt.failed)
			}
			if got := emu.Stats().JobsSubmitted; got != tt.submitted {
				t.Errorf("%d jobs submitted, want %d", got, tt.submitted)
			}
			if s.PossiblyBilled != tt.billed {
				t.Errorf("%d requests possibly billed, want %d", s.PossiblyBilled, tt.billed)
			}
		})
	}
}

// A server that answers 429 for longer than the throttle budget stops the
// run: its rate limit is below what the run asks, which waiting longer per
// image would not change.
func TestRunThrottledPastTheBudget(t *testing.T) {
	emu := emulator.New(quick)
	srv := httptest.NewServer(&faultyAPI{next: emu, match: isSubmit, n: -1, status: http.StatusTooManyRequests})
	t.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	w := newWorkspace(t)
	w.emu, w.client = emu, newTestClient(t, srv.URL, "k")
	rec := &recorder{}
	run := w.options()
	run.Events = rec
	start := time.Now()
	s, err := w.apply(context.Background(), []*spec.Image{testImage("hero", 0, "a lighthouse", "hero.png")}, run)
	var fatal *FatalError
	if !errors.As(err, &fatal) || !strings.Contains(err.Error(), "429 (too many requests)") || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("Run: %v, want a FatalError about the rate limit", err)
	}
	if took := time.Since(start); took < fastRetry.ThrottleBudget {
		t.Errorf("gave up after %v, before the budget of %v", took, fastRetry.ThrottleBudget)
	}
	if len(rec.of(EventThrottled)) < 2 {
		t.Errorf("%d throttled events, want the throttled submit retried until the budget ran out", len(rec.of(EventThrottled)))
	}
	if s.NotStarted != 1 || len(s.Failed) != 0 {
		t.Errorf("not started %d, failed %v: a throttled image is not the image's failure", s.NotStarted, s.Failed)
	}
}

func TestRunCacheBeforeAPI(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	images := tiles(3)
	w.mustApply(images, w.options())
	before := w.checkState("image.tile[0]", "image.tile[1]", "image.tile[2]")
	requests := w.apiRequests()
	for _, img := range images {
		for _, o := range img.Outputs {
			if err := os.Remove(w.path(o)); err != nil {
				t.Fatal(err)
			}
		}
	}

	p, file, st := w.plan(images, false)
	if p.Summary.Restore != 3 || p.Summary.FromCache != 3 || p.Summary.Generate != 0 {
		t.Errorf("plan summary %+v, want 3 restored from the cache", p.Summary)
	}
	rec := &recorder{}
	run := w.options()
	run.Events = rec
	s, err := Run(context.Background(), p, file, st, run)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Summary{Restored: 3, FromCache: 3}, s, ignoreSpend); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(requests, w.apiRequests()); diff != "" {
		t.Errorf("requests to the API (-before +after):\n%s", diff)
	}
	if got := len(rec.of(EventCacheHit)); got != 3 {
		t.Errorf("%d cache hits, want 3", got)
	}
	after := w.checkState("image.tile[0]", "image.tile[1]", "image.tile[2]")
	for addr, e := range after.Images {
		if e.Outputs[0].SHA256 != before.Images[addr].Outputs[0].SHA256 {
			t.Errorf("%s was restored with other bytes", addr)
		}
	}
}
