package apply

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind/emulator"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/local"
)

// forceAwayOnFirstSubmit is an event hook that forces the run's lock away
// (as imgform force-unlock --force from another terminal) as soon as the
// first job is submitted, and, when takeOver is set, has another run take
// the lock at once. It returns the hook and the other run's lock (nil
// until taken).
func forceAwayOnFirstSubmit(t *testing.T, w *workspace, takeOver bool) (func(Event), func() state.Lock) {
	var once sync.Once
	var mu sync.Mutex
	var other state.Lock
	hook := func(e Event) {
		if e.Type != EventSubmitted {
			return
		}
		once.Do(func() {
			b := local.Open(w.statePath())
			if err := b.ForceUnlock(context.Background(), w.lock.Info().ID, state.ForceOptions{Force: true}); err != nil {
				t.Errorf("force-unlock: %v", err)
				return
			}
			if !takeOver {
				return
			}
			l, err := b.Lock(context.Background(), state.LockOptions{Operation: "apply (the other run)"})
			if err != nil {
				t.Errorf("the other run's lock: %v", err)
				return
			}
			t.Cleanup(func() { l.Unlock() })
			mu.Lock()
			other = l
			mu.Unlock()
		})
	}
	return hook, func() state.Lock {
		mu.Lock()
		defer mu.Unlock()
		return other
	}
}

// A run whose lock is forced away stops paying at once: no request is
// sent after the loss, the jobs in flight reach the cache (not the
// outputs), the run says the lock was lost and fails, and the state is
// saved only because nobody else holds the lock. The next run pays for
// the rest only: every image is paid once.
func TestRunStopsPayingWhenLockLost(t *testing.T) {
	w := newWorkspace(t).withEmulator(emulator.Options{Latency: 300 * time.Millisecond, Credits: -1}, "k")
	images := tiles(6)
	rec := &recorder{}
	rec.hook, _ = forceAwayOnFirstSubmit(t, w, false)
	opts := w.options()
	opts.Parallelism = 2
	opts.Events = rec
	s, err := w.apply(context.Background(), images, opts)

	var lost *LockLostError
	if !errors.As(err, &lost) {
		t.Fatalf("a run whose lock was forced away: %v, want a *LockLostError", err)
	}
	if !strings.Contains(err.Error(), "the state lock was lost (the lock file was removed or replaced") || !lost.Saved {
		t.Errorf("the error: %v (saved %v)", err, lost.Saved)
	}
	submitted := w.emu.Stats().JobsSubmitted
	if submitted < 1 || submitted > int64(opts.Parallelism) {
		t.Errorf("%d jobs submitted; after the first, only one already past its fenced journal write may go (parallelism %d)", submitted, opts.Parallelism)
	}
	if n := int64(len(rec.of(EventSubmitted))); n != submitted {
		t.Errorf("%d submitted events for %d submits", n, submitted)
	}
	if s.Stranded != int(submitted) || s.Generated != int(submitted) || len(s.Failed) != 0 {
		t.Errorf("summary: %d stranded, %d generated, failed %v; want the %d submitted images paid and stranded in the cache", s.Stranded, s.Generated, s.Failed, submitted)
	}
	if ids := w.journaled(); len(ids) != int(submitted) {
		t.Errorf("the journal keeps %v; want the records of the %d stranded jobs, which no saved state records", ids, submitted)
	}
	for _, img := range images {
		if w.exists(img.Outputs[0]) {
			t.Errorf("%s was written after the lock was lost", img.Outputs[0])
		}
	}

	// The next run holds the lock, finds the stranded images in the cache,
	// and pays for the others only.
	opts = w.options()
	opts.Events = &recorder{}
	w.mustApply(images, opts)
	w.checkState("image.tile[0]", "image.tile[1]", "image.tile[2]", "image.tile[3]", "image.tile[4]", "image.tile[5]")
	if st := w.emu.Stats(); st.Generated != 6 || st.JobsSubmitted != 6 {
		t.Errorf("generated %d, submitted %d for 6 images", st.Generated, st.JobsSubmitted)
	}
}

