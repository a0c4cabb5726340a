package plan

import (
	"context"
	"strings"
	"testing"

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
}

func (h history) Head() string { return h.head }
func (h history) IsAncestor(_ context.Context, rev string) (bool, error) {
	return rev == h.head || h.seen[rev], nil
}

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
