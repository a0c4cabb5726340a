package segmind

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// The poll schedule of Wait: the first poll when the image should be
// ready (the inference times the server has reported so far, the model's
// published time before any), then short intervals growing to a cap, so
// that a finished image is noticed within about half a second without
// hammering the server.
const (
	firstPollMargin  = 50 * time.Millisecond
	pollInterval     = 100 * time.Millisecond
	pollIntervalMax  = 400 * time.Millisecond
	pollGrowth       = 1.5
	defaultPollErrs  = 8
	estimatorSamples = 32
)

// estimator learns how long the server takes for one image from the
// inference times it reports.
type estimator struct {
	published float64 // the model's published time, in seconds

	mu     sync.Mutex
	recent []float64 // seconds, the last estimatorSamples reports
}

func newEstimator(published float64) *estimator { return &estimator{published: published} }

func (e *estimator) observe(seconds float64) {
	if seconds <= 0 || seconds > 3600 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.recent) == estimatorSamples {
		copy(e.recent, e.recent[1:])
		e.recent = e.recent[:estimatorSamples-1]
	}
	e.recent = append(e.recent, seconds)
}

// expected is the mean reported inference time, or the model's published
// time before the server has reported any.
func (e *estimator) expected() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.recent) == 0 {
		return time.Duration(e.published * float64(time.Second))
	}
	sum := 0.0
	for _, s := range e.recent {
		sum += s
	}
	return time.Duration(sum / float64(len(e.recent)) * float64(time.Second))
}

// ExpectedInferenceTime returns what the client expects one image to take.
func (c *Client) ExpectedInferenceTime() time.Duration { return c.estimate.expected() }

// pollBackoff spaces the retries of a poll that failed in a way that can
// succeed later.
var pollBackoff = generate.RetryPolicy{Base: 200 * time.Millisecond, Cap: 10 * time.Second}

// Wait follows a job until it is done and returns its images. A FAILED
// job is an error of class ImageFailed; an unknown or expired id one of
// class Lost. Polls that fail in a retryable way are retried with backoff
// (a status poll is idempotent). Cancelling ctx stops at once; the job
// keeps running on the server and can be waited for again.
func (c *Client) Wait(ctx context.Context, job *model.Job, opts generate.WaitOptions) (_ *generate.Result, err error) {
	defer tag(&err)
	if opts.MaxPollErrors == 0 {
		opts.MaxPollErrors = defaultPollErrs
	}
	// The first poll comes when the image should be ready. A job recorded
	// as submitted in the future (another machine's clock, a copied
	// journal) is polled within that time too, not after a wait the
	// timeout below would refuse at once.
	first := c.estimate.expected() + firstPollMargin
	delay := min(c.clock.Until(job.Submitted.Add(first)), first)
	interval := pollInterval
	failures := 0
	start := c.clock.Now()
	last := wire.StatusQueued
	for {
		if opts.Timeout > 0 && c.clock.Since(start)+max(delay, 0) > opts.Timeout {
			return nil, &generate.Error{Op: "wait", Reason: generate.StillRunning, JobID: job.ID,
				Message: fmt.Sprintf("still %s after %s", strings.ToLower(last), c.clock.Since(start).Round(time.Second))}
		}
		if err := c.sleep(ctx, delay); err != nil {
			return nil, err
		}
		st, err := c.status(ctx, job)
		if err == nil {
			failures = 0
			last = st.state
			switch st.state {
			case wire.StatusCompleted:
				return c.fetchResult(ctx, job, opts)
			case wire.StatusFailed:
				return nil, jobFailed(job, st.err)
			}
			delay = interval
			interval = min(time.Duration(float64(interval)*pollGrowth), pollIntervalMax)
			continue
		}
		if delay, err = c.retryDelay(err, &failures, opts); err != nil {
			return nil, err
		}
	}
}

// fetchResult gets a completed job's result, retrying what can succeed
// later.
func (c *Client) fetchResult(ctx context.Context, job *model.Job, opts generate.WaitOptions) (*generate.Result, error) {
	failures := 0
	for {
		res, err := c.result(ctx, job)
		if err == nil {
			return res, nil
		}
		delay, err := c.retryDelay(err, &failures, opts)
		if err != nil {
			return nil, err
		}
		if err := c.sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// retryDelay decides whether a failed poll is retried, and after how
// long: the server's Retry-After, or exponential backoff with jitter.
func (c *Client) retryDelay(err error, failures *int, opts generate.WaitOptions) (time.Duration, error) {
	switch generate.ReasonOf(err) {
	case generate.Retryable, generate.Throttled, generate.Unreachable:
	default:
		return 0, err
	}
	*failures++
	if *failures > opts.MaxPollErrors {
		return 0, err
	}
	delay := generate.WaitOf(err)
	if delay == 0 {
		delay = pollBackoff.Backoff(*failures)
	}
	if opts.OnRetry != nil {
		opts.OnRetry(err, *failures, delay)
	}
	return delay, nil
}

// sleep waits d on the client's clock, or until ctx is done.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.Chan():
		return nil
	}
}
