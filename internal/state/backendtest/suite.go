package backendtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/state"
)

// Workspace is one empty workspace of the backend under test.
type Workspace struct {
	// Open returns a new handle on the workspace, as another run would
	// open it.
	Open func(t *testing.T) state.Backend
	// Env names the workspace to a holder process (see ServeHolder).
	Env []string
}

// Run runs the conformance suite. newWorkspace makes a new, empty
// workspace each time it is called; the suite's tests each take their own.
func Run(t *testing.T, newWorkspace func(t *testing.T) Workspace) {
	t.Run("LoadEmpty", func(t *testing.T) { testLoadEmpty(t, newWorkspace(t)) })
	t.Run("SaveLoad", func(t *testing.T) { testSaveLoad(t, newWorkspace(t)) })
	t.Run("CompareAndSwap", func(t *testing.T) { testCompareAndSwap(t, newWorkspace(t)) })
	t.Run("Push", func(t *testing.T) { testPush(t, newWorkspace(t)) })
	t.Run("LockExclusion", func(t *testing.T) { testLockExclusion(t, newWorkspace(t)) })
	t.Run("LockWait", func(t *testing.T) { testLockWait(t, newWorkspace(t)) })
	t.Run("LockHolderKilled", func(t *testing.T) { testLockHolderKilled(t, newWorkspace(t)) })
	t.Run("ForceUnlock", func(t *testing.T) { testForceUnlock(t, newWorkspace(t)) })
	t.Run("Journal", func(t *testing.T) { testJournal(t, newWorkspace(t), newWorkspace(t)) })
	t.Run("Fencing", func(t *testing.T) { testFencing(t, newWorkspace(t)) })
	t.Run("PendingNeedsLock", func(t *testing.T) { testPendingNeedsLock(t, newWorkspace(t)) })
}

