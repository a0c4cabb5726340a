package view

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/plan"
)

// The apply --json stream, field by field: scripts read these names.
func TestEventStream(t *testing.T) {
	var buf bytes.Buffer
	s := NewEventStream(&buf)
	s.Emit(apply.Event{Type: apply.EventPlanned, Total: 2})
	s.Emit(apply.Event{Type: apply.EventRetry, Address: "image.hero", Action: plan.Create, RequestID: "r1", Attempt: 2,
		Delay: 1500 * time.Millisecond, Message: "segmind submit: 503 Service Unavailable"})
	s.Emit(apply.Event{Type: apply.EventFinished, Address: "image.hero", Action: plan.Create, Source: apply.FromAPI,
		Duration: 3 * time.Second, InferenceTime: 2.87, Images: 1, CostUSD: 0.006})
	s.Summary(&apply.Summary{Created: 1, Generated: 1, PossiblyBilled: 1, Failed: []apply.Failure{{Address: "image.logo", Reason: "content policy"}},
		SpentUSD: 0.006 + 0.012, PossiblyBilledUSD: 0.006}, errors.New("1 image failed"))
	s.Summary(&apply.Summary{}, nil)
	want := `{"type":"planned","total":2}
{"type":"retry","address":"image.hero","action":"create","request_id":"r1","attempt":2,"delay_ns":1500000000,"message":"segmind submit: 503 Service Unavailable"}
{"type":"finished","address":"image.hero","action":"create","source":"api","duration_ns":3000000000,"inference_time":2.87,"images":1,"cost_usd":0.006}
{"type":"summary","created":1,"replaced":0,"moved":0,"restored":0,"deleted":0,"rederived":0,"derived":0,"from_cache":0,"resumed":0,"collected":0,"generated":1,"possibly_billed":1,"rendered":0,"failed":[{"address":"image.logo","reason":"content policy"}],"refreshed":0,"interrupted":false,"not_started":0,"kept":0,"lost":0,"journaled":0,"spent_usd":0.018,"possibly_billed_usd":0.006,"error":"1 image failed"}
{"type":"summary","created":0,"replaced":0,"moved":0,"restored":0,"deleted":0,"rederived":0,"derived":0,"from_cache":0,"resumed":0,"collected":0,"generated":0,"possibly_billed":0,"rendered":0,"failed":[],"refreshed":0,"interrupted":false,"not_started":0,"kept":0,"lost":0,"journaled":0,"spent_usd":0,"possibly_billed_usd":0}
`
	if diff := cmp.Diff(strings.Split(want, "\n"), strings.Split(buf.String(), "\n")); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}
