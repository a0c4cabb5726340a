package cachetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/model"
)

// Harness is one empty store under test, with ways to hurt it from
// outside as a failing disk, a hand edit or a crash would.
type Harness struct {
	Store cache.Store
	// Damage changes the stored bytes of file i of h's entry.
	Damage func(t *testing.T, h model.Hash, i int)
	// DamageBehind changes the stored bytes of file i of h's entry behind
	// the store's back, as a flipped bit on its disk would: whatever the
	// store keeps of the object besides (an S3 server's ETag) is left as
	// it was. nil when the harness cannot reach the store's disk.
	DamageBehind func(t *testing.T, h model.Hash, i int)
	// Incomplete leaves h's entry as a Put that crashed before its
	// metadata leaves it: the files, without the metadata.
	Incomplete func(t *testing.T, h model.Hash)
}

// Run runs the conformance suite; newHarness makes a new, empty store
// each time it is called.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Run("Empty", func(t *testing.T) { testEmpty(t, newHarness(t)) })
	t.Run("PutGet", func(t *testing.T) { testPutGet(t, newHarness(t)) })
	t.Run("BatchHas", func(t *testing.T) { testBatchHas(t, newHarness(t)) })
	t.Run("Replace", func(t *testing.T) { testReplace(t, newHarness(t)) })
	t.Run("VerifiedGet", func(t *testing.T) { testVerifiedGet(t, newHarness(t)) })
	t.Run("HealsDamageBehind", func(t *testing.T) { testHealsDamageBehind(t, newHarness(t)) })
	t.Run("Incomplete", func(t *testing.T) { testIncomplete(t, newHarness(t)) })
	t.Run("ListRemove", func(t *testing.T) { testListRemove(t, newHarness(t)) })
}

func ctxOf(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Hash is the input hash the suite files entry s under.
func Hash(s string) model.Hash { return model.SumBytes([]byte("cachetest " + s)) }

// entry is an entry of n files with their bytes; the bytes differ by s.
func entry(s string, n int) (*cache.Entry, [][]byte) {
	e := &cache.Entry{InputHash: Hash(s), RequestID: "req-" + s, InferenceTime: 2.5, Endpoint: "https://api.segmind.com",
		Address: `image.tile["` + s + `"]`, Created: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	var data [][]byte
	for i := range n {
		b := []byte(fmt.Sprintf("\x89PNG image %d of %s, %s", i, s, slices.Repeat([]byte{byte(i)}, 100*(i+1))))
		data = append(data, b)
		e.Files = append(e.Files, cache.File{Name: strconv.Itoa(i) + ".png", SHA256: model.SumBytes(b), Size: int64(len(b)), ContentType: "image/png"})
	}
	return e, data
}

func put(t *testing.T, s cache.Store, e *cache.Entry, data [][]byte) {
	t.Helper()
	if err := s.Put(ctxOf(t), e, data); err != nil {
		t.Fatalf("Put %s: %v", e.InputHash.Short(), err)
	}
}

func testEmpty(t *testing.T, h Harness) {
	s, ctx := h.Store, ctxOf(t)
	if got, err := s.List(ctx); err != nil || len(got) != 0 {
		t.Errorf("List of an empty store: %v, %v", got, err)
	}
	if _, err := s.Stat(ctx, Hash("a")); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Stat of an empty store: %v, want ErrNotFound", err)
	}
	if _, _, err := s.Get(ctx, Hash("a")); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Get of an empty store: %v, want ErrNotFound", err)
	}
	if has, err := s.Has(ctx, []model.Hash{Hash("a")}); err != nil || has[Hash("a")] {
		t.Errorf("Has of an empty store: %v, %v", has, err)
	}
	if err := s.Remove(ctx, Hash("a")); err != nil {
		t.Errorf("Remove of an entry that is not there: %v", err)
	}
}

// What is put comes back, bytes and metadata alike.
func testPutGet(t *testing.T, h Harness) {
	s, ctx := h.Store, ctxOf(t)
	e, data := entry("fox", 3)
	put(t, s, e, data)
	got, gotData, err := s.Get(ctx, e.InputHash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, got); diff != "" {
		t.Errorf("entry (-put +got):\n%s", diff)
	}
	if diff := cmp.Diff(data, gotData); diff != "" {
		t.Errorf("files (-put +got):\n%s", diff)
	}
	stat, err := s.Stat(ctx, e.InputHash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, stat); diff != "" {
		t.Errorf("Stat (-put +got):\n%s", diff)
	}
	if stat.Size() != e.Files[0].Size+e.Files[1].Size+e.Files[2].Size {
		t.Errorf("Size = %d", stat.Size())
	}
	// A described file without bytes, or bytes without a description,
	// is refused.
	bad, badData := entry("bad", 2)
	if err := s.Put(ctx, bad, badData[:1]); err == nil {
		t.Error("Put of 2 files with 1 file's bytes succeeded")
	}
}

// Has answers for many hashes at once.
func testBatchHas(t *testing.T, h Harness) {
	s, ctx := h.Store, ctxOf(t)
	var hs []model.Hash
	want := map[model.Hash]bool{}
	for i := range 20 {
		name := strconv.Itoa(i)
		hs = append(hs, Hash(name))
		if i%3 == 0 {
			e, data := entry(name, 1)
			put(t, s, e, data)
			want[Hash(name)] = true
		} else {
			want[Hash(name)] = false
		}
	}
	got, err := s.Has(ctx, hs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Has (-want +got):\n%s", diff)
	}
	if got, err := s.Has(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("Has of nothing: %v, %v", got, err)
	}
}

