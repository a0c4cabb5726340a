package generate

import (
	"context"
	"time"

	"github.com/imgform/imgform/internal/model"
)

// Generator makes images.
type Generator interface {
	// Endpoint names where the images come from: the origin of an API
	// (scheme and host, never credentials), or "offline".
	Endpoint() string
	// Async reports whether Submit and Wait work; a generator that is
	// not async only has Generate.
	Async() bool
	// Generate makes the request's images with one call, which returns
	// when they are ready.
	Generate(ctx context.Context, req model.Request) (*Result, error)
	// Submit queues the request and returns its job, to be waited for.
	Submit(ctx context.Context, req model.Request) (*Job, error)
	// Wait follows a job (this run's, or one an earlier run submitted and
	// journaled) to its images.
	Wait(ctx context.Context, job *Job, opts WaitOptions) (*Result, error)
}

// Result is a request's images.
type Result struct {
	Images []model.Image
	// RequestID is the generator's id of the request, when it has one.
	RequestID string
	// InferenceTime is the generator's own time for the images, in
	// seconds, when it says.
	InferenceTime float64
	// Placeholder marks images that are placeholders (an emulator's, or
	// offline renders), not the model's output.
	Placeholder bool
	// CostUSD is what the provider says the request was charged, when it
	// says; 0 when it does not (the model's price table then tells).
	CostUSD float64
}

// Job is a submitted request: what must be kept (in a journal) to follow
// it to its result without paying for it again.
type Job struct {
	ID          string    `json:"request_id"`
	StatusURL   string    `json:"status_url"`
	ResponseURL string    `json:"response_url"`
	Submitted   time.Time `json:"submitted"`
}

// WaitOptions tune Wait.
type WaitOptions struct {
	// OnRetry is called before a failed poll is retried.
	OnRetry func(err error, attempt int, delay time.Duration)
	// MaxPollErrors is how many retryable poll errors in a row are
	// tolerated; 0 means 8.
	MaxPollErrors int
	// Timeout bounds the wait; 0 waits as long as ctx allows. A job still
	// running when it passes is an Error of class StillRunning: it keeps
	// running, and can be waited for again.
	Timeout time.Duration
}
