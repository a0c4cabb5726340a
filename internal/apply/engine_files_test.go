package apply

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/waitfor"
)

// offline are run options that make placeholders, without the API.
func (w *workspace) offline() Options {
	opts := w.options()
	opts.Offline, opts.Generator = true, nil
	return opts
}

// hashes returns the hash of every output of the images, by address and
// output index.
func (w *workspace) hashes(images []*spec.Image) map[string][]state.Hash {
	w.t.Helper()
	out := map[string][]state.Hash{}
	for _, img := range images {
		for _, o := range img.Outputs {
			out[img.Addr.String()] = append(out[img.Addr.String()], state.SumBytes(w.read(o)))
		}
	}
	return out
}

// noChanges checks that planning images again finds nothing to do.
func (w *workspace) noChanges(images []*spec.Image, offline bool) {
	w.t.Helper()
	p, _, _ := w.plan(images, offline)
	for _, c := range p.Changes {
		w.t.Errorf("planned again: %s %s (%v)", c.Action, c.Address, c.Reasons)
	}
}

func TestRunMoves(t *testing.T) {
	tests := []struct {
		name        string
		before      []*spec.Image
		after       []*spec.Image
		moved       int
		leftOver    []string // paths that must be gone
		wantOutputs []string // every output path afterwards, for the look at the directory
	}{
		{
			name:   "two images trade names",
			before: []*spec.Image{testImage("a", 0, "apple", "a.png"), testImage("b", 0, "banana", "b.png")},
			after:  []*spec.Image{testImage("a", 0, "apple", "b.png"), testImage("b", 0, "banana", "a.png")},
			moved:  2,
		},
		{
			name:   "one image's two outputs trade names",
			before: []*spec.Image{testImage("pair", 0, "twins", "left.png", "right.png")},
			after:  []*spec.Image{testImage("pair", 0, "twins", "right.png", "left.png")},
			moved:  1,
		},
		{
			name:     "a chain of renames into a new directory",
			before:   []*spec.Image{testImage("a", 0, "apple", "x.png"), testImage("b", 0, "banana", "y.png")},
			after:    []*spec.Image{testImage("a", 0, "apple", "y.png"), testImage("b", 0, "banana", "out/z.png")},
			moved:    2,
			leftOver: []string{"x.png"},
		},
		{
			name:     "out of a directory, which is tidied",
			before:   []*spec.Image{testImage("a", 0, "apple", "old/dir/a.png")},
			after:    []*spec.Image{testImage("a", 0, "apple", "a.png")},
			moved:    1,
			leftOver: []string{"old"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorkspace(t)
			w.mustApply(tt.before, w.offline())
			want := w.hashes(tt.before)

			s := w.mustApply(tt.after, w.offline())
			if diff := cmp.Diff(&Summary{Moved: tt.moved}, s, ignoreSpend); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, w.hashes(tt.after)); diff != "" {
				t.Errorf("contents by address and output (-want +got):\n%s", diff)
			}
			st := w.checkState(addressesOf(tt.after)...)
			for _, img := range tt.after {
				var paths []string
				for _, o := range st.Images[img.Addr.String()].Outputs {
					paths = append(paths, o.Path)
				}
				if diff := cmp.Diff(img.Outputs, paths); diff != "" {
					t.Errorf("%s: recorded paths (-want +got):\n%s", img.Addr, diff)
				}
			}
			for _, p := range tt.leftOver {
				if w.exists(p) {
					t.Errorf("%s is still there", p)
				}
			}
			for _, p := range tree(t, w.dir) {
				if strings.Contains(p, "imgform-move") {
					t.Errorf("a temporary file is left: %s", p)
				}
			}
			w.noChanges(tt.after, true)
		})
	}
}

// addressesOf lists the addresses of images, sorted as the state lists them.
func addressesOf(images []*spec.Image) []string {
	st := state.New()
	for _, img := range images {
		st.Images[img.Addr.String()] = nil
	}
	return st.Addresses()
}