// A Put replaces the entry of its hash.
func testReplace(t *testing.T, h Harness) {
	s, ctx := h.Store, ctxOf(t)
	e, data := entry("fox", 2)
	put(t, s, e, data)
	e2, data2 := entry("fox", 1)
	e2.RequestID = "req-again"
	data2[0] = append([]byte("another image, "), data2[0]...)
	e2.Files[0].SHA256, e2.Files[0].Size = model.SumBytes(data2[0]), int64(len(data2[0]))
	put(t, s, e2, data2)
	got, gotData, err := s.Get(ctx, e.InputHash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e2, got); diff != "" {
		t.Errorf("entry after a second Put (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(data2, gotData); diff != "" {
		t.Errorf("files after a second Put (-want +got):\n%s", diff)
	}
}

// Get checks every file against the hash recorded at Put: changed bytes
// are a *DamagedError that counts as not found, and the other entries
// are untouched.
func testVerifiedGet(t *testing.T, h Harness) {
	s, ctx := h.Store, ctxOf(t)
	e, data := entry("fox", 2)
	put(t, s, e, data)
	other, otherData := entry("owl", 1)
	put(t, s, other, otherData)
	h.Damage(t, e.InputHash, 1)
	_, got, err := s.Get(ctx, e.InputHash)
	var damaged *cache.DamagedError
	if !errors.As(err, &damaged) || !errors.Is(err, cache.ErrNotFound) || got != nil {
		t.Fatalf("Get of a damaged entry: %d files, %v; want a *DamagedError that is ErrNotFound", len(got), err)
	}
	if damaged.Hash != e.InputHash {
		t.Errorf("the error names %s, want %s", damaged.Hash.Short(), e.InputHash.Short())
	}
	if _, gotData, err := s.Get(ctx, other.InputHash); err != nil || !slices.EqualFunc(gotData, otherData, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Errorf("another entry after the damage: %v", err)
	}
	// Putting it again heals it.
	put(t, s, e, data)
	if _, _, err := s.Get(ctx, e.InputHash); err != nil {
		t.Errorf("Get after putting a damaged entry again: %v", err)
	}
}

// Bytes damaged behind the store's back (its metadata of the object, an
// S3 ETag, still says they are intact) are found damaged, and a Put of
// the same entry replaces them: nothing is skipped because the object
// "is already there".
func testHealsDamageBehind(t *testing.T, h Harness) {
	if h.DamageBehind == nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the harness cannot damage the store's disk under CI")
		}
		t.Skip("the harness cannot reach the store's disk (a server named by the environment)")
	}
	s, ctx := h.Store, ctxOf(t)
	e, data := entry("fox", 2)
	put(t, s, e, data)
	h.DamageBehind(t, e.InputHash, 0)
	var damaged *cache.DamagedError
	if _, _, err := s.Get(ctx, e.InputHash); !errors.As(err, &damaged) {
		t.Fatalf("Get of an entry damaged behind the store's back: %v, want a *cache.DamagedError", err)
	}
	put(t, s, e, data)
	_, got, err := s.Get(ctx, e.InputHash)
	if err != nil {
		t.Fatalf("Get after putting the entry again: %v", err)
	}
	if diff := cmp.Diff(data, got); diff != "" {
		t.Errorf("files after the repair (-put +got):\n%s", diff)
	}
}

// An entry whose metadata never arrived is not found, is listed (so that
// pruning finds it), and is removed.
func testIncomplete(t *testing.T, h Harness) {
	s, ctx := h.Store, ctxOf(t)
	e, data := entry("fox", 2)
	put(t, s, e, data)
	h.Incomplete(t, e.InputHash)
	if has, err := s.Has(ctx, []model.Hash{e.InputHash}); err != nil || has[e.InputHash] {
		t.Errorf("Has of an incomplete entry: %v, %v", has, err)
	}
	if _, err := s.Stat(ctx, e.InputHash); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Stat of an incomplete entry: %v, want ErrNotFound", err)
	}
	if _, _, err := s.Get(ctx, e.InputHash); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Get of an incomplete entry: %v, want ErrNotFound", err)
	}
	if got, err := s.List(ctx); err != nil || !slices.Equal(got, []model.Hash{e.InputHash}) {
		t.Errorf("List with an incomplete entry: %v, %v", got, err)
	}
	if err := s.Remove(ctx, e.InputHash); err != nil {
		t.Fatal(err)
	}
	if got, err := s.List(ctx); err != nil || len(got) != 0 {
		t.Errorf("List after removing the incomplete entry: %v, %v", got, err)
	}
}

// List is sorted; Remove takes one entry and leaves the others.
func testListRemove(t *testing.T, h Harness) {
	s, ctx := h.Store, ctxOf(t)
	var want []model.Hash
	for _, name := range []string{"one", "two", "three", "four"} {
		e, data := entry(name, 1)
		put(t, s, e, data)
		want = append(want, e.InputHash)
	}
	slices.SortFunc(want, func(a, b model.Hash) int {
		if a.String() < b.String() {
			return -1
		}
		return 1
	})
	got, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if err := s.Remove(ctx, want[1]); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, want[1]); err != nil {
		t.Errorf("a second Remove: %v", err)
	}
	got, err = s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(slices.Delete(slices.Clone(want), 1, 2), got); diff != "" {
		t.Errorf("List after Remove (-want +got):\n%s", diff)
	}
	if _, _, err := s.Get(ctx, want[1]); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Get after Remove: %v", err)
	}
	if _, _, err := s.Get(ctx, want[2]); err != nil {
		t.Errorf("Get of an entry left: %v", err)
	}
}
