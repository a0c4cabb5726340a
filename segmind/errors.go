package segmind

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Class says what a caller can do about an error.
type Class int

const (
	// ClassRetryable: the same request may succeed later (429, 500, 502,
	// 504, a reset connection, a timeout).
	ClassRetryable Class = iota + 1
	// ClassFatal: no request can succeed until a person acts (401, 403:
	// the key; 406: the credits). Stop the whole run.
	ClassFatal
	// ClassImage: this request cannot succeed, others may (400, a FAILED
	// job such as a content block).
	ClassImage
)

func (c Class) String() string {
	switch c {
	case ClassRetryable:
		return "retryable"
	case ClassFatal:
		return "fatal"
	case ClassImage:
		return "image"
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// maxMessage bounds the server text an error carries.
const maxMessage = 300

// APIError is an answer of the API that is not a success, or a failure to
// get an answer at all (StatusCode 0).
type APIError struct {
	Op         string // "submit", "status", "result", "generate", "credits", "download"
	StatusCode int    // the HTTP status; 0 when no answer arrived
	Message    string // the server's message (or the transport error), trimmed
	Class      Class
	// RetryAfter is what the server's Retry-After asked for; 0 when absent.
	RetryAfter time.Duration
	// RequestID is the job the error is about, for v2 calls.
	RequestID string
	Err       error // the transport error, when there was no answer
	// PossiblyBilled marks a billable request (a v2 submit, a v1
	// generate) that the service received but whose answer does not
	// prove it was not processed: a 5xx, no answer after the request was
	// sent, an answer cut off. The image may have been made, and paid for.
	PossiblyBilled bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("segmind ")
	b.WriteString(e.Op)
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	b.WriteString(": ")
	if e.StatusCode != 0 {
		b.WriteString(strconv.Itoa(e.StatusCode))
		b.WriteString(" ")
		b.WriteString(http.StatusText(e.StatusCode))
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Err }

// JobFailedError is a v2 job that ended FAILED (HTTP 422), such as a
// content-policy block. It is about that image only.
type JobFailedError struct {
	RequestID string
	Message   string // the server's error text
}

func (e *JobFailedError) Error() string {
	return fmt.Sprintf("segmind job %s failed: %s", e.RequestID, e.Message)
}

// InvalidRequestError is a request that the schema refuses; it is never
// sent.
type InvalidRequestError struct{ Err error }

func (e *InvalidRequestError) Error() string { return "invalid request: " + e.Err.Error() }
func (e *InvalidRequestError) Unwrap() error { return e.Err }

// ClassOf classifies any error a client call returns. Errors the client
// does not know are treated as retryable when they are network errors and
// as fatal otherwise; a cancelled context is fatal (the caller stopped).
func ClassOf(err error) Class {
	var apiErr *APIError
	var failed *JobFailedError
	var invalid *InvalidRequestError
	var timeout *WaitTimeoutError
	var netErr net.Error
	switch {
	case err == nil:
		return 0
	case errors.As(err, &failed), errors.As(err, &invalid), errors.As(err, &timeout):
		return ClassImage
	case errors.As(err, &apiErr):
		return apiErr.Class
	case errors.Is(err, context.Canceled):
		return ClassFatal
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr):
		return ClassRetryable
	}
	return ClassFatal
}

// IsPossiblyBilled reports a billable request that may have been
// processed, and paid for, although no usable answer came back. Sending it
// again may pay twice.
func IsPossiblyBilled(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.PossiblyBilled
}

// IsNotFound reports an unknown or expired v2 request id (404).
func IsNotFound(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound
}

// RetryAfterOf returns the delay the server asked for, if any.
func RetryAfterOf(err error) time.Duration {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	return 0
}

// classForStatus maps an HTTP status to what can be done about it.
func classForStatus(code int) Class {
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotAcceptable, http.StatusPaymentRequired:
		return ClassFatal
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusRequestTimeout:
		return ClassRetryable
	}
	if code >= 500 {
		return ClassRetryable
	}
	return ClassImage
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date. Anything else, or a date in the past, is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if !(secs > 0) { // also NaN
			return 0
		}
		// Capped before the conversion, which overflows past ~292 years.
		return time.Duration(min(secs, time.Hour.Seconds()) * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, time.Hour)
		}
	}
	return 0
}

// trimMessage bounds a server message and keeps it on one line.
func trimMessage(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessage {
		cut := maxMessage
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
