package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
	"github.com/jonboulle/clockwork"
)

// pipeline gets images through the API: it submits each billable
// request in a concurrency slot, at the account's pace and within the
// budget (withSlot, submit.go), fenced by a pending journal record; it
// follows jobs to their images (this run's and the ones earlier runs
// journaled), and puts what the API made into the cache before anything
// else happens with it.
type pipeline struct {
	gen      generate.Generator // the API
	sync     bool               // v1 generate instead of v2 jobs
	endpoint string             // the origin of gen
	retry    generate.RetryPolicy
	clock    clockwork.Clock
	cache    *cache.Cache // nil: none
	// lasting outlives the run's cancellation, so that an image paid
	// for before a Ctrl-C still reaches the cache.
	lasting context.Context
	limiter *generate.Limiter
	pace    *generate.Pace
	spend   *spend
	journal *journal
	gate    *gate
	report  *report
}

// throughAPI gets a change's images through the API: by resuming a job an
// earlier run submitted, or by asking anew.
func (p *pipeline) throughAPI(ctx context.Context, c *plan.Change) (*obtained, error) {
	// A forced replacement leaves a journaled job of the same request
	// (unless one was submitted for a forced replacement) to be collected
	// into the cache at the end.
	if job, ok := p.journal.take(c.InputHash, c.Forced); ok {
		got, err := p.resume(ctx, c.Address, job)
		if err == nil {
			return got, nil
		}
		if generate.ReasonOf(err) != generate.Lost {
			return nil, err
		}
		// Expired or unknown to this endpoint: the result is gone.
		p.report.emit(Event{Type: EventWarning, Address: c.Address, RequestID: job.Job.ID,
			Message: "the job an earlier run submitted is no longer known to the server; generating anew"})
	}
	if err := p.journal.sendingElsewhere(c.InputHash); err != nil {
		return nil, err
	}
	jobs, async := p.gen.(generate.JobGenerator)
	if p.sync || !async {
		return p.generateSync(ctx, c)
	}
	return p.generateAsync(ctx, c, jobs)
}

// keep stores what the API made in the cache. The job's journal record
// stays until the images are safe for every runner: recorded in a saved
// state (applying.finish), or, when no state will record them, in the cache
// (journal.retire): a runner killed before its state was saved leaves the
// job for the next runner to resume for free, whether or not it can
// reach this runner's cache.
func (p *pipeline) keep(addr string, h state.Hash, got *obtained) {
	if p.cache != nil {
		from := cache.Origin{Address: addr, RequestID: got.requestID, InferenceTime: got.inferenceTime, Endpoint: got.endpoint, Placeholder: got.placeholder, CostUSD: got.costUSD}
		repaired, err := p.cache.Put(p.lasting, h, got.images, from)
		var pending *cache.UploadPendingError
		if errors.As(err, &pending) {
			p.report.log.Info("upload pending", "address", addr, "input_hash", h.String(), "error", err)
			// Kept here and on the pending list: recorded, and uploaded by
			// a later command; nothing more is paid for until the team
			// cache can keep it.
			p.gate.fatal(&FatalError{Err: fmt.Errorf("the team cache cannot be written, so no new image is submitted; jobs already submitted are still collected, and the images paid for are kept here and uploaded by the next command that reaches the team cache: %w", err)})
			if got.requestID != "" {
				p.journal.done(addr, got.requestID)
			}
			return
		}
		if err != nil {
			// The image is not safe: its journal entry stays, and nothing
			// more is paid for until the cache can keep it.
			p.gate.fatal(&FatalError{Err: fmt.Errorf("the content cache cannot be written, so no new image is submitted; jobs already submitted are still collected: %w", err)})
			return
		}
		p.report.log.Debug("cache put", "address", addr, "input_hash", h.String(), "images", len(got.images), "repaired", repaired)
		if repaired {
			p.report.emit(Event{Type: EventWarning, Address: addr, Message: "repaired the team cache entry for " + addr + ": its copy was damaged, and the image just made replaces it"})
		}
	}
	if got.requestID != "" {
		p.journal.done(addr, got.requestID)
	}
}

// generateSync makes the images with one call per attempt. Each attempt
// is preceded by its pending journal record, fenced by the lock; the
// record stays until the images are in the cache, so that a crash in
// between is known to have perhaps been billed.
func (p *pipeline) generateSync(ctx context.Context, c *plan.Change) (*obtained, error) {
	var res *generate.Result
	var pending string
	cost := requestCost(*c.Request)
	err := p.withSlot(ctx, c.Address, cost, func(ctx context.Context, sending func()) (bool, error) {
		var err error
		if pending, err = p.journal.intend(c); err != nil {
			return false, err
		}
		sending()
		res, err = p.gen.Generate(ctx, *c.Request)
		if err != nil {
			p.journal.settle(c.Address, pending)
		}
		return false, err
	})
	if err != nil {
		return nil, err
	}
	p.limiter.Succeeded()
	got := p.fromAPI(res)
	got.costUSD = p.spend.done(cost, res.CostUSD)
	got.source = FromAPI
	p.keep(c.Address, c.InputHash, got)
	p.journal.settle(c.Address, pending)
	return got, nil
}

