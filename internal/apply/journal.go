package apply

import (
	"context"
	"sort"
	"sync"

	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/state"
)

// journal is the run's use of the backend's job journal: the jobs
// earlier runs left to resume, the requests another run may be sending
// (or may have billed), the pending record that precedes each billable
// request (pending.go), and what became of every job this run followed.
// It owns those records and what becomes of them, so that a killed run
// resumes what it paid for instead of paying again.
type journal struct {
	store state.Journal
	// ctx outlives the run's cancellation, so that a job submitted
	// before a Ctrl-C is still recorded.
	ctx      context.Context
	clock    clockwork.Clock
	endpoint string // the API this run calls: its jobs are the ones resumed
	lock     Lock   // nil: the pending records name no writer
	// keepFinished keeps the record of a job whose images are safe until
	// the service forgets it (Options.SharedState): chosen once,
	// consulted only by retire and tally.
	keepFinished bool
	report       *report
	gate         *gate
	ckpt         *checkpointer

	mu      sync.Mutex
	jobs    map[state.Hash][]state.JobRecord // journaled jobs to resume, by input hash
	fates   map[string]*jobFate              // what became of the jobs this run followed, by id
	sending map[state.Hash]state.JobRecord   // requests another run may be sending now, or may have billed, by input hash
	// possiblyBilled marks which of sending a dead run may have billed.
	possiblyBilled map[state.Hash]bool
}

func newJournal(ctx context.Context, store state.Journal, endpoint string, opts Options, rep *report, g *gate, ckpt *checkpointer) *journal {
	return &journal{store: store, ctx: context.WithoutCancel(ctx), clock: opts.Clock, endpoint: endpoint, lock: opts.Lock,
		keepFinished: opts.keepFinishedJobs(), report: rep, gate: g, ckpt: ckpt,
		jobs: map[state.Hash][]state.JobRecord{}, fates: map[string]*jobFate{},
		sending: map[state.Hash]state.JobRecord{}, possiblyBilled: map[state.Hash]bool{}}
}

// jobFate is what became of a job this run submitted or resumed: whether
// its record is in the journal (else the pending record written before it
// was submitted stands for it), and whether its images reached the cache.
type jobFate struct {
	recorded, done bool
	pending        string
}

// load reads the journaled jobs of this endpoint. Those too old to
// resume are dropped; the others are resumed by the change that needs
// their image, or collected into the cache at the end (collectOrphans).
func (j *journal) load() {
	entries, err := j.store.List(j.ctx)
	if err != nil {
		j.report.emit(Event{Type: EventWarning, Message: err.Error()})
		return
	}
	now := j.clock.Now()
	var pending []state.JobRecord
	for _, e := range entries {
		switch {
		case e.Pending && inFlightElsewhere(e, now):
			j.sending[e.InputHash] = e
		case e.Pending:
			pending = append(pending, e)
		case now.Sub(e.Job.Submitted) >= JobRetention:
			j.store.Remove(j.ctx, e.Job.ID)
		case e.Endpoint == j.endpoint:
			j.jobs[e.InputHash] = append(j.jobs[e.InputHash], e)
		}
	}
	for _, e := range pending {
		j.interruptedSubmit(e, len(j.jobs[e.InputHash]) > 0)
	}
}

// resumes reports whether a journaled job holds the image of input hash h.
func (j *journal) resumes(h state.Hash) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.jobs[h]) > 0
}

// take hands a journaled job to the one change that resumes it. A
// forced replacement takes only a job that an interrupted forced
// replacement submitted: the new image it asked for, already paid.
func (j *journal) take(h state.Hash, forced bool) (state.JobRecord, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	entries := j.jobs[h]
	// The newest first: the one most likely still within its retention.
	for i := len(entries) - 1; i >= 0; i-- {
		if forced && !entries[i].Forced {
			continue
		}
		e := entries[i]
		j.jobs[h] = append(entries[:i:i], entries[i+1:]...)
		return e, true
	}
	return state.JobRecord{}, false
}

