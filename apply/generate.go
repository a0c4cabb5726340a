package apply

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/imgform/imgform/internal/placeholder"
	"github.com/imgform/imgform/plan"
	"github.com/imgform/imgform/segmind"
	"github.com/imgform/imgform/state"
)

// obtained is a change's images and where they came from.
type obtained struct {
	images        []segmind.Image
	source        string // "cache", "offline", "api", "resumed"
	generator     state.Generator
	requestID     string
	inferenceTime float64
	// endpoint is the origin of the API that made the images; placeholder
	// marks an emulator's placeholders.
	endpoint    string
	placeholder bool
}

// fromEndpoint is what the API at the client's endpoint gave: images that
// are placeholders came from an emulator.
func (r *runner) fromEndpoint(images []segmind.Image, requestID string, inferenceTime float64) *obtained {
	got := &obtained{images: images, generator: state.GeneratorAPI, requestID: requestID, inferenceTime: inferenceTime,
		endpoint: r.opts.Client.BaseURL()}
	for _, img := range images {
		if maker, ok := placeholder.MakerOf(img.Data); ok && maker == placeholder.Emulator {
			got.placeholder = true
		}
	}
	return got
}

// endpoint is the origin of the API this run calls; "" without a client.
func (r *runner) endpoint() string {
	if r.opts.Client == nil {
		return ""
	}
	return r.opts.Client.BaseURL()
}

// cacheServes reports whether a cached entry may give the change its
// images: an emulator's placeholder stands in only for images of that same
// emulator, and a restore must get back exactly the image the state
// recorded (an entry swapped for another image's never is).
func (r *runner) cacheServes(c *plan.Change, entry *CacheEntry, imgs []segmind.Image) bool {
	if entry.Placeholder && (r.opts.Offline || entry.Endpoint == "" || entry.Endpoint != r.endpoint()) {
		return false
	}
	ok := true
	r.ckpt.read(func(st *state.State) {
		prior := st.Images[c.Address]
		if prior == nil || prior.InputHash != c.InputHash {
			return
		}
		for _, i := range c.Write {
			if i < len(prior.Outputs) && i < len(imgs) && !prior.Outputs[i].SourceSHA256.IsZero() &&
				prior.Outputs[i].SourceSHA256 != state.SumBytes(imgs[i].Data) {
				ok = false
			}
		}
	})
	return ok
}

// obtain gets a change's images: from the cache when it has them, from
// the placeholder renderer offline, from a job an earlier run submitted,
// or from the API. What the API made reaches the cache before anything
// else happens with it, so that a crash from here on costs nothing.
func (r *runner) obtain(ctx context.Context, c *plan.Change) (*obtained, error) {
	samples := c.Request.Samples
	if r.opts.Cache != nil && !c.Forced {
		entry, imgs, err := r.opts.Cache.Get(c.InputHash)
		if err == nil && len(imgs) >= samples && r.cacheServes(c, entry, imgs) {
			r.emit(Event{Type: EventCacheHit, Address: c.Address, Action: c.Action})
			return &obtained{images: imgs, source: "cache", generator: state.GeneratorAPI,
				requestID: entry.RequestID, inferenceTime: entry.InferenceTime,
				endpoint: entry.Endpoint, placeholder: entry.Placeholder}, nil
		}
		if err != nil && !errors.Is(err, ErrNotCached) {
			r.emit(Event{Type: EventWarning, Address: c.Address, Message: err.Error()})
		}
	}
	if r.opts.Offline || (c.Generator == state.GeneratorOffline && !c.Cached) {
		return r.render(c)
	}
	if r.opts.Client == nil || !r.opts.Client.HasKey() {
		return nil, &FatalError{Err: errNoKey}
	}
	// Two changes of one request (two outputs of the same prompt and
	// seed, say) pay for it once: the first asks the API, the others wait
	// for its images.
	f, leader := r.join(c.InputHash)
	if !leader {
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err != nil {
			return nil, f.err
		}
		r.emit(Event{Type: EventCacheHit, Address: c.Address, Action: c.Action})
		shared := *f.got
		shared.source = "cache"
		return &shared, nil
	}
	got, err := r.fromAPI(ctx, c)
	r.land(c.InputHash, f, got, err)
	return got, err
}

