package generate

import (
	"context"
	"time"

	"github.com/imgform/imgform/internal/model"
)

// Generator makes images: one call that returns when a request's images
// are ready, and fetched.
type Generator interface {
	// Endpoint names where the images come from: the origin of an API
	// (scheme and host, never credentials), or "offline".
	Endpoint() string
	// Generate makes the request's images with one call, which returns
	// when they are ready.
	Generate(ctx context.Context, req model.Request) (*Result, error)
}

// JobGenerator is a Generator that can also queue a request as a job and
// follow the job to its images later: what the engine journals, so that
// a run killed in between resumes the job instead of paying again. The
// engine finds it by type assertion.
type JobGenerator interface {
	Generator
	// Submit queues the request and returns its job, to be waited for.
	Submit(ctx context.Context, req model.Request) (*model.Job, error)
	// Wait follows a job (this run's, or one an earlier run submitted and
	// journaled) to its images.
	Wait(ctx context.Context, job *model.Job, opts WaitOptions) (*Result, error)
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

// WaitOptions tune Wait.
type WaitOptions struct {
	// OnRetry is called before a failed poll is retried.
	OnRetry func(err error, attempt int, delay time.Duration)
	// MaxPollErrors is how many retryable poll errors in a row are
	// tolerated; 0 means 8.
	MaxPollErrors int
	// Timeout bounds the wait; 0 waits as long as ctx allows. A job still
	// running when it passes is an Error for StillRunning: it keeps
	// running, and can be waited for again.
	Timeout time.Duration
}