// When another run took the lock after it was forced away, the run that
// lost it does not save: the other run's state is not overwritten.
func TestRunLostLockLeavesNewHoldersState(t *testing.T) {
	w := newWorkspace(t).withEmulator(emulator.Options{Latency: 300 * time.Millisecond, Credits: -1}, "k")
	w.mustApply(tiles(1), w.options()) // serial 1
	images := tiles(4)
	rec := &recorder{}
	var other func() state.Lock
	rec.hook, other = forceAwayOnFirstSubmit(t, w, true)
	opts := w.options()
	opts.Parallelism = 1
	opts.Events = rec
	_, err := w.apply(context.Background(), images, opts)
	var lost *LockLostError
	if !errors.As(err, &lost) || lost.Saved || lost.SaveErr == nil || !strings.Contains(err.Error(), "another run holds the lock now") {
		t.Fatalf("a run whose lock another run took: %v, want it lost and not saved", err)
	}
	if other() == nil {
		t.Fatal("the other run never took the lock")
	}
	_, st := w.load()
	if st.Serial != 1 || len(st.Images) != 1 {
		t.Errorf("the state is at serial %d with %d images; the run that lost the lock wrote it", st.Serial, len(st.Images))
	}
	if n := w.emu.Stats().JobsSubmitted; n != 2 {
		t.Errorf("%d jobs submitted: one for the first apply, one before the lock was lost; want 2", n)
	}
}