// fromAPI gets a change's images through the API: by resuming a job an
// earlier run submitted, or by asking anew.
func (r *runner) fromAPI(ctx context.Context, c *plan.Change) (*obtained, error) {
	// A forced replacement leaves a journaled job of the same request
	// (unless one was submitted for a forced replacement) to be collected
	// into the cache at the end.
	if job, ok := r.takeJob(c.InputHash, c.Forced); ok {
		got, err := r.resume(ctx, c.Address, job)
		if err == nil {
			return got, nil
		}
		if !segmind.IsNotFound(err) {
			return nil, err
		}
		// Expired or unknown to this endpoint: the result is gone.
		r.emit(Event{Type: EventWarning, Address: c.Address, RequestID: job.Job.RequestID,
			Message: "the job an earlier run submitted is no longer known to the server; generating anew"})
	}
	if r.opts.Sync {
		return r.generateSync(ctx, c)
	}
	return r.generateAsync(ctx, c)
}

// flight is one request being obtained from the API, which other changes
// of the same request wait for.
type flight struct {
	done chan struct{}
	got  *obtained
	err  error
}

// join returns the flight of input hash h, and whether the caller leads
// it (and must land it).
func (r *runner) join(h state.Hash) (*flight, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.flights[h]; ok {
		return f, false
	}
	f := &flight{done: make(chan struct{})}
	r.flights[h] = f
	return f, true
}

// land ends a flight with its result. Changes that come later find the
// images in the cache.
func (r *runner) land(h state.Hash, f *flight, got *obtained, err error) {
	f.got, f.err = got, err
	r.mu.Lock()
	delete(r.flights, h)
	r.mu.Unlock()
	close(f.done)
}

// errNoKey is the fatal error of a run that needs the API without a key.
var errNoKey = &segmind.APIError{Op: "generate", StatusCode: http.StatusUnauthorized, Class: segmind.ClassFatal,
	Message: "no API key: " + segmind.EnvAPIKey + " is not set"}

// render makes placeholders offline (apply --offline): they say so in the
// picture and in their metadata.
func (r *runner) render(c *plan.Change) (*obtained, error) {
	req := c.Request.API()
	got := &obtained{source: "offline", generator: state.GeneratorOffline}
	for i := range req.Samples {
		data, err := placeholder.Render(req, i, placeholder.Offline)
		if err != nil {
			return nil, fmt.Errorf("rendering a placeholder: %w", err)
		}
		got.images = append(got.images, segmind.Image{Data: data, ContentType: "image/png"})
	}
	return got, nil
}

// keep stores what the API made in the cache, then drops the job's
// journal entry: from now on the cache answers for it.
func (r *runner) keep(addr string, h state.Hash, got *obtained) {
	if r.opts.Cache != nil {
		from := Origin{Address: addr, RequestID: got.requestID, InferenceTime: got.inferenceTime, Endpoint: got.endpoint, Placeholder: got.placeholder}
		if err := r.opts.Cache.Put(h, got.images, from); err != nil {
			// The image is not safe: its journal entry stays, and nothing
			// more is paid for until the cache can keep it.
			r.fatal(&FatalError{Err: fmt.Errorf("the content cache cannot be written, so no new image is submitted; jobs already submitted are still collected: %w", err)})
			return
		}
	}
	if r.opts.Journal != nil && got.requestID != "" {
		if err := r.opts.Journal.Remove(got.requestID); err != nil {
			r.emit(Event{Type: EventWarning, Address: addr, Message: err.Error()})
		}
	}
}

