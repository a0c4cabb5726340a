package segmind

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
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
	mu     sync.Mutex
	recent []float64 // seconds, the last estimatorSamples reports
}

func newEstimator() *estimator { return &estimator{} }

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
		return time.Duration(ExpectedInferenceTime * float64(time.Second))
	}
	sum := 0.0
	for _, s := range e.recent {
		sum += s
	}
	return time.Duration(sum / float64(len(e.recent)) * float64(time.Second))
}

// ExpectedInferenceTime returns what the client expects one image to take.
func (c *Client) ExpectedInferenceTime() time.Duration { return c.estimate.expected() }

// WaitOptions tune Wait.
type WaitOptions struct {
	// OnPoll is called with every status the server reports.
	OnPoll func(JobStatus)
	// OnRetry is called before a failed poll is retried.
	OnRetry func(err error, attempt int, delay time.Duration)
	// MaxPollErrors is how many retryable poll errors in a row are
	// tolerated; 0 means 8.
	MaxPollErrors int
	// Timeout bounds the wait; 0 waits as long as ctx allows. A job still
	// running when it passes is a *WaitTimeoutError: it keeps running on
	// the server, and can be waited for again.
	Timeout time.Duration
}

// WaitTimeoutError is a job that was not done when Wait's timeout passed.
type WaitTimeoutError struct {
	RequestID string
	Status    string // the last status seen
	Waited    time.Duration
}

func (e *WaitTimeoutError) Error() string {
	return fmt.Sprintf("segmind job %s is still %s after %s", e.RequestID, strings.ToLower(e.Status), e.Waited.Round(time.Second))
}

// Wait follows a job until it is done and returns its images. A FAILED
// job is a *JobFailedError; an unknown or expired id an APIError with
// status 404 (IsNotFound). Polls that fail in a retryable way are retried
// with backoff (a status poll is idempotent). Cancelling ctx stops at once;
// the job keeps running on the server and can be waited for again.
func (c *Client) Wait(ctx context.Context, job *Job, opts WaitOptions) (*JobResult, error) {
	if opts.MaxPollErrors == 0 {
		opts.MaxPollErrors = defaultPollErrs
	}
	// The first poll comes when the image should be ready. A job recorded
	// as submitted in the future (another machine's clock, a copied
	// journal) is polled within that time too, not after a wait the
	// timeout below would refuse at once.
	first := c.estimate.expected() + firstPollMargin
	delay := min(time.Until(job.Submitted.Add(first)), first)
	interval := pollInterval
	failures := 0
	start := time.Now()
	last := StatusQueued
	for {
		if opts.Timeout > 0 && time.Since(start)+max(delay, 0) > opts.Timeout {
			return nil, &WaitTimeoutError{RequestID: job.RequestID, Status: last, Waited: time.Since(start)}
		}
		if err := sleep(ctx, delay); err != nil {
			return nil, err
		}
		st, err := c.Status(ctx, job)
		if err == nil {
			failures = 0
			last = st.Status
			if opts.OnPoll != nil {
				opts.OnPoll(*st)
			}
			switch st.Status {
			case StatusCompleted:
				return c.fetchResult(ctx, job, opts)
			case StatusFailed:
				return nil, &JobFailedError{RequestID: job.RequestID, Message: st.Error}
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
func (c *Client) fetchResult(ctx context.Context, job *Job, opts WaitOptions) (*JobResult, error) {
	failures := 0
	for {
		res, err := c.Result(ctx, job)
		if err == nil {
			return res, nil
		}
		delay, err := c.retryDelay(err, &failures, opts)
		if err != nil {
			return nil, err
		}
		if err := sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// retryDelay decides whether a failed poll is retried, and after how
// long: the server's Retry-After, or exponential backoff with jitter.
func (c *Client) retryDelay(err error, failures *int, opts WaitOptions) (time.Duration, error) {
	if ClassOf(err) != ClassRetryable {
		return 0, err
	}
	*failures++
	if *failures > opts.MaxPollErrors {
		return 0, err
	}
	delay := RetryAfterOf(err)
	if delay == 0 {
		backoff := min(200*time.Millisecond<<(*failures-1), 10*time.Second)
		delay = backoff/2 + rand.N(backoff/2+1)
	}
	if opts.OnRetry != nil {
		opts.OnRetry(err, *failures, delay)
	}
	return delay, nil
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
