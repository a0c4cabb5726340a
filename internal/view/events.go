package view

import (
	"encoding/json"
	"io"
	"math"
	"sync"

	"github.com/imgform/imgform/internal/apply"
)

// EventJSON is one line of apply --json: an event of the run, in a form
// of its own, apart from apply's types, so that scripts reading the
// stream do not break when the engine changes.
type EventJSON struct {
	Type          string  `json:"type"`
	Address       string  `json:"address,omitempty"`
	Action        string  `json:"action,omitempty"`
	Source        string  `json:"source,omitempty"`
	RequestID     string  `json:"request_id,omitempty"`
	Path          string  `json:"path,omitempty"`
	Attempt       int     `json:"attempt,omitempty"`
	DelayNS       int64   `json:"delay_ns,omitempty"`
	DurationNS    int64   `json:"duration_ns,omitempty"`
	InferenceTime float64 `json:"inference_time,omitempty"`
	Message       string  `json:"message,omitempty"`
	Total         int     `json:"total,omitempty"`
	Images        int     `json:"images,omitempty"`
	Concurrency   int     `json:"concurrency,omitempty"`
	CostUSD       float64 `json:"cost_usd,omitempty"`
	Variants      int     `json:"variants,omitempty"`
	Candidate     int     `json:"candidate,omitempty"`
}

// summaryJSON is the last line of apply --json.
type summaryJSON struct {
	Type           string        `json:"type"` // "summary"
	Created        int           `json:"created"`
	Replaced       int           `json:"replaced"`
	Moved          int           `json:"moved"`
	Restored       int           `json:"restored"`
	Deleted        int           `json:"deleted"`
	Rederived      int           `json:"rederived"`
	Derived        int           `json:"derived"`
	FromCache      int           `json:"from_cache"`
	Resumed        int           `json:"resumed"`
	Collected      int           `json:"collected"`
	Generated      int           `json:"generated"`
	PossiblyBilled int           `json:"possibly_billed"`
	Rendered       int           `json:"rendered"`
	Failed         []failureJSON `json:"failed"`
	Refreshed      int           `json:"refreshed"`
	Committed      int           `json:"committed,omitempty"`
	Uploaded       int           `json:"uploaded,omitempty"`
	Interrupted    bool          `json:"interrupted"`
	NotStarted     int           `json:"not_started"`
	Kept           int           `json:"kept"`
	KeptIn         string        `json:"kept_in,omitempty"`
	Lost           int           `json:"lost"`
	Journaled      int           `json:"journaled"`
	// SpentUSD is what the images made in this run cost;
	// PossiblyBilledUSD what the possibly billed requests may have.
	SpentUSD          float64 `json:"spent_usd"`
	PossiblyBilledUSD float64 `json:"possibly_billed_usd"`
	Error             string  `json:"error,omitempty"`
}

// failureJSON is a change that failed.
type failureJSON struct {
	Address string `json:"address"`
	Reason  string `json:"reason"`
}

// EventStream writes apply --json: one JSON object per line, events as
// they come (from several goroutines), then the summary.
type EventStream struct {
	mu  sync.Mutex
	enc *json.Encoder
}

// NewEventStream writes to w.
func NewEventStream(w io.Writer) *EventStream {
	return &EventStream{enc: json.NewEncoder(w)}
}

// Emit writes one event.
func (s *EventStream) Emit(e apply.Event) {
	s.write(EventJSON{Type: string(e.Type), Address: e.Address, Action: string(e.Action), Source: string(e.Source), RequestID: e.RequestID,
		Path: e.Path, Attempt: e.Attempt, DelayNS: int64(e.Delay), DurationNS: int64(e.Duration), InferenceTime: e.InferenceTime,
		Message: e.Message, Total: e.Total, Images: e.Images, Concurrency: e.Concurrency, CostUSD: round6(e.CostUSD), Variants: e.Variants, Candidate: e.Candidate})
}

// Summary writes the summary line, with the error that ended the run.
func (s *EventStream) Summary(sum *apply.Summary, err error) {
	out := summaryJSON{Type: "summary", Created: sum.Created, Replaced: sum.Replaced, Moved: sum.Moved, Restored: sum.Restored,
		Deleted: sum.Deleted, Rederived: sum.Rederived, Derived: sum.Derived, FromCache: sum.FromCache, Resumed: sum.Resumed, Collected: sum.Collected, Generated: sum.Generated,
		PossiblyBilled: sum.PossiblyBilled, Rendered: sum.Rendered, Failed: []failureJSON{}, Refreshed: sum.Refreshed, Committed: sum.Committed, Uploaded: sum.Uploaded,
		Interrupted: sum.Interrupted, NotStarted: sum.NotStarted, Kept: sum.Kept, KeptIn: sum.KeptIn, Lost: sum.Lost, Journaled: sum.Journaled,
		SpentUSD: round6(sum.SpentUSD), PossiblyBilledUSD: round6(sum.PossiblyBilledUSD)}
	for _, f := range sum.Failed {
		out.Failed = append(out.Failed, failureJSON(f))
	}
	if err != nil {
		out.Error = err.Error()
	}
	s.write(out)
}

func (s *EventStream) write(v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// An error is stdout gone (a closed pipe): nothing can be said there,
	// and the run goes on; its exit code still tells.
	_ = s.enc.Encode(v)
}

// round6 rounds dollars to micro-dollars, so that sums of prices print
// as the prices do (0.018, not 0.018000000000000002).
func round6(usd float64) float64 { return math.Round(usd*1e6) / 1e6 }