// generateSync makes the images with one v1 call per attempt.
func (r *runner) generateSync(ctx context.Context, c *plan.Change) (*obtained, error) {
	var res *segmind.SyncResult
	err := r.withSlot(ctx, c.Address, func(ctx context.Context) (bool, error) {
		var err error
		res, err = r.opts.Client.Generate(ctx, c.Request.API())
		return false, err
	})
	if err != nil {
		return nil, err
	}
	r.limiter.succeeded()
	got := r.fromEndpoint(res.Images, "", 0)
	got.source = "api"
	r.keep(c.Address, c.InputHash, got)
	return got, nil
}

// generateAsync submits a v2 job, journals it, and waits for its images.
func (r *runner) generateAsync(ctx context.Context, c *plan.Change) (*obtained, error) {
	var job *segmind.Job
	err := r.withSlot(ctx, c.Address, func(ctx context.Context) (bool, error) {
		var err error
		// A submit under way is not cancelled with the run (the client's
		// call timeout bounds it): a job the server took is paid for, and
		// only its answer says which id to journal.
		job, err = r.opts.Client.Submit(context.WithoutCancel(ctx), c.Request.API())
		return err == nil, err
	})
	if err != nil {
		return nil, err
	}
	defer r.limiter.release(true)
	entry := JournalEntry{Address: c.Address, InputHash: c.InputHash, Samples: c.Request.Samples, BaseURL: r.opts.Client.BaseURL(), Job: *job, Forced: c.Forced}
	if c.Forced {
		entry.Seed = c.Request.Seed
	}
	if r.opts.Journal != nil {
		if err := r.opts.Journal.Record(entry); err != nil {
			// The job is paid for, and waiting for it is still the best
			// course; but a crash now would lose it, so nothing more is
			// submitted until the journal can be written.
			r.fatal(&FatalError{Err: fmt.Errorf("the job journal cannot be written, so no new image is submitted (a crash would lose what is paid for); jobs already submitted are still collected: %w", err)})
		}
	}
	r.emit(Event{Type: EventSubmitted, Address: c.Address, Action: c.Action, RequestID: job.RequestID})
	got, err := r.wait(ctx, c.Address, job)
	if err != nil {
		return nil, err
	}
	got.source = "api"
	r.keep(c.Address, c.InputHash, got)
	return got, nil
}

// resume follows a journaled job.
func (r *runner) resume(ctx context.Context, addr string, e JournalEntry) (*obtained, error) {
	if err := r.limiter.acquire(ctx); err != nil {
		return nil, err
	}
	r.limiter.accept()
	defer r.limiter.release(true)
	r.emit(Event{Type: EventResumed, Address: addr, RequestID: e.Job.RequestID})
	job := e.Job
	got, err := r.wait(ctx, addr, &job)
	if err != nil {
		return nil, err
	}
	got.source = "resumed"
	r.keep(addr, e.InputHash, got)
	return got, nil
}

