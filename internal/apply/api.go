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
)

// throughAPI gets a change's images through the API: by resuming a job an
// earlier run submitted, or by asking anew.
func (r *runner) throughAPI(ctx context.Context, c *plan.Change) (*obtained, error) {
	// A forced replacement leaves a journaled job of the same request
	// (unless one was submitted for a forced replacement) to be collected
	// into the cache at the end.
	if job, ok := r.journal.take(c.InputHash, c.Forced); ok {
		got, err := r.resume(ctx, c.Address, job)
		if err == nil {
			return got, nil
		}
		if generate.ReasonOf(err) != generate.Lost {
			return nil, err
		}
		// Expired or unknown to this endpoint: the result is gone.
		r.report.emit(Event{Type: EventWarning, Address: c.Address, RequestID: job.Job.ID,
			Message: "the job an earlier run submitted is no longer known to the server; generating anew"})
	}
	if err := r.journal.sendingElsewhere(c.InputHash); err != nil {
		return nil, err
	}
	jobs, async := r.opts.Generator.(generate.JobGenerator)
	if r.opts.Sync || !async {
		return r.generateSync(ctx, c)
	}
	return r.generateAsync(ctx, c, jobs)
}

// keep stores what the API made in the cache. The job's journal record
// stays until the images are safe for every runner: recorded in a saved
// state (see write), or, when no state will record them, in the cache
// (dropRecord): a runner killed before its state was saved leaves the
// job for the next runner to resume for free, whether or not it can
// reach this runner's cache.
func (r *runner) keep(addr string, h state.Hash, got *obtained) {
	if r.opts.Cache != nil {
		from := cache.Origin{Address: addr, RequestID: got.requestID, InferenceTime: got.inferenceTime, Endpoint: got.endpoint, Placeholder: got.placeholder, CostUSD: got.costUSD}
		repaired, err := r.opts.Cache.Put(r.journalCtx, h, got.images, from)
		var pending *cache.UploadPendingError
		if errors.As(err, &pending) {
			r.report.log.Info("upload pending", "address", addr, "input_hash", h.String(), "error", err)
			// Kept here and on the pending list: recorded, and uploaded by
			// a later command; nothing more is paid for until the team
			// cache can keep it.
			r.gate.fatal(&FatalError{Err: fmt.Errorf("the team cache cannot be written, so no new image is submitted; jobs already submitted are still collected, and the images paid for are kept here and uploaded by the next command that reaches the team cache: %w", err)})
			if got.requestID != "" {
				r.journal.done(addr, got.requestID)
			}
			return
		}
		if err != nil {
			// The image is not safe: its journal entry stays, and nothing
			// more is paid for until the cache can keep it.
			r.gate.fatal(&FatalError{Err: fmt.Errorf("the content cache cannot be written, so no new image is submitted; jobs already submitted are still collected: %w", err)})
			return
		}
		r.report.log.Debug("cache put", "address", addr, "input_hash", h.String(), "images", len(got.images), "repaired", repaired)
		if repaired {
			r.report.emit(Event{Type: EventWarning, Address: addr, Message: "repaired the team cache entry for " + addr + ": its copy was damaged, and the image just made replaces it"})
		}
	}
	if got.requestID != "" {
		r.journal.done(addr, got.requestID)
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
	})
	r.report.count(func(s *Summary) { s.Uploaded += sum.Done + sum.There })
	if err != nil {
		r.report.emit(Event{Type: EventWarning, Message: "uploading the images kept here for the team cache: " + err.Error() + "; they stay on the list for the next command"})
	}
}

// generateSync makes the images with one call per attempt. Each attempt
// is preceded by its pending journal record, fenced by the lock; the
// record stays until the images are in the cache, so that a crash in
// between is known to have perhaps been billed.
func (r *runner) generateSync(ctx context.Context, c *plan.Change) (*obtained, error) {
	var res *generate.Result
	var pending string
	cost := requestCost(*c.Request)
	err := r.withSlot(ctx, c.Address, cost, func(ctx context.Context, sending func()) (bool, error) {
		var err error
		if pending, err = r.journal.intend(c); err != nil {
			return false, err
		}
		sending()
		res, err = r.opts.Generator.Generate(ctx, *c.Request)
		if err != nil {
			r.journal.settle(c.Address, pending)
		}
		return false, err
	})
	if err != nil {
		return nil, err
	}
	r.limiter.Succeeded()
	got := r.fromAPI(res)
	got.costUSD = r.spend.done(cost, res.CostUSD)
	got.source = FromAPI
	r.keep(c.Address, c.InputHash, got)
	r.journal.settle(c.Address, pending)
	return got, nil
}

