package segmind

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/imgform/imgform/internal/generate"
)

// tag names the client in the error a call returns ("segmind submit: …")
// and the HTTP status by its text.
func tag(err *error) {
	var e *generate.Error
	if !errors.As(*err, &e) {
		return
	}
	if !strings.HasPrefix(e.Op, "segmind ") {
		e.Op = "segmind " + e.Op
	}
	if e.Status != 0 && e.StatusText == "" {
		e.StatusText = http.StatusText(e.Status)
	}
}

// classForStatus maps an HTTP status to what can be done about it.
func classForStatus(code int) generate.Class {
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotAcceptable, http.StatusPaymentRequired:
		return generate.Fatal
	case http.StatusTooManyRequests:
		return generate.Throttled
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout, http.StatusRequestTimeout:
		return generate.Retryable
	}
	if code >= 500 {
		return generate.Retryable
	}
	return generate.ImageFailed
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
