package generate

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"
)

// Reason says why a generator failed, in the terms the engine acts on:
// wait and try again, fail this image, or stop the run and tell the user
// what to fix. A generator maps its transport's answers (HTTP statuses)
// to reasons; the engine never sees those.
type Reason int

const (
	// Retryable: the same request may succeed later (a server error, an
	// answer that was cut off on its way, a timeout).
	Retryable Reason = iota + 1
	// Throttled: the generator refused the request for now (the rate
	// limit); wait Error.Wait (when it says) and try again, with fewer at
	// once.
	Throttled
	// Unreachable: no answer, and the request was never sent (refused,
	// no route): the endpoint may be down.
	Unreachable
	// BadKey: the API key is missing or refused. Nothing succeeds until
	// it is fixed: the run stops submitting.
	BadKey
	// Forbidden: the key is valid but not allowed to do this. The run
	// stops submitting.
	Forbidden
	// NoCredits: the account cannot pay. The run stops submitting.
	NoCredits
	// Rejected: this request cannot succeed, others may (a parameter the
	// API refuses, a content block).
	Rejected
	// Lost: the job is unknown to the generator (expired or lost): there
	// is nothing to wait for, and its image must be asked for again.
	Lost
	// StillRunning: the job did not finish in time; it keeps running and
	// can be waited for again later.
	StillRunning
	// Stopped: the caller stopped the call (its context was cancelled).
	Stopped
)

var reasonNames = map[Reason]string{
	Retryable: "retryable", Throttled: "throttled", Unreachable: "unreachable", BadKey: "bad key", Forbidden: "forbidden",
	NoCredits: "no credits", Rejected: "rejected", Lost: "lost", StillRunning: "still running", Stopped: "stopped",
}

func (r Reason) String() string {
	if name, ok := reasonNames[r]; ok {
		return name
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Error is a generator's failure, with the reason the engine acts on.
type Error struct {
	Reason Reason
	// Op is the call that failed: "submit", "generate", "status",
	// "result", "download", "credits".
	Op string
	// Message is what happened, in words fit for a person (never a key),
	// such as the API's answer ("401 Unauthorized: Invalid API key").
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
	b.WriteString(e.Message)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ReasonOf says why any error a generator returns happened. An error
// that is not an *Error is Retryable when it is a network error or a
// deadline, Stopped when its context was cancelled, and 0 (unknown)
// otherwise, which StopsRun takes as a reason to stop.
func ReasonOf(err error) Reason {
	var e *Error
	var netErr net.Error
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.Reason
	case errors.Is(err, context.Canceled):
		return Stopped
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr):
		return Retryable
	}
	return 0
}

// StopsRun reports an error no other request can get past: the key, the
// account, the caller stopping, or an error of no known reason.
func StopsRun(err error) bool {
	switch ReasonOf(err) {
	case BadKey, Forbidden, NoCredits, Stopped, 0:
		return err != nil
	}
	return false
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