func TestRunDeletes(t *testing.T) {
	w := newWorkspace(t)
	keep := testImage("keep", 0, "a keeper", "keep.png")
	gone := testImage("gone", 0, "a goner", "art/gone/x.png", "art/gone/y.png")
	w.mustApply([]*spec.Image{keep, gone}, w.offline())
	mkfiles(t, w.dir, "art/notes.txt") // not imgform's

	s := w.mustApply([]*spec.Image{keep}, w.offline())
	if diff := cmp.Diff(&Summary{Deleted: 1}, s, ignoreSpend); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if w.exists("art/gone") {
		t.Error("the deleted image's directory is still there")
	}
	if !w.exists("art/notes.txt") {
		t.Error("a file imgform did not write was removed")
	}
	w.checkState("image.keep[0]")
	w.noChanges([]*spec.Image{keep}, true)
}

func TestRunOutputBelowAFile(t *testing.T) {
	w := newWorkspace(t)
	mkfiles(t, w.dir, "blocker")
	s, err := w.apply(context.Background(), []*spec.Image{
		testImage("ok", 0, "fine", "ok.png"),
		testImage("bad", 0, "doomed", "blocker/bad.png"),
	}, w.offline())
	if err != nil {
		t.Fatalf("one image's bad path stopped the run: %v", err)
	}
	want := []Failure{{Address: "image.bad[0]", Reason: "cannot write blocker/bad.png: a part of its directory path is a file, not a directory"}}
	if diff := cmp.Diff(want, s.Failed); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	if s.Created != 1 {
		t.Errorf("created %d, want 1", s.Created)
	}
	w.checkState("image.ok[0]")
}

// A fresh checkout moves every output's mtime. The plan hashes such an
// output once and records its new time in the checkout's stat cache; the
// state keeps the time the image was written, so the run leaves it byte
// for byte as it was, and the next plan trusts size and mtime again.
func TestRunRefresh(t *testing.T) {
	w := newWorkspace(t)
	w.stats = state.LoadStatCache(w.path(".imgform/stat.json"))
	images := []*spec.Image{testImage("a", 0, "apple", "a.png")}
	w.mustApply(images, w.offline())
	written := w.checkState("image.a[0]").Images["image.a[0]"].Outputs[0].ModTime
	before := w.read("imgform.state.json")
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := os.Chtimes(w.path("a.png"), when, when); err != nil {
		t.Fatal(err)
	}
	p, file, st := w.plan(images, true)
	if len(p.Refresh) != 1 || len(p.Changes) != 0 {
		t.Fatalf("plan: %d changes, %d refreshes; want 0, 1", len(p.Changes), len(p.Refresh))
	}
	s, err := Run(context.Background(), p, file, st, w.offline())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Summary{Refreshed: 1}, s, ignoreSpend); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got := w.checkState("image.a[0]").Images["image.a[0]"].Outputs[0].ModTime; !got.Equal(written) {
		t.Errorf("the state's mtime became %v, want the time of writing %v", got, written)
	}
	if after := w.read("imgform.state.json"); string(after) != string(before) {
		t.Errorf("a refresh rewrote the state:\n%s\nwas:\n%s", after, before)
	}
	if err := w.stats.Save(); err != nil {
		t.Fatal(err)
	}

	// The next plan, with the cache read back from disk, hashes nothing:
	// a changed file of the same size and time would go unnoticed, which
	// is what size-and-mtime trust means (--verify re-hashes all).
	w.stats = state.LoadStatCache(w.path(".imgform/stat.json"))
	if p, _, _ = w.plan(images, true); len(p.Refresh) != 0 || len(p.Changes) != 0 {
		t.Errorf("second plan: %d changes, %d refreshes; want none", len(p.Changes), len(p.Refresh))
	}
	if _, err := os.Stat(w.path(".imgform/.gitignore")); err != nil {
		t.Errorf("the stat cache's folder has no .gitignore: %v", err)
	}
}

