package plan

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// history is a checkout at head whose history holds the revisions in
// seen (package gitrev answers the same from a real repository; its tests
// use real clones).
type history struct {
	head string
	seen map[string]bool
	// held are the uncommitted files (by the id of their one file) that
	// the checkout holds; lacks are the revisions a shallow clone lacks.
	held  map[string]bool
	lacks map[string]bool
}

func (h history) Head() string { return h.head }
func (h history) IsAncestor(_ context.Context, rev string) (bool, error) {
	if h.lacks[rev] {
		return false, shallowErr{}
	}
	return rev == h.head || h.seen[rev], nil
}
func (h history) Holds(_ context.Context, base string, files map[string]string, _ time.Time) (bool, error) {
	for _, id := range files {
		if !h.held[id] {
			return false, nil
		}
	}
	return true, nil
}

type shallowErr struct{}

func (shallowErr) Error() string      { return "shallow" }
func (shallowErr) ShallowClone() bool { return true }

const (
	oldRev   = "1111111111111111111111111111111111111111"
	headRev  = "2222222222222222222222222222222222222222"
	newerRev = "3333333333333333333333333333333333333333"
)

// A checkout whose history predates what a teammate applied leaves the
// teammate's images alone: it does not delete one it does not declare,
// replace one whose request it has older, or move one's output; it still
// creates and restores, and records its revision on what it changes.
func TestStaleCheckoutLeavesNewerImagesAlone(t *testing.T) {
	dir := t.TempDir()
	st := newState()
	a := newImage(t, "image.a", "the teammate's new prompt", "a.png")
	b := newImage(t, "image.b", "b", "b.png")
	c := newImage(t, "image.c", "c", "c.png")
	p21 := newImage(t, "image.p21", "added by the teammate", "p21.png")
	mine := newImage(t, "image.mine", "b as of an older commit", "b-old.png")
	for img, rev := range map[*spec.Image]string{a: newerRev, b: newerRev, c: oldRev, p21: newerRev} {
		apply(t, dir, st, img, state.GeneratorAPI).Revision = rev
	}
	remove(t, dir, "c.png")

	// This checkout has a's older prompt, b at another path, no p21, and
	// an image of its own.
	images := []*spec.Image{
		with(a, func(i *spec.Image) { i.Request = i.Request.WithPrompt("the old prompt") }),
		with(b, func(i *spec.Image) { i.Outputs = []string{"b-moved.png"} }),
		c, mine,
	}
	h := history{head: headRev, seen: map[string]bool{oldRev: true}}
	p, err := Make(t.Context(), images, st, Options{Dir: dir, History: h})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range p.Changes {
		got = append(got, string(ch.Action)+" "+ch.Address+" @"+ch.Revision[:1])
	}
	want := []string{"restore image.c @1", "create image.mine @2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	wantAlone := []LeftAlone{
		{Address: "image.a", Action: Replace, Revision: newerRev},
		{Address: "image.b", Action: Move, Revision: newerRev},
		{Address: "image.p21", Action: Delete, Revision: newerRev},
	}
	if diff := cmp.Diff(wantAlone, p.LeftAlone); diff != "" {
		t.Errorf("left alone (-want +got):\n%s", diff)
	}
	if msg := p.LeftAlone[2].Message(); msg != `image.p21 was changed by a newer configuration (commit 3333333, not in this checkout): left alone; pull first` {
		t.Errorf("message: %s", msg)
	}
	if p.Summary.Delete != 0 || p.Summary.Replace != 0 || p.Summary.Move != 0 {
		t.Errorf("summary %+v counts what is left alone", p.Summary)
	}

	// Asked to, it overwrites them, and records its own revision.
	p, err = Make(t.Context(), images, st, Options{Dir: dir, History: h, OverwriteNewer: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.LeftAlone) != 0 || p.Summary.Delete != 1 || p.Summary.Replace != 1 || p.Summary.Move != 1 {
		t.Errorf("with OverwriteNewer: left alone %v, summary %+v", p.LeftAlone, p.Summary)
	}
	for _, ch := range p.Changes {
		if ch.Action != Restore && ch.Revision != headRev {
			t.Errorf("%s %s records revision %q, want this checkout's", ch.Action, ch.Address, ch.Revision)
		}
	}
}

// A checkout that has the revision in its history (pulled) plans as
// usual; so does one without version control, and one whose images
// record no revision (made before it was kept, or outside git).
func TestStaleCheckRequiresUnseenRevision(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		rev  string
		hist History
	}{
		"pulled":            {newerRev, history{head: headRev, seen: map[string]bool{newerRev: true}}},
		"at that very head": {newerRev, history{head: newerRev}},
		"no git":            {newerRev, nil},
		"no revision":       {"", history{head: headRev}},
	} {
		t.Run(name, func(t *testing.T) {
			st := newState()
			apply(t, dir, st, newImage(t, "image.gone", "x", "gone-"+strings.ReplaceAll(name, " ", "-")+".png"), state.GeneratorAPI).Revision = tc.rev
			p, err := Make(t.Context(), nil, st, Options{Dir: dir, History: tc.hist})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.LeftAlone) != 0 || p.Summary.Delete != 1 {
				t.Errorf("left alone %v, %d deletes; want the delete planned", p.LeftAlone, p.Summary.Delete)
			}
		})
	}
}

