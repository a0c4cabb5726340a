package generate

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"
)

// Class says what the engine can do about an error.
type Class int

const (
	// Retryable: the same request may succeed later (a 5xx, an answer
	// that was cut off on its way, a timeout).
	Retryable Class = iota + 1
	// Throttled: the generator refused the request for now (429); wait
	// Error.Wait (when it says) and try again, with fewer at once.
	Throttled
	// Unreachable: no answer, and the request was never sent (refused,
	// no route): the endpoint may be down.
	Unreachable
	// Fatal: no request can succeed until a person acts (the key, the
	// credits). The whole run stops submitting.
	Fatal
	// ImageFailed: this request cannot succeed, others may (a rejected
	// parameter, a content block).
	ImageFailed
	// Lost: the job is unknown to the generator (expired or lost): there
	// is nothing to wait for, and its image must be asked for again.
	Lost
	// StillRunning: the job did not finish in time; it keeps running and
	// can be waited for again later.
	StillRunning
)

func (c Class) String() string {
	switch c {
	case Retryable:
		return "retryable"
	case Throttled:
		return "throttled"
	case Unreachable:
		return "unreachable"
	case Fatal:
		return "fatal"
	case ImageFailed:
		return "image failed"
	case Lost:
		return "lost"
	case StillRunning:
		return "still running"
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// Error is a generator's failure, classed for the engine.
type Error struct {
	Class Class
	// Op is the call that failed: "submit", "generate", "status",
	// "result", "download", "credits".
	Op string
	// Status is the HTTP status of the answer; 0 when none arrived.
	// StatusText is its reason phrase ("Not Found").
	Status     int
	StatusText string
	// Message is what happened, in words fit for a person (never a key).
	Message string
	// Wait is what the generator asked to wait (Retry-After); 0 when it
	// did not say.
	Wait time.Duration
	// JobID is the job the error is about, when there is one.
	JobID string
	// PossiblyBilled marks a billable request (a submit, a generate)
	// that the generator received but whose answer does not prove it was
	// not processed: it may have made the image, and billed it.
	PossiblyBilled bool
	// Err is the underlying error, when there is one.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.JobID != "" {
		b.WriteString(" (request " + e.JobID + ")")
	}
	b.WriteString(": ")
	if e.Status != 0 {
		b.WriteString(strconv.Itoa(e.Status))
		if e.StatusText != "" {
			b.WriteString(" " + e.StatusText)
		}
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf classifies any error a generator returns. Errors that are not
// an *Error are retryable when they are network errors and fatal
// otherwise; a cancelled context is fatal (the caller stopped).
func ClassOf(err error) Class {
	var e *Error
	var netErr net.Error
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.Class
	case errors.Is(err, context.Canceled):
		return Fatal
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr):
		return Retryable
	}
	return Fatal
}

// IsPossiblyBilled reports a billable request that may have been
// processed, and paid for, although no usable answer came back. Sending
// it again may pay twice.
func IsPossiblyBilled(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.PossiblyBilled
}

// WaitOf returns what the generator asked to wait before the next try.
func WaitOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.Wait
	}
	return 0
}
