package apply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
	"github.com/jonboulle/clockwork"
)

// Options configure a run.
type Options struct {
	// Dir is the configuration directory; output paths are relative to it.
	Dir string
	// Parallelism bounds the changes worked on at once and the images in
	// progress at the API (the adaptive limit starts there).
	Parallelism int
	// Sync uses the v1 sync endpoint instead of v2 submit-and-poll.
	Sync bool
	// Offline makes images with the placeholder renderer, never the API.
	Offline bool
	// Generator makes images through the API; nil when there is none (no
	// key: then a change that needs the API fails the run, ErrNoGenerator).
	Generator generate.Generator
	// Renderer makes placeholders for apply --offline and for restoring
	// an image that was made offline.
	Renderer generate.Generator
	Cache    *cache.Cache
	Events   Events
	// Retry tunes retries; the zero value is generate.DefaultRetryPolicy.
	Retry generate.RetryPolicy
	// Interrupt is closed at the first Ctrl-C: no new change starts, the
	// ones in flight finish. Cancelling the run's context (the second
	// Ctrl-C) stops those too; their jobs stay journaled.
	Interrupt <-chan struct{}
	// CheckpointEvery is the shortest time between state saves while the
	// run goes on; 0 is one second. It is the time between them as long
	// as saving is cheap: after a save that took longer than a tenth of
	// it, the next waits ten times what that save took (on Clock), so
	// that saving a large state takes at most a tenth of the run.
	CheckpointEvery time.Duration
	// RatePerMinute spaces billable requests (submits, synchronous
	// generates) to the account's rate limit; 0 does not pace them.
	RatePerMinute float64
	// MaxCostUSD is the budget: no request is sent that would take what
	// the run spent, may have spent and has in flight past it; nil is
	// none, and 0 allows nothing to be paid.
	MaxCostUSD *float64
	// Clock is the run's time: the waits between attempts, the pace of
	// billable requests, the submission time journaled and the age of
	// journaled records follow it. nil is the real clock; tests drive a
	// clockwork.FakeClock.
	Clock clockwork.Clock
	// SharedState says the state is shared by runners (a backend). With
	// no shared cache beside it (Cache has one store), the journal record
	// of a job whose images are safe is kept until the service forgets
	// the job (JobRetention), instead of dropped once the state records
	// them: another runner then restores those images by following the
	// job, for free, instead of paying again.
	SharedState bool
	// Lock is the state lock the run holds; when it is found lost, no new
	// request is sent (every billable request is preceded by a pending
	// journal record, which the backend writes only under the lock), the
	// jobs in flight are followed into the cache, and the state is saved
	// only under the lock taken again. nil watches nothing; the backend
	// still fences the pending records.
	Lock Lock
	// Preview, when set, makes the run a preview (imgform preview): every
	// image the changes need is obtained as apply would (from the cache,
	// the API, a journaled job or the renderer; what the API makes goes
	// into the cache) and handed to Preview, and nothing else happens: no
	// output file is written, moved or removed, and the state is not
	// changed. An error from Preview fails that change.
	Preview func(c *plan.Change, imgs []model.Image) error
	// Log receives the run's decisions (retries and their reasons, cache
	// hits, checkpoints, cache writes) for IMGFORM_LOG; nil logs nothing.
	Log *slog.Logger
	// Decode decodes an image to derive its variants from: derive.Decode,
	// which cmd wires, so that apply, and view, which imports it for its
	// events, link no codec. nil fails a change that derives a variant.
	Decode func(image []byte) (VariantSource, error)
}

// ErrInterrupted is returned when an interrupt stopped the run before all
// of it was done. What finished is in the state.
var ErrInterrupted = errors.New("apply interrupted")

// FatalError stops a whole run: no request can succeed until someone acts
// (a wrong key, no credits, an unreachable endpoint, a full disk). No new
// image is submitted after it; jobs already accepted are still waited for
// and their images written, unless StopAll says that is pointless too (an
// endpoint that cannot be reached cannot be polled either).
type FatalError struct {
	Err     error
	StopAll bool
}

func (e *FatalError) Error() string { return e.Err.Error() }
func (e *FatalError) Unwrap() error { return e.Err }

// Store is what a run needs of where the state is kept: saving it as it
// goes, the job journal, and the lock, taken again to save what a run
// that lost it finished (see LockLostError).
type Store interface {
	state.Saver
	state.Locker
	state.JobKeeper
}