func TestRunRestoreKeepsOutputsItDoesNotRewrite(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	images := []*spec.Image{testImage("pair", 0, "twins", "pair/0.png", "pair/1.png")}
	w.mustApply(images, w.options())
	before := w.checkState("image.pair[0]").Images["image.pair[0]"]
	requests := w.apiRequests()
	if err := os.Remove(w.path("pair/1.png")); err != nil {
		t.Fatal(err)
	}
	kept, err := os.Stat(w.path("pair/0.png"))
	if err != nil {
		t.Fatal(err)
	}

	p, file, st := w.plan(images, false)
	if len(p.Changes) != 1 || p.Changes[0].Action != "restore" || !cmp.Equal(p.Changes[0].Write, []int{1}) {
		t.Fatalf("plan: %+v, want a restore of output 1", p.Changes)
	}
	s, err := Run(context.Background(), p, file, st, w.options())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Summary{Restored: 1, FromCache: 1}, s, ignoreSpend); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(requests, w.apiRequests()); diff != "" {
		t.Errorf("requests to the API (-before +after):\n%s", diff)
	}
	after := w.checkState("image.pair[0]").Images["image.pair[0]"]
	if diff := cmp.Diff(before.Outputs[0], after.Outputs[0]); diff != "" {
		t.Errorf("the output not rewritten changed in the state (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(before.Outputs[1], after.Outputs[1], cmpopts.IgnoreFields(state.Output{}, "ModTime")); diff != "" {
		t.Errorf("the restored output (-before +after):\n%s", diff)
	}
	if fi, err := os.Stat(w.path("pair/0.png")); err != nil || !fi.ModTime().Equal(kept.ModTime()) {
		t.Errorf("pair/0.png was rewritten")
	}
	w.noChanges(images, false)
}

func TestRunCheckpoints(t *testing.T) {
	tests := []struct {
		name   string
		every  time.Duration
		during bool // the state is on disk while the run goes on
	}{
		{"saved while the run goes on", 5 * time.Millisecond, true},
		{"saved at the end", time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorkspace(t).withEmulator(quick, "k")
			var once sync.Once
			var during bool
			rec := &recorder{hook: func(e Event) {
				if e.Type != EventFinished {
					return
				}
				// The first image is done; the others wait for this hook.
				once.Do(func() {
					if !tt.during {
						during = w.exists("imgform.state.json")
						return
					}
					during = waitfor.Until(5*time.Second, func() bool { return w.exists("imgform.state.json") })
				})
			}}
			run := w.options()
			run.Parallelism, run.CheckpointEvery, run.Events = 1, tt.every, rec
			w.mustApply(tiles(3), run)
			if during != tt.during {
				t.Errorf("state file on disk during the run: %v, want %v", during, tt.during)
			}
			st := w.checkState("image.tile[0]", "image.tile[1]", "image.tile[2]")
			if tt.during && st.Serial < 2 {
				t.Errorf("serial %d: want a save during the run and one at the end", st.Serial)
			}
			if !tt.during && st.Serial != 1 {
				t.Errorf("serial %d: want the one save at the end", st.Serial)
			}
		})
	}
}

// When one of an image's renames fails, the ones that succeeded are still
// recorded: the state says where every file is, and the next plan moves
// only what is left.
func TestRunPartialMove(t *testing.T) {
	w := newWorkspace(t)
	before := []*spec.Image{testImage("pair", 0, "twins", "one.png", "two.png")}
	w.mustApply(before, w.offline())
	if err := os.WriteFile(w.path("blocked"), []byte("a file, not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	after := []*spec.Image{testImage("pair", 0, "twins", "moved/one.png", "blocked/two.png")}
	p, file, st := w.plan(after, true)
	s, err := Run(context.Background(), p, file, st, w.offline())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Failed) != 1 || s.Moved != 0 {
		t.Fatalf("failed %v, moved %d; want the change failed once", s.Failed, s.Moved)
	}
	outputs := w.checkState("image.pair[0]").Images["image.pair[0]"].Outputs
	if outputs[0].Path != "moved/one.png" || outputs[1].Path != "two.png" {
		t.Errorf("recorded %s and %s, want moved/one.png (done) and two.png (not done)", outputs[0].Path, outputs[1].Path)
	}
	if !w.exists("moved/one.png") || !w.exists("two.png") {
		t.Error("the files are not where the state says")
	}
	p, _, _ = w.plan(after, true)
	if len(p.Changes) != 1 || len(p.Changes[0].Moves) != 1 || p.Changes[0].Moves[0].From != "two.png" {
		t.Errorf("the next plan: %+v, want only two.png to move", p.Changes)
	}
}