// generateAsync submits a job, journals it, and waits for its images.
func (p *pipeline) generateAsync(ctx context.Context, c *plan.Change, jobs generate.JobGenerator) (*obtained, error) {
	var job *model.Job
	var pending string
	cost := requestCost(*c.Request)
	err := p.withSlot(ctx, c.Address, cost, func(ctx context.Context, sending func()) (bool, error) {
		var err error
		if pending, err = p.journal.intend(c); err != nil {
			return false, err
		}
		sending()
		// A submit under way is not cancelled with the run (the client's
		// call timeout bounds it): a job the server took is paid for, and
		// only its answer says which id to journal.
		job, err = jobs.Submit(context.WithoutCancel(ctx), *c.Request)
		if err != nil {
			p.journal.settle(c.Address, pending)
		}
		return err == nil, err
	})
	if err != nil {
		return nil, err
	}
	defer p.limiter.Release(true)
	entry := state.JobRecord{Address: c.Address, InputHash: c.InputHash, Samples: c.Request.Samples(), Endpoint: p.endpoint, Job: *job, Forced: c.Forced}
	if c.Forced {
		entry.Seed = c.Request.Seed()
	}
	if err := p.journal.record(entry, pending); err != nil {
		// The job is paid for, and waiting for it is still the best
		// course; but a crash now would lose it, so nothing more is
		// submitted until the journal can be written. Its pending record
		// stays: a later run knows a request may have been billed.
		p.gate.fatal(&FatalError{Err: fmt.Errorf("the job journal cannot be written, so no new image is submitted (a crash would lose what is paid for); jobs already submitted are still collected: %w", err)})
	}
	p.report.emit(Event{Type: EventSubmitted, Address: c.Address, Action: c.Action, RequestID: job.ID})
	got, err := p.wait(ctx, c.Address, job)
	if err != nil {
		switch generate.ReasonOf(err) {
		case generate.Rejected:
			p.spend.release(cost) // a FAILED job makes no image, and bills none
		case generate.Lost:
			p.spend.billed(cost) // the server forgot it: it may have run
		default:
			// Accepted and still running (interrupted, timed out): it
			// will be billed, and the next run collects it for free.
			p.spend.done(cost, 0)
		}
		return nil, err
	}
	got.costUSD = p.spend.done(cost, got.costUSD)
	got.source = FromAPI
	p.keep(c.Address, c.InputHash, got)
	return got, nil
}

// resume follows a journaled job.
func (p *pipeline) resume(ctx context.Context, addr string, e state.JobRecord) (*obtained, error) {
	if err := p.limiter.Acquire(ctx); err != nil {
		return nil, err
	}
	p.limiter.Accept()
	defer p.limiter.Release(true)
	p.report.emit(Event{Type: EventResumed, Address: addr, RequestID: e.Job.ID})
	p.journal.followed(e.Job.ID)
	job := e.Job
	got, err := p.wait(ctx, addr, &job)
	if err != nil {
		return nil, err
	}
	got.source = FromJob
	p.keep(addr, e.InputHash, got)
	return got, nil
}

// jobOf is the id of the job whose record stands for what a change got
// from the API (this run's, or an earlier run's); "" for anything else.
func jobOf(got *obtained) string {
	if got.source == FromAPI || got.source == FromJob {
		return got.requestID
	}
	return ""
}

// wait polls a job to its result. A job that FAILED is dropped from the
// journal (there is nothing left to resume), and so is one the server no
// longer knows, which is counted as lost.
func (p *pipeline) wait(ctx context.Context, addr string, job *model.Job) (*obtained, error) {
	jobs, ok := p.gen.(generate.JobGenerator)
	if !ok {
		return nil, &FatalError{Err: fmt.Errorf("a journaled job (request %s) cannot be followed: the generator at %s has no jobs", job.ID, p.endpoint)}
	}
	res, err := jobs.Wait(ctx, job, generate.WaitOptions{
		MaxPollErrors: p.retry.Attempts,
		Timeout:       p.retry.JobTimeout,
		OnRetry: func(err error, attempt int, delay time.Duration) {
			p.report.emit(Event{Type: EventRetry, Address: addr, RequestID: job.ID, Attempt: attempt, Delay: delay, Message: err.Error()})
		},
	})
	if err != nil {
		switch generate.ReasonOf(err) {
		case generate.Rejected:
			p.journal.forget(addr, job.ID)
		case generate.Lost:
			// The server no longer knows the job (expired, or lost): there
			// is nothing to resume, and its image must be asked for again.
			p.journal.forget(addr, job.ID)
			p.report.count(func(s *Summary) { s.Lost++ })
			err = &LostJobError{RequestID: job.ID, Err: err}
		case generate.StillRunning:
			// Still running at the server, and paid for: it stays in the
			// journal for the next apply to pick up.
			err = fmt.Errorf("%w; it stays journaled, and the next apply picks it up without paying again", err)
		}
		return nil, err
	}
	p.limiter.Succeeded()
	return p.fromAPI(res), nil
}

// LostJobError is a submitted job the server no longer knows (its result
// expired, or it was lost): nothing can be resumed, and the image has to
// be submitted again, and paid for again.
type LostJobError struct {
	RequestID string
	Err       error
}

func (e *LostJobError) Error() string {
	return fmt.Sprintf("the server lost job %s (%v); it is dropped from the journal, and the image will be submitted again", e.RequestID, e.Err)
}

func (e *LostJobError) Unwrap() error { return e.Err }

// fromAPI is what the API gave.
func (p *pipeline) fromAPI(res *generate.Result) *obtained {
	for i := range res.Images {
		res.Images[i] = res.Images[i].Hashed() // once, for the cache, the state and the checks
	}
	return &obtained{images: res.Images, generator: state.GeneratorAPI, requestID: res.RequestID, inferenceTime: res.InferenceTime,
		endpoint: p.endpoint, placeholder: res.Placeholder, costUSD: res.CostUSD}
}
