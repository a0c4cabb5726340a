package apply

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/local"
)

// journalRig is a run's journal over a real local backend whose lock the
// test holds (pending records are fenced by it), with the state st.
func journalRig(t *testing.T, keepFinished bool, st *state.State) *journal {
	t.Helper()
	b := local.Open(filepath.Join(t.TempDir(), "imgform.state.json"))
	l, err := b.Lock(t.Context(), state.LockOptions{Operation: "apply (test)"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Unlock() })
	rep := &report{log: slog.New(slog.DiscardHandler), summary: &Summary{}}
	opts := Options{Clock: clockwork.NewFakeClock(), SharedState: keepFinished}
	return newJournal(t.Context(), b.Jobs(), "http://api.test", opts, rep, nil, &checkpointer{st: st})
}

// finishJob journals a job as a run does (the pending record that
// precedes the request, then the job's own record in its place), and
// notes its images safe. It returns the job's id.
func finishJob(t *testing.T, j *journal, addr string, h state.Hash) string {
	t.Helper()
	now := j.clock.Now().UTC()
	pending := state.JobRecord{Address: addr, InputHash: h, Samples: 1, Endpoint: j.endpoint, Pending: true,
		Job: model.Job{ID: state.NewPendingID(), Submitted: now}}
	if err := j.store.Record(t.Context(), pending); err != nil {
		t.Fatal(err)
	}
	rec := state.JobRecord{Address: addr, InputHash: h, Samples: 1, Endpoint: j.endpoint, Job: model.Job{ID: "job-" + addr, Submitted: now}}
	if err := j.record(rec, pending.Job.ID); err != nil {
		t.Fatal(err)
	}
	j.done(addr, rec.Job.ID)
	return rec.Job.ID
}

func journaledIDs(t *testing.T, j *journal) []string {
	t.Helper()
	recs, err := j.store.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.Job.ID)
	}
	return ids
}

func TestJournalDropsAFinishedJobsRecord(t *testing.T) {
	j := journalRig(t, false, state.New())
	id := finishJob(t, j, "a", state.SumBytes([]byte("a")))
	if got := journaledIDs(t, j); len(got) != 1 || got[0] != id {
		t.Fatalf("before it is retired, the journal holds %v, want only %s (the pending record gone)", got, id)
	}
	j.retire("a", id)
	if got := journaledIDs(t, j); len(got) != 0 {
		t.Fatalf("after it is retired, the journal holds %v, want nothing", got)
	}
	j.tally()
	if s := j.report.summary; s.Journaled != 0 || s.StaleRecords != 0 || len(s.Unjournaled) != 0 {
		t.Errorf("tally: journaled %d, stale %d, unjournaled %v; want none", s.Journaled, s.StaleRecords, s.Unjournaled)
	}
}

func TestJournalCountsARecordItCouldNotDropAsStale(t *testing.T) {
	j := journalRig(t, false, state.New())
	finishJob(t, j, "a", state.SumBytes([]byte("a"))) // finished, and never retired
	j.tally()
	if s := j.report.summary; s.StaleRecords != 1 || s.Journaled != 0 {
		t.Errorf("tally: stale %d, journaled %d; want 1 stale record, none running", s.StaleRecords, s.Journaled)
	}
}

func TestJournalKeepsFinishedJobsForOtherRunners(t *testing.T) {
	st := state.New()
	mine, earlier, other := state.SumBytes([]byte("mine")), state.SumBytes([]byte("earlier")), state.SumBytes([]byte("other"))
	st.Images["earlier"] = &state.Entry{InputHash: earlier}
	st.Images["changed"] = &state.Entry{InputHash: other}
	j := journalRig(t, true, st)
	id := finishJob(t, j, "mine", mine)
	j.retire("mine", id)
	j.retireCached(id)
	if got := journaledIDs(t, j); len(got) != 1 || got[0] != id {
		t.Fatalf("the journal holds %v, want the finished job %s kept", got, id)
	}
	// Records an earlier run left: one whose image the state records (it
	// finished, and is kept for other runners), one whose address the
	// state records with another image (still running).
	now := j.clock.Now().UTC()
	for _, r := range []state.JobRecord{
		{Address: "earlier", InputHash: earlier, Samples: 1, Endpoint: j.endpoint, Job: model.Job{ID: "job-earlier", Submitted: now}},
		{Address: "changed", InputHash: state.SumBytes([]byte("changed")), Samples: 1, Endpoint: j.endpoint, Job: model.Job{ID: "job-changed", Submitted: now}},
	} {
		if err := j.store.Record(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	j.tally()
	if s := j.report.summary; s.Journaled != 1 || s.StaleRecords != 0 {
		t.Errorf("tally: journaled %d, stale %d; want 1 running (job-changed) and no stale record (kept on purpose)", s.Journaled, s.StaleRecords)
	}
}