// deadPID is the pid of a process that ran on this host and exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// livePID is the pid of a process that runs on this host until the test
// ends.
func livePID(t *testing.T) int {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWaitForStdin$")
	cmd.Env = append(os.Environ(), "IMGFORM_TEST_WAIT=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	return cmd.Process.Pid
}

// TestHelperWaitForStdin is a process for livePID: it waits until its
// stdin closes.
func TestHelperWaitForStdin(t *testing.T) {
	if os.Getenv("IMGFORM_TEST_WAIT") == "" {
		t.Skip("a helper process for livePID")
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// recordPending writes, through the run's locked backend, the pending
// record a run with the given pid on this host left for img at when.
func recordPending(t *testing.T, w *workspace, img *spec.Image, pid int, when time.Time) {
	t.Helper()
	p, b, _ := w.plan([]*spec.Image{img}, false)
	host, _ := os.Hostname()
	rec := state.JobRecord{Address: p.Changes[0].Address, InputHash: p.Changes[0].InputHash, Samples: 1, Endpoint: w.client.BaseURL(), Pending: true,
		Writer: &state.LockInfo{ID: "earlier-run", Operation: "apply", PID: pid, Host: host},
		Job:    model.Job{ID: state.NewPendingID(), Submitted: when.UTC()}}
	if err := b.Jobs().Record(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
}

// A pending record a run left when it died (between its journal write
// and the API's answer), or one too old for its request to be in flight,
// is a request that may have been billed: the image fails in this run,
// saying so, with nothing sent; the record is dropped, and the next run
// pays for the image on purpose.
func TestRunReportsEarlierPendingSubmit(t *testing.T) {
	for name, tc := range map[string]struct {
		pid  func(t *testing.T) int
		when time.Time
	}{
		"its writer died":   {deadPID, time.Now()},
		"it is out of time": {livePID, time.Now().Add(-PendingInFlight)},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorkspace(t).withEmulator(quick, "k")
			hero := testImage("hero", 0, "a lighthouse", "hero.png")
			recordPending(t, w, hero, tc.pid(t), tc.when)
			s, err := w.apply(context.Background(), []*spec.Image{hero}, w.options())
			if err != nil {
				t.Fatal(err)
			}
			if s.EarlierPossiblyBilled != 1 || len(s.Failed) != 1 || !strings.HasPrefix(s.Failed[0].Reason, "possibly billed: ") {
				t.Errorf("%d earlier requests possibly billed, failed %+v; want 1, and the image failed saying so", s.EarlierPossiblyBilled, s.Failed)
			}
			if n := w.emu.Stats().JobsSubmitted; n != 0 {
				t.Errorf("%d jobs submitted for an image an earlier request may have paid for", n)
			}
			if ids := w.journaled(); len(ids) != 0 {
				t.Errorf("the journal keeps %v", ids)
			}
			if s := w.mustApply([]*spec.Image{hero}, w.options()); s.Generated != 1 {
				t.Errorf("the next apply generated %d, want 1: it pays on purpose", s.Generated)
			}
		})
	}
}

// A pending record whose job the journal holds too (the run recorded the
// job, and died before dropping its pending record) is dropped quietly:
// the job is followed, and nothing is paid.
func TestRunDropsPendingRecordOfJournaledJob(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	hero := testImage("hero", 0, "a lighthouse", "hero.png")
	w.submitAndRecord(hero)
	recordPending(t, w, hero, deadPID(t), time.Now())
	s := w.mustApply([]*spec.Image{hero}, w.options())
	if s.EarlierPossiblyBilled != 0 || s.Resumed != 1 || w.emu.Stats().JobsSubmitted != 1 {
		t.Errorf("summary %+v, %d submitted; want the journaled job resumed, nothing else", s, w.emu.Stats().JobsSubmitted)
	}
}

// A young pending record of a run that still lives (one that lost its
// lock, whose request may not be answered yet) stops this run from paying
// for that image: it fails, nothing is sent, and the record stays.
func TestRunDoesNotPayForRequestInFlightElsewhere(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	hero := testImage("hero", 0, "a lighthouse", "hero.png")
	other := testImage("other", 0, "a harbour", "other.png")
	recordPending(t, w, hero, livePID(t), time.Now())
	s, err := w.apply(context.Background(), []*spec.Image{hero, other}, w.options())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Failed) != 1 || s.Failed[0].Address != "image.hero[0]" || !strings.Contains(s.Failed[0].Reason, "may still be: nothing is paid for it in this run") {
		t.Errorf("failed: %+v; want image.hero[0], in flight elsewhere", s.Failed)
	}
	if st := w.emu.Stats(); st.JobsSubmitted != 1 || s.Generated != 1 {
		t.Errorf("%d submitted, %d generated; want the other image only", st.JobsSubmitted, s.Generated)
	}
	if ids := w.journaled(); len(ids) != 1 {
		t.Errorf("the journal holds %v, want the other run's pending record", ids)
	}
}

// flakyJournal is a journal whose server goes away right after the first
// job record is written, and is back when the run lists it at the end:
// records and removals fail meanwhile. A database cannot be made to fail
// at that very moment, so the journal is wrapped.
type flakyJournal struct {
	state.Journal
	down *atomic.Bool
}

func (j flakyJournal) Record(ctx context.Context, rec state.JobRecord) error {
	if j.down.Load() {
		return errors.New("the journal's server went away")
	}
	if err := j.Journal.Record(ctx, rec); err != nil {
		return err
	}
	if !rec.Pending {
		j.down.Store(true)
	}
	return nil
}

func (j flakyJournal) Remove(ctx context.Context, id string) error {
	if j.down.Load() {
		return errors.New("the journal's server went away")
	}
	return j.Journal.Remove(ctx, id)
}

// After the journal fails, the run submits nothing more, follows the job
// it has to its image, and its summary says what is true: the job
// finished (its record is left only because the journal could not be
// updated), and none is still running.
func TestRunSummaryAfterJournalFailure(t *testing.T) {
	w := newWorkspace(t).withEmulator(emulator.Options{Latency: 100 * time.Millisecond, Credits: -1}, "k")
	images := tiles(8)
	p, b, st := w.plan(images, false)
	opts := w.options()
	opts.Parallelism = 1
	opts.Lock = w.lock
	s, err := Run(context.Background(), p, journalOf{b, flakyJournal{b.Jobs(), new(atomic.Bool)}}, st, opts)
	var fatal *FatalError
	if !errors.As(err, &fatal) || !strings.Contains(err.Error(), "the job journal cannot be written") {
		t.Fatalf("Run: %v, want the journal's failure", err)
	}
	if n := w.emu.Stats().JobsSubmitted; n != 1 || s.Generated != 1 {
		t.Errorf("%d submitted, %d generated; want the one job submitted before the failure, followed to its image", n, s.Generated)
	}
	if s.Journaled != 0 || s.StaleRecords != 1 || len(s.Unjournaled) != 0 {
		t.Errorf("summary: %d journaled, %d stale records, unjournaled %v; want the finished job's record counted as stale, none running", s.Journaled, s.StaleRecords, s.Unjournaled)
	}
}

// journalOf is a backend with another journal.
type journalOf struct {
	state.Backend
	j state.Journal
}

func (b journalOf) Jobs() state.Journal { return b.j }