// takeRest hands over every journaled job no change took.
func (j *journal) takeRest() []state.JobRecord {
	j.mu.Lock()
	defer j.mu.Unlock()
	var rest []state.JobRecord
	for _, entries := range j.jobs {
		rest = append(rest, entries...)
	}
	j.jobs = map[state.Hash][]state.JobRecord{}
	return rest
}

// record journals a job the API accepted, in place of the pending record
// that preceded it. When it cannot be written, the pending record stays
// (a later run knows a request may have been billed) and the error says
// why.
func (j *journal) record(e state.JobRecord, pending string) error {
	if err := j.store.Record(j.ctx, e); err != nil {
		j.mu.Lock()
		j.fates[e.Job.ID] = &jobFate{pending: pending}
		j.mu.Unlock()
		return err
	}
	j.followed(e.Job.ID)
	j.settle(e.Address, pending)
	return nil
}

// followed notes a job this run follows, journaled.
func (j *journal) followed(id string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.fates[id] = &jobFate{recorded: true}
}

// done notes a job whose images are safe (or that has none to wait
// for), and drops the pending record that stood for it, if any.
func (j *journal) done(addr, id string) {
	j.mu.Lock()
	f := j.fates[id]
	pending := ""
	if f != nil {
		f.done = true
		pending, f.pending = f.pending, ""
	}
	j.mu.Unlock()
	if pending != "" {
		j.settle(addr, pending)
	}
}

// forget drops the record of a job that has nothing left to resume (it
// failed, or the server no longer knows it).
func (j *journal) forget(addr, id string) {
	j.done(addr, id)
	j.store.Remove(j.ctx, id)
}

// retire is what becomes of the record of a job whose images are safe
// (recorded in a saved state, or, when no state records them, in the
// cache): dropped, or kept for the runners that share the state and not
// the cache (keepFinished). id "" is no job.
func (j *journal) retire(addr, id string) {
	if id == "" || j.keepFinished {
		return
	}
	if err := j.store.Remove(j.ctx, id); err != nil {
		j.report.emit(Event{Type: EventWarning, Address: addr, Message: err.Error()})
	}
}

// retireCached is retire for a job whose images the cache already held:
// a record that cannot be dropped now is left for a later run, quietly.
func (j *journal) retireCached(id string) {
	if !j.keepFinished {
		j.store.Remove(j.ctx, id)
	}
}

// tally counts, for the summary, the jobs of this endpoint left in the
// journal that are still running (a record left of a job this run
// finished is counted apart: the journal could not be updated), and the
// jobs this run submitted but could not journal.
func (j *journal) tally() {
	jobs, listErr := ResumableJobs(j.ctx, j.store, j.endpoint, j.clock.Now())
	// Kept for other runners (keepFinished), the records of jobs an
	// earlier run finished stay in the journal: the state records their
	// images, so they are not running.
	recorded := map[string]state.Hash{}
	if j.keepFinished && listErr == nil {
		j.ckpt.read(func(st *state.State) {
			for _, es := range jobs {
				for _, e := range es {
					if en := st.Images[e.Address]; en != nil {
						recorded[e.Address] = en.InputHash
					}
				}
			}
		})
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.report.count(func(s *Summary) {
		for id, f := range j.fates {
			switch {
			case f.done:
			case !f.recorded:
				s.Unjournaled = append(s.Unjournaled, id)
			case listErr != nil:
				s.Journaled++ // the journal cannot be read: as this run left it
			}
		}
		sort.Strings(s.Unjournaled)
		if listErr != nil {
			return
		}
		for _, es := range jobs {
			for _, e := range es {
				f := j.fates[e.Job.ID]
				switch {
				case f != nil && f.done && j.keepFinished:
				case f != nil && f.done:
					s.StaleRecords++
				case f == nil && j.keepFinished && recorded[e.Address] == e.InputHash:
					// finished by an earlier run, kept for other runners
				default:
					s.Journaled++
				}
			}
		}
	})
}