// Run executes the plan against st, saving it to store as it goes and
// journaling submitted jobs in store's journal. It returns
// the summary of what it did (always), and an error when the run could not
// finish: a *FatalError, ErrInterrupted, or a failure to save the state.
// Changes that failed on their own are listed in the summary and do not
// make an error.
func Run(ctx context.Context, p *plan.Plan, store Store, st *state.State, opts Options) (*Summary, error) {
	if opts.Parallelism < 1 {
		opts.Parallelism = 4
	}
	if opts.Retry == (generate.RetryPolicy{}) {
		opts.Retry = generate.DefaultRetryPolicy
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = time.Second
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	submitCtx, stopSubmits := context.WithCancel(runCtx)
	defer stopSubmits()
	r := wire(ctx, store, st, opts, cancel, submitCtx, stopSubmits)
	rep := r.report
	rep.emit(Event{Type: EventPlanned, Total: len(p.Changes)})
	if opts.Lock != nil {
		watchDone := make(chan struct{})
		defer close(watchDone)
		go r.gate.watch(opts.Lock, watchDone)
	}

	select {
	case <-opts.Interrupt:
		// Interrupted before anything was done: do nothing.
		rep.summary.Interrupted, rep.summary.NotStarted = true, len(p.Changes)
		if err := r.ckpt.close(); err != nil {
			return rep.summary, fmt.Errorf("saving the state: %w", err)
		}
		return rep.summary, ErrInterrupted
	default:
	}
	writes := r.mode.prepare(p)
	r.uploadPending(runCtx)
	if opts.Generator != nil && !opts.Offline {
		r.journal.load()
	}
	r.generate(runCtx, writes)
	r.deriver.wait()
	rep.summary.SpentUSD, rep.summary.PossiblyBilledUSD = r.pipeline.spend.totals()

	saveErr := r.ckpt.close()
	var lostAtSave *state.LockLostError
	if errors.As(saveErr, &lostAtSave) {
		r.gate.loseLock(saveErr) // found by the final save itself
	}
	summary := rep.summary // the workers are done: nothing adds to it now
	if lockLost := r.gate.lost(); lockLost != nil {
		lost := &LockLostError{Err: lockLost, Stranded: summary.Stranded}
		lost.Saved, lost.SaveErr = r.mode.saveAfterLoss(ctx, store)
		r.tallyJournal()
		summary.LockLost = lost.Error()
		return summary, lost
	}
	r.tallyJournal()
	switch fatalErr := r.gate.failure(); {
	case fatalErr != nil:
		var fe *FatalError
		if errors.As(fatalErr, &fe) {
			return summary, fe
		}
		return summary, &FatalError{Err: fatalErr}
	case saveErr != nil:
		return summary, fmt.Errorf("saving the state: %w", saveErr)
	case summary.Interrupted:
		return summary, ErrInterrupted
	}
	return summary, nil
}

// runner is one run of the engine: it walks the plan, handing each
// change to the obtainer and what it obtains to the run's mode; the
// parts it wires do the rest.
type runner struct {
	opts     Options
	report   *report
	gate     *gate
	ckpt     *checkpointer
	journal  *journal
	pipeline *pipeline
	obtainer *obtainer
	deriver  *deriver
	mode     mode
}

// wire builds the parts of a run and hands each the others it uses.
// The run's mode is chosen here, once: a preview changes no file and no
// state (its checkpointer saves nothing), and hands the images over.
func wire(ctx context.Context, store Store, st *state.State, opts Options, cancel context.CancelCauseFunc, submitCtx context.Context, stopSubmits context.CancelFunc) *runner {
	preview := opts.Preview != nil
	endpoint := endpointOf(opts.Generator)
	rep := &report{events: opts.Events, log: cmp.Or(opts.Log, slog.New(slog.DiscardHandler)), summary: &Summary{}}
	fs := files{dir: opts.Dir}
	keeper := newKeeper(fs, st, opts.Clock.Now())
	ckpt := newCheckpointer(ctx, loggedSaver{store, rep.log}, st, opts.CheckpointEvery, opts.Clock, preview, func(err error) {
		rep.emit(Event{Type: EventWarning, Message: "saving the state: " + err.Error()})
	})
	g := &gate{report: rep, ckpt: ckpt, clock: opts.Clock, cancel: cancel, submitCtx: submitCtx, stopSubmits: stopSubmits}
	out := &outputs{files: fs, keeper: keeper, report: rep, gate: g}
	j := newJournal(ctx, store.Jobs(), endpoint, opts, rep, g, ckpt)
	pipe := &pipeline{gen: opts.Generator, sync: opts.Sync, endpoint: endpoint, retry: opts.Retry, clock: opts.Clock, cache: opts.Cache,
		lasting: context.WithoutCancel(ctx), limiter: generate.NewLimiter(opts.Parallelism), pace: generate.NewPace(opts.RatePerMinute, opts.Clock),
		spend: &spend{max: opts.MaxCostUSD}, journal: j, gate: g, report: rep}
	r := &runner{opts: opts, report: rep, gate: g, ckpt: ckpt, journal: j, pipeline: pipe,
		obtainer: &obtainer{cache: opts.Cache, offline: opts.Offline, renderer: opts.Renderer, gen: opts.Generator, endpoint: endpoint,
			files: fs, ckpt: ckpt, report: rep, pipeline: pipe},
		deriver: newDeriver(opts.Decode, out, g)}
	if preview {
		r.mode = &previewing{show: opts.Preview, journal: j, report: rep, clock: opts.Clock}
	} else {
		r.mode = &applying{files: fs, outputs: out, ckpt: ckpt, deriver: r.deriver, journal: j, gate: g, report: rep, clock: opts.Clock}
	}
	return r
}

// isFatal reports an error no other image can get past: a FatalError, or
// a generator's error classed fatal (a refused key, no credits).
func isFatal(err error) bool {
	var fe *FatalError
	return errors.As(err, &fe) || generate.StopsRun(err)
}

// generate runs the changes that write images on a bounded pool of
// workers: resumed jobs first, then the rest in plan order.
func (r *runner) generate(ctx context.Context, changes []*plan.Change) {
	sort.SliceStable(changes, func(i, j int) bool {
		ri := r.journal.resumes(changes[i].InputHash)
		rj := r.journal.resumes(changes[j].InputHash)
		return ri && !rj
	})
	queue := make(chan *plan.Change)
	var wg sync.WaitGroup
	for range min(r.opts.Parallelism, max(len(changes), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range queue {
				r.write(ctx, c)
			}
		}()
	}
	fed := 0
feed:
	for _, c := range changes {
		select {
		case <-r.gate.submitCtx.Done():
			break feed
		case <-r.opts.Interrupt:
			r.report.count(func(s *Summary) { s.Interrupted = true })
			break feed
		default:
		}
		select {
		case queue <- c:
			fed++
		case <-r.gate.submitCtx.Done():
			break feed
		case <-r.opts.Interrupt:
			r.report.count(func(s *Summary) { s.Interrupted = true })
			break feed
		}
	}
	close(queue)
	wg.Wait()
	r.collectOrphans(ctx)
	stopped := r.gate.failure() != nil
	r.report.count(func(s *Summary) {
		s.NotStarted += len(changes) - fed
		if ctx.Err() != nil && !stopped {
			s.Interrupted = true
		}
	})
}

// write obtains a change's images and writes its outputs.
func (r *runner) write(ctx context.Context, c *plan.Change) {
	start := r.opts.Clock.Now()
	r.report.emit(Event{Type: EventStarted, Address: c.Address, Action: c.Action})
	got, err := r.obtainer.obtain(ctx, c)
	if err != nil {
		r.notObtained(ctx, c, err)
		return
	}
	if len(got.images) < len(c.Outputs) {
		r.report.fail(c, fmt.Errorf("the generator returned %d images for %d outputs", len(got.images), len(c.Outputs)))
		return
	}
	r.mode.finish(ctx, c, got, start)
}

// notObtained sorts out a change whose images could not be had: this
// image's failure, or the run's (interrupted, or stopped by an error no
// other image gets past), which leaves it for the next run.
func (r *runner) notObtained(ctx context.Context, c *plan.Change, err error) {
	var elsewhere *SendingElsewhereError
	switch {
	case errors.As(err, &elsewhere):
		r.report.fail(c, err)
	case ctx.Err() != nil, errors.Is(err, errSubmitsStopped):
		// Interrupted or stopped by a fatal error elsewhere: not this
		// image's failure. A submitted job stays journaled.
		r.report.count(func(s *Summary) { s.NotStarted++ })
	case isFatal(err):
		r.gate.fatal(err)
		r.report.count(func(s *Summary) { s.NotStarted++ })
	default:
		r.report.fail(c, err)
	}
}

// tallyJournal counts, for the summary, what the journal holds at the
// end of a run that called the API.
func (r *runner) tallyJournal() {
	if r.opts.Generator != nil {
		r.journal.tally()
	}
}

// uploadPending uploads first the images that earlier runs kept here
// because the team cache could not take them then: an image recorded in
// the state reaches the team cache, even after it stalled. One that
// cannot be uploaded now stays on the list for the next command.
func (r *runner) uploadPending(ctx context.Context) {
	if r.opts.Cache == nil {
		return
	}
	sum, err := r.opts.Cache.UploadPending(ctx, func(c cache.Copied) {
		r.report.log.Debug("pending upload", "input_hash", c.Hash.String(), "outcome", c.Outcome.String())
		switch c.Outcome {
		case cache.CopyMissing, cache.CopyDamaged:
			r.report.emit(Event{Type: EventWarning, Message: fmt.Sprintf("the image %s waiting to be uploaded to the team cache is no longer intact in this machine's cache, and cannot be: imgform cache push from a checkout that holds it shares it", c.Hash.Short())})
		}
	})
	r.report.count(func(s *Summary) { s.Uploaded += sum.Done + sum.There })
	if err != nil {
		r.report.emit(Event{Type: EventWarning, Message: "uploading the images kept here for the team cache: " + err.Error() + "; they stay on the list for the next command"})
	}
}

// keepFinishedJobs is the policy SharedState describes: a shared state
// without a shared cache keeps finished jobs journaled.
func (o Options) keepFinishedJobs() bool {
	return o.SharedState && (o.Cache == nil || len(o.Cache.Stores()) < 2)
}
