package view

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/plan"
)

// A run's plain view: a line per image, failure and retry, in apply's or
// preview's words, and a summary that says what was paid and what may
// have been billed.
func TestRunLines(t *testing.T) {
	var out bytes.Buffer
	v := NewRunView(RunOutput{Stdout: &out}, KindApply)
	v.Emit(apply.Event{Type: apply.EventStarted, Address: "image.a"})
	v.Emit(apply.Event{Type: apply.EventFinished, Address: "image.a", Action: plan.Create, Source: "api", Duration: 1500 * time.Millisecond, RequestID: "0123456789abcdef", Variants: 2})
	v.Emit(apply.Event{Type: apply.EventRetry, Address: "image.b", Attempt: 1, Message: "502 Bad Gateway", Delay: 2 * time.Second})
	v.Emit(apply.Event{Type: apply.EventFailed, Address: "image.c", Message: "the prompt was refused"})
	v.Interrupted()
	v.Summary(&apply.Summary{Created: 1, Generated: 1, SpentUSD: 0.006, PossiblyBilled: 1, PossiblyBilledUSD: 0.006,
		Failed: []apply.Failure{{Address: "image.c", Reason: "the prompt was refused"}}, Uploaded: 2}, nil)
	got := out.String()
	for _, want := range []string{
		"image.a: created in 1.5s (request 01234567…); 2 variants derived\n",
		"image.b: attempt 1 failed (502 Bad Gateway); retrying in 2s\n",
		"image.c: failed: the prompt was refused\n",
		"Interrupt received: finishing 0 images in flight",
		"1 request possibly billed",
		"Uploaded 2 images to the team cache that an earlier run kept here.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the view lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\x1b[") {
		t.Errorf("colour without a terminal:\n%s", got)
	}
	if line := EventLine(apply.Event{Type: apply.EventFinished, Address: "image.a", Action: plan.Create, Source: "cache"}, false, KindPreview); line != "image.a: previewed from the cache" {
		t.Errorf("preview's line: %q", line)
	}
}

// Errors and warnings are Terraform's, with URL passwords masked.
func TestErrorAndWarningLines(t *testing.T) {
	if got, want := errorLine("connecting to postgres://app:hunter2@db/x failed", false, 0), "Error: connecting to postgres://app:****@db/x failed"; got != want {
		t.Errorf("errorLine = %q, want %q", got, want)
	}
	if got, want := warningLine("no shared cache", false, 0), "Warning: No shared cache"; got != want {
		t.Errorf("warningLine = %q, want %q", got, want)
	}
	if got := errorLine("x", true, 0); !strings.HasPrefix(got, "\x1b[1m\x1b[31mError:\x1b[0m") {
		t.Errorf("coloured errorLine = %q", got)
	}
}