func ctxOf(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Images returns n entries for a state, image.tile[0] to [n-1].
func Images(n int) map[string]*state.Entry { return ImagesFrom(0, n) }

// ImagesFrom returns n entries for a state, image.tile[from] to
// [from+n-1]: those Images(from+n) has beyond Images(from).
func ImagesFrom(from, n int) map[string]*state.Entry {
	out := make(map[string]*state.Entry, n)
	mtime := time.Date(2026, 11, 25, 10, 41, 7, 0, time.UTC)
	for i := from; i < from+n; i++ {
		req := model.NewRequest(model.Default).WithPrompt("tile " + strconv.Itoa(i)).WithSeed(int64(i))
		out[fmt.Sprintf("image.tile[%d]", i)] = &state.Entry{
			Generator: state.GeneratorAPI, Endpoint: "https://api.segmind.com", InputHash: req.InputHash(), Request: req, SeedOrigin: "explicit",
			Outputs: []state.Output{{Path: fmt.Sprintf("tiles/%d.png", i), ModTime: mtime, Size: int64(1000 + i), SHA256: state.SumBytes([]byte(strconv.Itoa(i)))}},
		}
	}
	return out
}

func load(t *testing.T, b state.Backend) *state.State {
	t.Helper()
	st, err := b.Load(ctxOf(t))
	if err != nil {
		t.Fatalf("Load from %s: %v", b, err)
	}
	return st
}

func save(t *testing.T, b state.Backend, st *state.State, want bool) {
	t.Helper()
	changed, err := b.Save(ctxOf(t), st)
	if err != nil {
		t.Fatalf("Save to %s: %v", b, err)
	}
	if changed != want {
		t.Fatalf("Save reported changed=%v, want %v", changed, want)
	}
}

// A workspace with nothing stored loads as a new, empty state, and saving
// it unchanged stores nothing.
func testLoadEmpty(t *testing.T, ws Workspace) {
	b := ws.Open(t)
	st := load(t, b)
	if len(st.Images) != 0 || st.Lineage != "" || st.Serial != 0 {
		t.Fatalf("empty workspace: %d images, lineage %q, serial %d", len(st.Images), st.Lineage, st.Serial)
	}
	save(t, b, st, false)
	again := load(t, ws.Open(t))
	if again.Lineage != "" || again.Serial != 0 {
		t.Errorf("saving an empty state stored one: lineage %q, serial %d", again.Lineage, again.Serial)
	}
}

// What is saved loads back the same; each change is one serial more; the
// lineage is given once and kept; Save leaves the state it is given alone.
func testSaveLoad(t *testing.T, ws Workspace) {
	b := ws.Open(t)
	st := load(t, b)
	st.Images = Images(3)
	before := st.Clone()
	save(t, b, st, true)
	if diff := cmp.Diff(before, st); diff != "" {
		t.Errorf("Save changed the state it was given (-before +after):\n%s", diff)
	}
	got := load(t, ws.Open(t))
	if got.Serial != 1 || len(got.Lineage) != 36 || got.Version != state.Version || got.InputHashVersion != state.InputHashVersion {
		t.Errorf("after the first save: serial %d, lineage %q, version %d, input hash version %d", got.Serial, got.Lineage, got.Version, got.InputHashVersion)
	}
	if diff := cmp.Diff(st.Images, got.Images); diff != "" {
		t.Errorf("loaded images (-saved +loaded):\n%s", diff)
	}
	lineage := got.Lineage

	save(t, b, st, false) // unchanged: nothing written
	for i, edit := range []func(){
		func() { st.Images["image.extra"] = Images(4)["image.tile[3]"] },
		func() { st.Images["image.tile[0]"].Outputs[0].Size++ },
		func() { delete(st.Images, "image.tile[1]") },
	} {
		edit()
		save(t, b, st, true)
		save(t, b, st, false)
		got := load(t, ws.Open(t))
		if want := uint64(i + 2); got.Serial != want || got.Lineage != lineage {
			t.Errorf("after change %d: serial %d, lineage %q; want %d, %q", i+1, got.Serial, got.Lineage, want, lineage)
		}
		if diff := cmp.Diff(st.Images, got.Images); diff != "" {
			t.Errorf("after change %d, loaded images (-saved +loaded):\n%s", i+1, diff)
		}
	}

	// A handle that loads the stored state saves nothing when nothing
	// changed, and carries on from its serial when something did.
	b2 := ws.Open(t)
	st2 := load(t, b2)
	save(t, b2, st2, false)
	st2.Lineage, st2.Serial = "not-the-lineage", 99 // ignored: the store decides
	delete(st2.Images, "image.extra")
	save(t, b2, st2, true)
	if got := load(t, ws.Open(t)); got.Serial != 5 || got.Lineage != lineage {
		t.Errorf("after a second handle's save: serial %d, lineage %q; want 5, %q", got.Serial, got.Lineage, lineage)
	}
}

// Save is a compare-and-swap on what the handle read: a handle whose
// state another wrote over after it loaded fails, writes nothing, and
// succeeds after loading again.
func testCompareAndSwap(t *testing.T, ws Workspace) {
	seed := ws.Open(t)
	st := load(t, seed)
	st.Images = Images(2)
	save(t, seed, st, true)

	a, b := ws.Open(t), ws.Open(t)
	sa, sb := load(t, a), load(t, b)
	delete(sb.Images, "image.tile[0]")
	save(t, b, sb, true)

	sa.Images["image.tile[1]"].Outputs[0].Size = 1
	changed, err := a.Save(ctxOf(t), sa)
	var conflict *state.ConflictError
	if !errors.As(err, &conflict) || changed {
		t.Fatalf("saving over another handle's write: changed %v, %v; want a *ConflictError", changed, err)
	}
	if conflict.Serial != 1 {
		t.Errorf("the conflict says it read serial %d, want 1", conflict.Serial)
	}
	got := load(t, ws.Open(t))
	if got.Serial != 2 || len(got.Images) != 1 || got.Images["image.tile[1]"].Outputs[0].Size == 1 {
		t.Errorf("a refused save wrote: serial %d, %d images", got.Serial, len(got.Images))
	}
	// A handle that never loaded has nothing to compare the store with:
	// it must not write blindly.
	if changed, err := ws.Open(t).Save(ctxOf(t), sa); err == nil || changed {
		t.Errorf("a save without a load: changed %v, %v; want an error", changed, err)
	}
	if got := load(t, ws.Open(t)); got.Serial != 2 {
		t.Errorf("a save without a load wrote: serial %d", got.Serial)
	}
	sa = load(t, a)
	sa.Images["image.tile[1]"].Outputs[0].Size = 1
	save(t, a, sa, true)
	if got := load(t, ws.Open(t)); got.Serial != 3 || got.Images["image.tile[1]"].Outputs[0].Size != 1 {
		t.Errorf("after loading again and saving: serial %d", got.Serial)
	}
}

// Push stores a state as it is, its lineage and serial kept, into an empty
// workspace or over the state the handle loaded; not over one another
// handle wrote since.
func testPush(t *testing.T, ws Workspace) {
	b := ws.Open(t)
	load(t, b)
	st := state.New()
	st.Lineage, st.Serial = "6a1d2f4e-0c3b-4f5a-9e8d-7b6c5a4f3e2d", 7
	st.Images = Images(2)
	if err := b.Push(ctxOf(t), st); err != nil {
		t.Fatal(err)
	}
	got := load(t, ws.Open(t))
	if got.Lineage != st.Lineage || got.Serial != 7 {
		t.Fatalf("pushed lineage %q serial 7; stored %q serial %d", st.Lineage, got.Lineage, got.Serial)
	}
	if diff := cmp.Diff(st.Images, got.Images); diff != "" {
		t.Errorf("pushed images (-pushed +stored):\n%s", diff)
	}
	// A save after it goes on from the pushed serial.
	got.Images["image.more"] = Images(3)["image.tile[2]"]
	c := ws.Open(t)
	loaded := load(t, c)
	loaded.Images = got.Images
	save(t, c, loaded, true)
	if again := load(t, ws.Open(t)); again.Serial != 8 || again.Lineage != st.Lineage {
		t.Errorf("a save after a push: serial %d, lineage %q; want 8, %q", again.Serial, again.Lineage, st.Lineage)
	}
	// b loaded before c saved: its push is refused, and writes nothing.
	var conflict *state.ConflictError
	if err := b.Push(ctxOf(t), st); !errors.As(err, &conflict) {
		t.Errorf("a push over a state written since: %v, want a *ConflictError", err)
	}
	if again := load(t, ws.Open(t)); again.Serial != 8 {
		t.Errorf("a refused push wrote: serial %d", again.Serial)
	}
}

// A lock held by another process fails at once without a timeout, with an
// error that names the holder.
func testLockExclusion(t *testing.T, ws Workspace) {
	h := StartHolder(t, ws.Env)
	b := ws.Open(t)
	start := time.Now()
	l, err := b.Lock(ctxOf(t), state.LockOptions{Operation: "plan"})
	if err == nil {
		l.Unlock()
		t.Fatal("a second process took a held lock")
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("without a timeout, failing took %s; it must fail at once", elapsed)
	}
	var locked *state.LockedError
	if !errors.As(err, &locked) || locked.Holder == nil {
		t.Fatalf("want a *LockedError naming the holder, got %T: %v", err, err)
	}
	host, _ := os.Hostname()
	if got := locked.Holder; got.ID != h.ID || got.Operation != HolderOperation || got.PID != h.PID || got.Host != host || got.User == "" || time.Since(got.Created) > time.Hour {
		t.Errorf("holder %+v, want id %s, %q, pid %d on %s", *got, h.ID, HolderOperation, h.PID, host)
	}
	for _, s := range []string{strconv.Itoa(h.PID), host, HolderOperation, h.ID} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the message does not say %q: %v", s, err)
		}
	}
	// Nor does a third process.
	if out := TryHolder(t, ws.Env); !strings.Contains(out, "locked by another imgform run") {
		t.Errorf("a third process: %q", out)
	}
	h.Release(t)

	// Once let go, it is this process's; then no other process's.
	l, err = b.Lock(ctxOf(t), state.LockOptions{Operation: "state mv"})
	if err != nil {
		t.Fatalf("the lock after its holder let go: %v", err)
	}
	if info := l.Info(); info.PID != os.Getpid() || info.Operation != "state mv" || info.ID == "" || info.ID == h.ID {
		t.Errorf("lock info %+v", info)
	}
	if out := TryHolder(t, ws.Env); !strings.Contains(out, "locked by another imgform run") || !strings.Contains(out, l.Info().ID) {
		t.Errorf("a process took a lock this one holds: %q", out)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Errorf("a second Unlock: %v", err)
	}
	StartHolder(t, ws.Env).Release(t)
}