// wait polls a job to its result. A job that FAILED is also dropped from
// the journal: there is nothing left to resume.
func (r *runner) wait(ctx context.Context, addr string, job *segmind.Job) (*obtained, error) {
	res, err := r.opts.Client.Wait(ctx, job, segmind.WaitOptions{
		MaxPollErrors: r.opts.Retry.Attempts,
		Timeout:       r.opts.Retry.JobTimeout,
		OnRetry: func(err error, attempt int, delay time.Duration) {
			r.emit(Event{Type: EventRetry, Address: addr, RequestID: job.RequestID, Attempt: attempt, Delay: delay, Message: err.Error()})
		},
	})
	if err != nil {
		var failed *segmind.JobFailedError
		var timeout *segmind.WaitTimeoutError
		switch {
		case errors.As(err, &failed) && r.opts.Journal != nil:
			r.opts.Journal.Remove(job.RequestID)
		case segmind.IsNotFound(err):
			// The server no longer knows the job (expired, or lost): there
			// is nothing to resume, and its image must be asked for again.
			if r.opts.Journal != nil {
				r.opts.Journal.Remove(job.RequestID)
			}
			r.count(func(s *Summary) { s.Lost++ })
			err = &LostJobError{RequestID: job.RequestID, Err: err}
		case errors.As(err, &timeout):
			// Still running at the server, and paid for: it stays in the
			// journal for the next apply to pick up.
			err = fmt.Errorf("%w; it stays journaled, and the next apply picks it up without paying again", err)
		}
		return nil, err
	}
	r.limiter.succeeded()
	return r.fromEndpoint(res.Images, res.RequestID, res.InferenceTime), nil
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

// withSlot runs call in a concurrency slot, retrying what can succeed
// later as RetryPolicy says. call reports whether the server took the
// request; when it did, the slot stays held (the caller releases it with
// release(true) when the images are done), otherwise it is released here.
// A 429 also halves the concurrency limit.
//
// A request that may have been processed and billed without a usable
// answer (segmind.IsPossiblyBilled) is sent again at most once: a second
// such failure, or one that cannot be retried, fails the image with a
// *PossiblyBilledError. Once a fatal error stopped new submissions, no
// attempt starts: errSubmitsStopped.
func (r *runner) withSlot(ctx context.Context, addr string, call func(context.Context) (accepted bool, err error)) error {
	pol := r.opts.Retry
	failures, unanswered, throttles, billed := 0, 0, 0, 0
	var throttledSince time.Time
	for {
		if err := r.limiter.acquire(r.submitCtx); err != nil {
			return r.stoppedErr(ctx)
		}
		accepted, err := call(ctx)
		if accepted {
			r.limiter.accept()
			return nil
		}
		r.limiter.release(false)
		if err == nil {
			return nil
		}
		class := segmind.ClassOf(err)
		if segmind.IsPossiblyBilled(err) {
			billed++
			r.count(func(s *Summary) { s.PossiblyBilled++ })
			switch {
			case class == segmind.ClassFatal:
				return err // cancelled after sending: counted, not this image's failure
			case class != segmind.ClassRetryable || billed > 1 || ctx.Err() != nil:
				return &PossiblyBilledError{Requests: billed, Err: err}
			}
		} else if class != segmind.ClassRetryable || ctx.Err() != nil {
			return err
		}
		var delay time.Duration
		var apiErr *segmind.APIError
		isAPI := errors.As(err, &apiErr)
		switch {
		case billed > 0 && segmind.IsPossiblyBilled(err):
			delay = pol.backoff(1)
			r.emit(Event{Type: EventRetry, Address: addr, Attempt: failures + unanswered + throttles + billed, Delay: delay,
				Message: err.Error() + "; the request may have been processed and billed, so it is sent once more and no more"})
			if err := r.pause(ctx, delay); err != nil {
				return err
			}
			continue
		case isAPI && apiErr.StatusCode == http.StatusTooManyRequests:
			throttles++
			if throttledSince.IsZero() {
				throttledSince = time.Now()
			}
			if time.Since(throttledSince) >= pol.ThrottleBudget {
				return &FatalError{Err: fmt.Errorf("the API has answered 429 (too many requests) to one request for %s: the account's rate limit is lower than this run asks; run again later, or with a lower --parallelism: %w",
					pol.ThrottleBudget.Round(time.Second), err)}
			}
			r.limiter.throttled(time.Now())
			delay = segmind.RetryAfterOf(err)
			if delay == 0 {
				delay = pol.throttleWait(throttles)
			}
			r.emit(Event{Type: EventThrottled, Address: addr, Attempt: throttles, Delay: delay, Concurrency: r.limiter.current(), Message: err.Error()})
			if err := r.pause(ctx, delay); err != nil {
				return err
			}
			continue
		case isAPI && apiErr.StatusCode == 0:
			unanswered++
			if unanswered >= pol.UnreachableAttempts {
				return &FatalError{StopAll: true, Err: fmt.Errorf("the API at %s cannot be reached (%d attempts): %w", r.opts.Client.BaseURL(), unanswered, err)}
			}
			delay = pol.backoff(unanswered)
		default:
			failures++
			if failures >= pol.Attempts {
				return err
			}
			delay = pol.backoff(failures)
		}
		r.emit(Event{Type: EventRetry, Address: addr, Attempt: failures + unanswered + throttles + billed, Delay: delay, Message: err.Error()})
		if err := r.pause(ctx, delay); err != nil {
			return err
		}
	}
}

// pause waits d before another attempt, or until no new attempt may start.
func (r *runner) pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.submitCtx.Done():
		return r.stoppedErr(ctx)
	case <-t.C:
		return nil
	}
}

