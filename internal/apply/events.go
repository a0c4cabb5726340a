package apply

import (
	"time"

	"github.com/imgform/imgform/internal/plan"
)

// EventType names what happened.
type EventType string

const (
	EventPlanned   EventType = "planned"   // the run starts with this many changes
	EventStarted   EventType = "started"   // a change is being worked on
	EventCacheHit  EventType = "cache-hit" // its images came from the cache
	EventSubmitted EventType = "submitted" // a v2 job was submitted (and journaled)
	EventResumed   EventType = "resumed"   // a journaled job is followed again
	EventRetry     EventType = "retry"     // an attempt failed and will be retried
	EventFinished  EventType = "finished"  // a change is done
	EventFailed    EventType = "failed"    // a change failed; the others go on
	EventWarning   EventType = "warning"   // something worth knowing, not an error
	EventKept      EventType = "kept"      // a file not as recorded was kept before being written over
	EventThrottled EventType = "throttled" // the API answered 429: this request waits Delay; Concurrency is the limit now
)

// Event is one thing that happened during apply, for the progress
// display, the CI log and --json (whose form is view.EventJSON).
type Event struct {
	Type    EventType
	Address string
	Action  plan.Action
	// Source says where a finished change's images came from: "api",
	// "cache", "offline", "resumed", or "" for moves and deletes.
	Source    Source
	RequestID string
	// Path is the output an event is about (kept).
	Path          string
	Attempt       int
	Delay         time.Duration
	Duration      time.Duration
	InferenceTime float64
	Message       string
	// Total is the number of changes, on EventPlanned.
	Total int
	// Images is the number of images the API made for a finished change
	// in this run (and was paid for), on EventFinished.
	Images int
	// Concurrency is the adaptive limit of requests at the API after a
	// 429, on EventThrottled.
	Concurrency int
	// CostUSD is what a finished change paid the API in this run.
	CostUSD float64
	// Variants is the number of variant files a finished change derived.
	Variants int
	// Candidate is the candidate a change of a preview generates (0 for
	// none): the same address is previewed once per candidate.
	Candidate int
}

// Events receives the events of a run. Emit is called from several
// goroutines at once.
type Events interface {
	Emit(Event)
}

// Failure is a change that failed, with the reason.
type Failure struct {
	Address string
	Reason  string
}

// Summary is what a run did.
type Summary struct {
	Created   int
	Replaced  int
	Moved     int
	Restored  int
	Deleted   int
	FromCache int
	Resumed   int
	// Collected counts the jobs an earlier run submitted that no change of
	// this run needed, whose images were fetched into the cache.
	Collected int
	// Generated counts the images the API was paid for in this run
	// (resumed jobs were paid for earlier and are not counted).
	Generated int
	// PossiblyBilled counts the requests that the API received and may
	// have processed (and billed) without a usable answer: a 5xx, no
	// answer, an answer cut off. Each image sends at most one more.
	PossiblyBilled int
	// EarlierPossiblyBilled counts the requests an earlier run was sending
	// when it died (its pending journal records): they may have been
	// billed, and cannot be followed.
	EarlierPossiblyBilled int
	// Rendered counts offline placeholders.
	Rendered int
	// Derived counts the variant files derived (and written); Rederived
	// the changes that only derived variants.
	Derived   int
	Rederived int
	Failed    []Failure
	// Refreshed counts outputs whose recorded mtime was brought up to date.
	Refreshed int
	// Committed counts images made from changes not committed then that
	// took the commit that holds them now.
	Committed int
	// Uploaded counts the images that earlier runs kept here for the
	// team cache, uploaded by this one.
	Uploaded int
	// Interrupted is true when an interrupt stopped the run early.
	Interrupted bool
	// NotStarted counts the changes left for the next run (interrupt or
	// fatal error).
	NotStarted int
	// Kept counts the files not as the state recorded them (edited by
	// hand, or not imgform's) that were copied into KeptIn before being
	// written over.
	Kept   int
	KeptIn string
	// Lost counts the submitted jobs the server no longer knew when they
	// were polled (expired or lost): their images must be paid for again.
	Lost int
	// Journaled counts the submitted jobs still in the journal at the end
	// that have not finished (interrupted, stopped, or timed out): paid
	// for, and picked up by the next apply without paying again.
	Journaled int
	// StaleRecords counts records left in the journal of jobs this run
	// finished (their images are in the cache): the journal could not be
	// updated. The next apply drops them.
	StaleRecords int
	// Unjournaled lists the request ids of jobs this run submitted, and
	// could not journal, that did not finish: paid for, and not known to
	// the next run.
	Unjournaled []string
	// Stranded counts images that reached the cache after the run lost
	// its lock, and were not written (LockLost says why).
	Stranded int
	LockLost string
	// SpentUSD is what the images the API made in this run cost (what the
	// provider reported, or the model's price), and PossiblyBilledUSD what
	// the requests counted in PossiblyBilled may have cost besides.
	SpentUSD          float64
	PossiblyBilledUSD float64
}

// done counts one finished change.
func (s *Summary) done(a plan.Action) {
	switch a {
	case plan.Create:
		s.Created++
	case plan.Replace:
		s.Replaced++
	case plan.Move:
		s.Moved++
	case plan.Restore:
		s.Restored++
	case plan.Delete:
		s.Deleted++
	case plan.Derive:
		s.Rederived++
	}
}