// With a timeout, Lock waits for the holder to let go, gives up at the
// deadline, and stops when its context ends.
func testLockWait(t *testing.T, ws Workspace) {
	b := ws.Open(t)
	h := StartHolder(t, ws.Env)
	const timeout = 700 * time.Millisecond
	start := time.Now()
	_, err := b.Lock(ctxOf(t), state.LockOptions{Operation: "apply", Timeout: timeout})
	elapsed := time.Since(start)
	var locked *state.LockedError
	if !errors.As(err, &locked) || locked.Holder == nil || locked.Holder.ID != h.ID {
		t.Fatalf("want a *LockedError naming the holder, got %v", err)
	}
	if elapsed < timeout {
		t.Errorf("gave up after %s; the timeout is %s", elapsed, timeout)
	}

	ctx, cancel := context.WithTimeout(ctxOf(t), 300*time.Millisecond)
	defer cancel()
	if _, err := b.Lock(ctx, state.LockOptions{Operation: "apply", Timeout: time.Minute}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a cancelled wait: want the context's error, got %v", err)
	}

	const hold = 600 * time.Millisecond
	time.AfterFunc(hold, h.ReleaseSoon)
	start = time.Now()
	l, err := b.Lock(ctxOf(t), state.LockOptions{Operation: "apply", Timeout: time.Minute})
	if err != nil {
		t.Fatalf("waiting for the lock: %v", err)
	}
	if elapsed := time.Since(start); elapsed < hold-100*time.Millisecond {
		t.Errorf("got the lock after %s, before the holder let go", elapsed)
	}
	if line := h.Next(t); line != "released" {
		t.Errorf("holder: %q", line)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// The lock of a holder killed with SIGKILL blocks nobody.
func testLockHolderKilled(t *testing.T, ws Workspace) {
	h := StartHolder(t, ws.Env)
	h.Kill(t)
	l, err := ws.Open(t).Lock(ctxOf(t), state.LockOptions{Operation: "apply", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("the lock of a killed holder blocks the next run: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// ForceUnlock refuses another id without telling the right one; given the
// right one, it refuses a holder that is alive, saying so, unless forced:
// then the holder finds its lock lost at once, and the lock is free.
func testForceUnlock(t *testing.T, ws Workspace) {
	h := StartHolder(t, ws.Env)
	b := ws.Open(t)
	err := b.ForceUnlock(ctxOf(t), "0f4b1c1e-0000-4000-8000-000000000000", state.ForceOptions{Force: true})
	if err == nil {
		t.Fatal("ForceUnlock with a wrong id succeeded")
	}
	if strings.Contains(err.Error(), h.ID) {
		t.Errorf("ForceUnlock with a wrong id told the right one: %v", err)
	}
	if out := TryHolder(t, ws.Env); !strings.Contains(out, h.ID) {
		t.Errorf("after a refused force-unlock, the lock is not held by the holder: %q", out)
	}
	err = b.ForceUnlock(ctxOf(t), h.ID, state.ForceOptions{})
	var alive *state.HolderAliveError
	if !errors.As(err, &alive) || alive.Holder.ID != h.ID || alive.Holder.PID != h.PID || alive.How == "" {
		t.Fatalf("ForceUnlock of a live holder without force: %v, want a *HolderAliveError naming it", err)
	}
	if out := TryHolder(t, ws.Env); !strings.Contains(out, h.ID) {
		t.Errorf("after a refused force-unlock, the lock is not held by the holder: %q", out)
	}
	if err := b.ForceUnlock(ctxOf(t), h.ID, state.ForceOptions{Force: true}); err != nil {
		t.Fatalf("ForceUnlock of a live holder, forced: %v", err)
	}
	if line := h.Next(t); !strings.HasPrefix(line, "lost the state lock was lost") {
		t.Errorf("the holder whose lock was forced away says %q, want it lost", line)
	}
	// The lock is free for the next run at once.
	l, err := ws.Open(t).Lock(ctxOf(t), state.LockOptions{Operation: "apply"})
	if err != nil {
		t.Fatalf("the lock after a force-unlock: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	// The old holder lets go without taking the new holder's lock.
	l, err = ws.Open(t).Lock(ctxOf(t), state.LockOptions{Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	h.Release(t)
	if out := TryHolder(t, ws.Env); !strings.Contains(out, l.Info().ID) {
		t.Errorf("the forced-away holder's release freed the new holder's lock: %q", out)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// While a handle holds the lock, its saves and pending journal records
// go through; once the lock is forced away, they are refused with a
// *LockLostError, write nothing, and the lock reports itself lost.
func testFencing(t *testing.T, ws Workspace) {
	ctx := ctxOf(t)
	a := ws.Open(t)
	l, err := a.Lock(ctx, state.LockOptions{Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if err := l.Held(ctx); err != nil {
		t.Fatalf("Held of a lock just taken: %v", err)
	}
	st := load(t, a)
	st.Images = Images(2)
	save(t, a, st, true)
	pending := pendingRecord(Images(1)["image.tile[0]"].InputHash)
	if err := a.Jobs().Record(ctx, pending); err != nil {
		t.Fatalf("a pending record while holding the lock: %v", err)
	}

	if err := ws.Open(t).ForceUnlock(ctx, l.Info().ID, state.ForceOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Lost():
	case <-ctx.Done():
		t.Fatal("the lock forced away was never found lost")
	}
	var lost *state.LockLostError
	if err := l.Err(); !errors.As(err, &lost) {
		t.Errorf("Err of a lost lock: %v, want a *LockLostError", err)
	}
	if err := l.Held(ctx); !errors.As(err, &lost) {
		t.Errorf("Held of a lost lock: %v, want a *LockLostError", err)
	}
	st.Images = Images(3)
	if changed, err := a.Save(ctx, st); !errors.As(err, &lost) || changed {
		t.Errorf("a save after the lock was lost: changed %v, %v; want a *LockLostError", changed, err)
	}
	if got := load(t, ws.Open(t)); got.Serial != 1 || len(got.Images) != 2 {
		t.Errorf("a save after the lock was lost wrote: serial %d, %d images", got.Serial, len(got.Images))
	}
	again := pendingRecord(pending.InputHash)
	if err := a.Jobs().Record(ctx, again); !errors.As(err, &lost) {
		t.Errorf("a pending record after the lock was lost: %v, want a *LockLostError", err)
	}
	jobs, err := ws.Open(t).Jobs().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].Job.ID != pending.Job.ID || !jobs[0].Pending {
		t.Errorf("the journal holds %+v, want only the pending record written under the lock", jobs)
	}
	// A record of a job the API already took is written all the same:
	// it is paid for, and the next run must find it.
	paid := pending
	paid.Pending, paid.Job.ID = false, "after-loss"
	if err := a.Jobs().Record(ctx, paid); err != nil {
		t.Errorf("recording a submitted job after the lock was lost: %v", err)
	}
}

// A pending record is refused by a handle that holds no lock.
func testPendingNeedsLock(t *testing.T, ws Workspace) {
	ctx := ctxOf(t)
	var lost *state.LockLostError
	if err := ws.Open(t).Jobs().Record(ctx, pendingRecord(Images(1)["image.tile[0]"].InputHash)); !errors.As(err, &lost) {
		t.Errorf("a pending record without the lock: %v, want a *LockLostError", err)
	}
	if jobs, err := ws.Open(t).Jobs().List(ctx); err != nil || len(jobs) != 0 {
		t.Errorf("the journal: %v, %v; want it empty", jobs, err)
	}
}

func pendingRecord(h state.Hash) state.JobRecord {
	return state.JobRecord{Address: "image.tile[0]", InputHash: h, Samples: 1, Endpoint: "https://api.segmind.com", Pending: true,
		Job: model.Job{ID: state.NewPendingID(), Submitted: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}}
}

// Jobs recorded are listed oldest first, by any handle on the workspace
// and by no other workspace; recording an id again replaces it; removing
// one that is not there is no error.
func testJournal(t *testing.T, ws, other Workspace) {
	ctx := ctxOf(t)
	j := ws.Open(t).Jobs()
	if jobs, err := j.List(ctx); err != nil || len(jobs) != 0 {
		t.Fatalf("a new journal: %v, %v", jobs, err)
	}
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	h := Images(1)["image.tile[0]"].InputHash
	rec := func(id string, submitted time.Time) state.JobRecord {
		return state.JobRecord{Address: `image.tile["` + id + `"]`, InputHash: h, Samples: 2, Endpoint: "https://api.segmind.com",
			Job: model.Job{ID: id, StatusURL: "https://api.segmind.com/v2/requests/" + id + "/status", ResponseURL: "https://api.segmind.com/v2/requests/" + id, Submitted: submitted}}
	}
	c := rec("c-3", t0.Add(2*time.Minute))
	c.Forced, c.Seed = true, 999999999999999
	want := []state.JobRecord{rec("a-1", t0), rec("b/2", t0.Add(time.Minute)), c}
	for _, r := range []state.JobRecord{want[2], want[0], want[1]} {
		if err := j.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	list := func(j state.Journal) []state.JobRecord {
		t.Helper()
		jobs, err := j.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return jobs
	}
	if diff := cmp.Diff(want, list(ws.Open(t).Jobs())); diff != "" {
		t.Errorf("jobs listed by another handle (-want +got):\n%s", diff)
	}
	if got := list(other.Open(t).Jobs()); len(got) != 0 {
		t.Errorf("another workspace lists %d jobs", len(got))
	}
	again := want[0]
	again.Samples = 4
	if err := j.Record(ctx, again); err != nil {
		t.Fatal(err)
	}
	if err := j.Remove(ctx, "b/2"); err != nil {
		t.Fatal(err)
	}
	if err := j.Remove(ctx, "never-recorded"); err != nil {
		t.Errorf("removing a job that is not there: %v", err)
	}
	if diff := cmp.Diff([]state.JobRecord{again, c}, list(j)); diff != "" {
		t.Errorf("after recording again and removing (-want +got):\n%s", diff)
	}
}