// stoppedErr is why no new attempt starts: the run's own end, or a fatal
// error that stopped new submissions.
func (r *runner) stoppedErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return errSubmitsStopped
}

// PossiblyBilledError fails an image whose request the API may have
// processed, and billed, without answering usably: it is not sent again in
// this run (a second attempt was already made, or cannot help).
type PossiblyBilledError struct {
	Requests int // how many of this image's requests may have been billed
	Err      error
}

func (e *PossiblyBilledError) Error() string {
	n := "1 request"
	if e.Requests != 1 {
		n = fmt.Sprintf("%d requests", e.Requests)
	}
	return fmt.Sprintf("%v; possibly billed (%s): the API may have made this image, so it is not sent again in this run", e.Err, n)
}

func (e *PossiblyBilledError) Unwrap() error { return e.Err }

// loadJournal reads the journaled jobs of this endpoint. Those too old to
// resume are dropped; the others are resumed by the change that needs
// their image, or collected into the cache at the end (collectOrphans).
func (r *runner) loadJournal(changes []*plan.Change) {
	r.jobs = map[state.Hash][]JournalEntry{}
	if r.opts.Journal == nil || r.opts.Client == nil || r.opts.Offline {
		return
	}
	entries, err := r.opts.Journal.Entries()
	if err != nil {
		r.emit(Event{Type: EventWarning, Message: err.Error()})
		return
	}
	for _, e := range entries {
		switch {
		case time.Since(e.Job.Submitted) >= JobRetention:
			r.opts.Journal.Remove(e.Job.RequestID)
		case e.BaseURL == r.opts.Client.BaseURL():
			r.jobs[e.InputHash] = append(r.jobs[e.InputHash], e)
		}
	}
}

// takeJob hands a journaled job to the one change that resumes it. A
// forced replacement takes only a job that an interrupted forced
// replacement submitted: the new image it asked for, already paid.
func (r *runner) takeJob(h state.Hash, forced bool) (JournalEntry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	entries := r.jobs[h]
	// The newest first: the one most likely still within its retention.
	for i := len(entries) - 1; i >= 0; i-- {
		if forced && !entries[i].Forced {
			continue
		}
		e := entries[i]
		r.jobs[h] = append(entries[:i:i], entries[i+1:]...)
		return e, true
	}
	return JournalEntry{}, false
}

// collectOrphans fetches into the cache the results of journaled jobs
// that no change of this run needed (the configuration changed after an
// interrupted run): they were paid for, and a later revert should not pay
// again. Failures are left for a later run.
func (r *runner) collectOrphans(ctx context.Context) {
	r.mu.Lock()
	if ctx.Err() != nil || r.summary.Interrupted {
		r.mu.Unlock()
		return
	}
	var orphans []JournalEntry
	for _, entries := range r.jobs {
		orphans = append(orphans, entries...)
	}
	r.jobs = map[state.Hash][]JournalEntry{}
	r.mu.Unlock()
	for _, e := range orphans {
		if r.opts.Cache != nil && r.opts.Cache.Has(e.InputHash, e.Samples) {
			r.opts.Journal.Remove(e.Job.RequestID)
			continue
		}
		if _, err := r.resume(ctx, e.Address, e); err != nil {
			r.emit(Event{Type: EventWarning, Address: e.Address, RequestID: e.Job.RequestID,
				Message: "could not collect the result of a job an earlier run submitted: " + err.Error()})
			continue
		}
		r.count(func(s *Summary) { s.Collected++ })
	}
}
