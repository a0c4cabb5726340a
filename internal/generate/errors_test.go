package generate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
)

func TestReasonOf(t *testing.T) {
	var netErr net.Error = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	rejected := &Error{Op: "segmind job", Reason: Rejected, JobID: "r", Message: "failed: nsfw"}
	tests := []struct {
		name  string
		err   error
		want  Reason
		stops bool
	}{
		{"nil", nil, 0, false},
		{"retryable", &Error{Reason: Retryable}, Retryable, false},
		{"throttled", &Error{Reason: Throttled}, Throttled, false},
		{"a refused key", &Error{Reason: BadKey}, BadKey, true},
		{"a key not allowed", &Error{Reason: Forbidden}, Forbidden, true},
		{"no credits", &Error{Reason: NoCredits}, NoCredits, true},
		{"rejected", rejected, Rejected, false},
		{"wrapped", fmt.Errorf("image %q: %w", "hero", rejected), Rejected, false},
		{"lost", &Error{Reason: Lost, JobID: "r"}, Lost, false},
		{"still running", &Error{Reason: StillRunning}, StillRunning, false},
		{"cancelled", context.Canceled, Stopped, true},
		{"wrapped cancel", fmt.Errorf("waiting: %w", context.Canceled), Stopped, true},
		{"deadline", context.DeadlineExceeded, Retryable, false},
		{"network error", netErr, Retryable, false},
		{"unknown error", errors.New("something else"), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReasonOf(tt.err); got != tt.want {
				t.Errorf("ReasonOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if got := StopsRun(tt.err); got != tt.stops {
				t.Errorf("StopsRun(%v) = %v, want %v", tt.err, got, tt.stops)
			}
		})
	}
	for r, want := range map[Reason]string{Retryable: "retryable", BadKey: "bad key", NoCredits: "no credits", Rejected: "rejected", 99: "Reason(99)"} {
		if r.String() != want {
			t.Errorf("Reason(%d).String() = %q, want %q", int(r), r.String(), want)
		}
	}
}
