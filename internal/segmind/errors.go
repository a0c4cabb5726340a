package segmind

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/imgform/imgform/internal/generate"
)

// tag names the client in the error a call returns ("segmind submit: …").
func tag(err *error) {
	var e *generate.Error
	if !errors.As(*err, &e) {
		return
	}
	if !strings.HasPrefix(e.Op, "segmind ") {
		e.Op = "segmind " + e.Op
	}
}

// reasonForStatus maps an HTTP status to the reason the engine acts on.
// The engine never sees the status itself: what it means is the client's
// business.
func reasonForStatus(code int) generate.Reason {
	switch code {
	case http.StatusUnauthorized:
		return generate.BadKey
	case http.StatusForbidden:
		return generate.Forbidden
	case http.StatusNotAcceptable, http.StatusPaymentRequired:
		return generate.NoCredits
	case http.StatusTooManyRequests:
		return generate.Throttled
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout, http.StatusRequestTimeout:
		return generate.Retryable
	}
	if code >= 500 {
		return generate.Retryable
	}
	return generate.Rejected
}

// statusErr is the HTTP status of the answer an error comes from. The
// client's errors wrap it, for messages and for StatusOf.
type statusErr struct {
	code int
	err  error
}

func (s *statusErr) Error() string {
	text := fmt.Sprintf("%d %s", s.code, http.StatusText(s.code))
	if s.err != nil {
		text += ": " + s.err.Error()
	}
	return text
}

func (s *statusErr) Unwrap() error { return s.err }

// StatusOf is the HTTP status of the answer err came from; 0 when no
// answer came. Only the client's own callers (its tests, a person
// reading the message) care: the engine acts on generate.ReasonOf.
func StatusOf(err error) int {
	var s *statusErr
	if errors.As(err, &s) {
		return s.code
	}
	return 0
}

// withStatus marks e as the error of an answer with HTTP status code:
// its message starts with the status ("401 Unauthorized: …"), and it
// wraps it.
func withStatus(e *generate.Error, code int) *generate.Error {
	prefix := fmt.Sprintf("%d %s", code, http.StatusText(code))
	if e.Message == "" {
		e.Message = prefix
	} else {
		e.Message = prefix + ": " + e.Message
	}
	e.Err = &statusErr{code: code, err: e.Err}
	return e
}

// maxMessage bounds the server text an error carries.
const maxMessage = 300

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