// edit -> apply -> commit: an image made from changes not committed is
// left alone by a checkout that does not hold them (the teammate at the
// commit the author started from), planned as usual by one that does,
// and takes the commit of a clean checkout that makes it as it is.
func TestUncommittedChangesAreLeftAlone(t *testing.T) {
	dir := t.TempDir()
	marker := &state.Uncommitted{Files: map[string]string{"art/x.img.hcl": "aaaa"}, Host: "laptop", Time: time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)}
	st := newState()
	x := newImage(t, "image.x", "the new prompt", "x.png")
	d := newImage(t, "image.d", "new image", "d.png")
	for _, img := range []*spec.Image{x, d} {
		e := apply(t, dir, st, img, state.GeneratorAPI)
		e.Revision, e.Uncommitted = headRev, marker
	}
	old := []*spec.Image{with(x, func(i *spec.Image) { i.Request = i.Request.WithPrompt("the old prompt") })}

	// The teammate at the base commit: nothing replaced back, nothing deleted.
	p, err := Make(t.Context(), old, st, Options{Dir: dir, History: history{head: headRev}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 0 || len(p.LeftAlone) != 2 {
		t.Fatalf("changes %v, left alone %v; want none and 2", p.Changes, p.LeftAlone)
	}
	if msg, want := p.LeftAlone[1].Message(), "image.d was made from changes not yet committed (on top of 2222222, by laptop at 2026-12-07 09:30 UTC): left alone; pull when they are pushed, or --overwrite-newer"; msg != want {
		t.Errorf("message:\n got %s\nwant %s", msg, want)
	}

	// A checkout that holds the changes (pulled their commit) and edits x
	// again replaces it, recording its own changes.
	mine := &state.Uncommitted{Files: map[string]string{"art/x.img.hcl": "bbbb"}}
	h := history{head: newerRev, seen: map[string]bool{headRev: true}, held: map[string]bool{"aaaa": true}}
	p, err = Make(t.Context(), append(old, d), st, Options{Dir: dir, History: h, Uncommitted: mine})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.LeftAlone) != 0 || len(p.Changes) != 1 || p.Changes[0].Action != Replace || p.Changes[0].Uncommitted != mine || p.Changes[0].Revision != newerRev {
		t.Fatalf("changes %v, left alone %v; want image.x replaced with this checkout's changes", p.Changes, p.LeftAlone)
	}
	if len(p.Committed) != 0 {
		t.Errorf("a checkout with changes of its own records its commit for %v", p.Committed)
	}

	// The author, committed and clean: both take the commit, for free.
	clean := history{head: newerRev, seen: map[string]bool{headRev: true}, held: map[string]bool{"aaaa": true}}
	p, err = Make(t.Context(), []*spec.Image{d, x}, st, Options{Dir: dir, History: clean, SharedState: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []Committed{{Address: "image.d", Revision: newerRev}, {Address: "image.x", Revision: newerRev}}
	if p.HasChanges() || !cmp.Equal(p.Committed, want) {
		t.Errorf("changes %v, committed %v; want none and %v", p.Changes, p.Committed, want)
	}
	// A clean checkout that does not hold the changes (an older one that
	// makes the same image by chance) does not take them over.
	p, err = Make(t.Context(), []*spec.Image{d, x}, st, Options{Dir: dir, History: history{head: newerRev, seen: map[string]bool{headRev: true}}, SharedState: true})
	if err != nil || len(p.Committed) != 0 {
		t.Errorf("a checkout without the changes records its commit for %v, %v", p.Committed, err)
	}
	// The checkout that made them holds them, whatever it did with its
	// files since (edited them again, stashed them): its plan is its own.
	own := *marker
	own.Checkout = "c0ffee"
	for _, img := range []*spec.Image{x, d} {
		st.Images[img.Addr.String()].Uncommitted = &own
	}
	p, err = Make(t.Context(), old, st, Options{Dir: dir, History: history{head: headRev}, Checkout: "c0ffee", SharedState: true})
	if err != nil || len(p.LeftAlone) != 0 || len(p.Changes) != 2 {
		t.Errorf("the author's own checkout: changes %v, left alone %v, %v; want both planned", p.Changes, p.LeftAlone, err)
	}
	for _, img := range []*spec.Image{x, d} {
		st.Images[img.Addr.String()].Uncommitted = marker
	}
	// A state file committed with the configuration is not rewritten
	// for it: the commit that holds the changes holds the file too.
	p, err = Make(t.Context(), []*spec.Image{d, x}, st, Options{Dir: dir, History: clean})
	if err != nil || p.HasChanges() || len(p.Committed) != 0 {
		t.Errorf("a state file: changes %v, committed %v, %v; want none", p.Changes, p.Committed, err)
	}
}

// A shallow clone that lacks an image's revision shows the change, and
// says it could not check it; apply refuses such a plan.
func TestShallowCloneChecksWhatItCan(t *testing.T) {
	dir := t.TempDir()
	st := newState()
	a := newImage(t, "image.a", "a", "a.png")
	b := newImage(t, "image.b", "b", "b.png")
	apply(t, dir, st, a, state.GeneratorAPI).Revision = oldRev
	apply(t, dir, st, b, state.GeneratorAPI).Revision = headRev
	changed := []*spec.Image{
		with(a, func(i *spec.Image) { i.Request = i.Request.WithPrompt("a, reworded") }),
		with(b, func(i *spec.Image) { i.Request = i.Request.WithPrompt("b, reworded") }),
	}
	p, err := Make(t.Context(), changed, st, Options{Dir: dir, History: history{head: headRev, lacks: map[string]bool{oldRev: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Replace != 2 || !cmp.Equal(p.Unchecked, []string{"image.a"}) {
		t.Fatalf("summary %+v, unchecked %v; want both replaced, image.a unchecked", p.Summary, p.Unchecked)
	}
	var ue *UncheckedError
	if err := p.CheckedHistory(); !errors.As(err, &ue) || !strings.Contains(err.Error(), "fetch-depth: 0") {
		t.Errorf("CheckedHistory = %v, want an *UncheckedError naming the fix", err)
	}
	p, err = Make(t.Context(), changed, st, Options{Dir: dir, History: history{head: headRev, lacks: map[string]bool{oldRev: true}}, OverwriteNewer: true})
	if err != nil || p.CheckedHistory() != nil {
		t.Errorf("with --overwrite-newer: %v, %v", err, p.CheckedHistory())
	}
}