// generateAsync submits a job, journals it, and waits for its images.
func (r *runner) generateAsync(ctx context.Context, c *plan.Change, jobs generate.JobGenerator) (*obtained, error) {
	var job *model.Job
	var pending string
	cost := requestCost(*c.Request)
	err := r.withSlot(ctx, c.Address, cost, func(ctx context.Context, sending func()) (bool, error) {
		var err error
		if pending, err = r.journal.intend(c); err != nil {
			return false, err
		}
		sending()
		// A submit under way is not cancelled with the run (the client's
		// call timeout bounds it): a job the server took is paid for, and
		// only its answer says which id to journal.
		job, err = jobs.Submit(context.WithoutCancel(ctx), *c.Request)
		if err != nil {
			r.journal.settle(c.Address, pending)
		}
		return err == nil, err
	})
	if err != nil {
		return nil, err
	}
	defer r.limiter.Release(true)
	entry := state.JobRecord{Address: c.Address, InputHash: c.InputHash, Samples: c.Request.Samples(), Endpoint: r.endpoint(), Job: *job, Forced: c.Forced}
	if c.Forced {
		entry.Seed = c.Request.Seed()
	}
	if err := r.journal.record(entry, pending); err != nil {
		// The job is paid for, and waiting for it is still the best
		// course; but a crash now would lose it, so nothing more is
		// submitted until the journal can be written. Its pending record
		// stays: a later run knows a request may have been billed.
		r.gate.fatal(&FatalError{Err: fmt.Errorf("the job journal cannot be written, so no new image is submitted (a crash would lose what is paid for); jobs already submitted are still collected: %w", err)})
	}
	r.report.emit(Event{Type: EventSubmitted, Address: c.Address, Action: c.Action, RequestID: job.ID})
	got, err := r.wait(ctx, c.Address, job)
	if err != nil {
		switch generate.ReasonOf(err) {
		case generate.Rejected:
			r.spend.release(cost) // a FAILED job makes no image, and bills none
		case generate.Lost:
			r.spend.billed(cost) // the server forgot it: it may have run
		default:
			// Accepted and still running (interrupted, timed out): it
			// will be billed, and the next run collects it for free.
			r.spend.done(cost, 0)
		}
		return nil, err
	}
	got.costUSD = r.spend.done(cost, got.costUSD)
	got.source = FromAPI
	r.keep(c.Address, c.InputHash, got)
	return got, nil
}

// resume follows a journaled job.
func (r *runner) resume(ctx context.Context, addr string, e state.JobRecord) (*obtained, error) {
	if err := r.limiter.Acquire(ctx); err != nil {
		return nil, err
	}
	r.limiter.Accept()
	defer r.limiter.Release(true)
	r.report.emit(Event{Type: EventResumed, Address: addr, RequestID: e.Job.ID})
	r.journal.followed(e.Job.ID)
	job := e.Job
	got, err := r.wait(ctx, addr, &job)
	if err != nil {
		return nil, err
	}
	got.source = FromJob
	r.keep(addr, e.InputHash, got)
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
func (r *runner) wait(ctx context.Context, addr string, job *model.Job) (*obtained, error) {
	jobs, ok := r.opts.Generator.(generate.JobGenerator)
	if !ok {
		return nil, &FatalError{Err: fmt.Errorf("a journaled job (request %s) cannot be followed: the generator at %s has no jobs", job.ID, r.endpoint())}
	}
	res, err := jobs.Wait(ctx, job, generate.WaitOptions{
		MaxPollErrors: r.opts.Retry.Attempts,
		Timeout:       r.opts.Retry.JobTimeout,
		OnRetry: func(err error, attempt int, delay time.Duration) {
			r.report.emit(Event{Type: EventRetry, Address: addr, RequestID: job.ID, Attempt: attempt, Delay: delay, Message: err.Error()})
		},
	})
	if err != nil {
		switch generate.ReasonOf(err) {
		case generate.Rejected:
			r.journal.forget(addr, job.ID)
		case generate.Lost:
			// The server no longer knows the job (expired, or lost): there
			// is nothing to resume, and its image must be asked for again.
			r.journal.forget(addr, job.ID)
			r.report.count(func(s *Summary) { s.Lost++ })
			err = &LostJobError{RequestID: job.ID, Err: err}
		case generate.StillRunning:
			// Still running at the server, and paid for: it stays in the
			// journal for the next apply to pick up.
			err = fmt.Errorf("%w; it stays journaled, and the next apply picks it up without paying again", err)
		}
		return nil, err
	}
	r.limiter.Succeeded()
	return r.fromAPI(res), nil
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
