package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// A moved block gives a recorded image its new address: the plan moves
// the address, makes no image, and keeps the recorded seed (a derived seed
// follows the image, not its new address).
func TestMakeMovedBlocks(t *testing.T) {
	dir := t.TempDir()
	st := newState()
	old := newImage(t, "image.old", "a lighthouse", "old.png")
	apply(t, dir, st, old, state.GeneratorAPI)
	oldSeed := st.Images["image.old"].Request.Seed()

	renamed := newImage(t, "image.new", "a lighthouse", "old.png")
	move := spec.Move{From: mustAddr(t, "image.old"), To: mustAddr(t, "image.new")}

	t.Run("without a moved block: a delete and a create, with a hint", func(t *testing.T) {
		p, err := Make(t.Context(), []*spec.Image{renamed}, st, Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if p.Summary.Create != 1 || p.Summary.Delete != 1 || p.Summary.Generate != 1 {
			t.Fatalf("summary %+v, want a create and a delete", p.Summary)
		}
		var hint string
		for _, r := range p.Changes[0].Reasons {
			if r.Kind == ReasonMoveHint {
				hint = r.Message
			}
		}
		if !strings.Contains(hint, "moved { from = image.old  to = image.new }") {
			t.Errorf("no moved block suggested: %v", p.Changes[0].Reasons)
		}
	})

	t.Run("with one: the address moves, nothing is paid", func(t *testing.T) {
		p, err := Make(t.Context(), []*spec.Image{renamed}, st, Options{Dir: dir, Moves: []spec.Move{move}})
		if err != nil {
			t.Fatal(err)
		}
		want := []changeView{{Address: "image.new", Action: Move, Reasons: []Reason{reason(ReasonAddressMoved)},
			Generator: state.GeneratorAPI, Outputs: []string{"old.png"}}}
		if diff := cmp.Diff(want, views(p.Changes), cmpChanges); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		c := p.Changes[0]
		if c.MovedFrom != "image.old" || c.Request.Seed() != oldSeed || p.Summary.Generate != 0 || p.Summary.Move != 1 {
			t.Errorf("moved from %q, seed %d (recorded %d), summary %+v", c.MovedFrom, c.Request.Seed(), oldSeed, p.Summary)
		}
	})

	t.Run("a moved image that also changed output path is renamed too", func(t *testing.T) {
		elsewhere := newImage(t, "image.new", "a lighthouse", "new.png")
		p, err := Make(t.Context(), []*spec.Image{elsewhere}, st, Options{Dir: dir, Moves: []spec.Move{move}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != 1 || p.Changes[0].Action != Move || len(p.Changes[0].Moves) != 1 || p.Changes[0].MovedFrom != "image.old" {
			t.Fatalf("changes %v", views(p.Changes))
		}
	})

	t.Run("from not in the state: nothing to move", func(t *testing.T) {
		unknown := spec.Move{From: mustAddr(t, "image.never"), To: mustAddr(t, "image.new")}
		p, err := Make(t.Context(), []*spec.Image{renamed}, st, Options{Dir: dir, Moves: []spec.Move{unknown}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Summary.Create != 1 || p.Summary.Delete != 1 {
			t.Errorf("summary %+v, want the moved block ignored", p.Summary)
		}
	})

	t.Run("to already recorded: refused", func(t *testing.T) {
		both := newState()
		apply(t, dir, both, old, state.GeneratorAPI)
		apply(t, dir, both, newImage(t, "image.new", "a ship", "ship.png"), state.GeneratorAPI)
		_, err := Make(t.Context(), []*spec.Image{renamed}, both, Options{Dir: dir, Moves: []spec.Move{move}})
		if err == nil || !strings.Contains(err.Error(), "the state already records image.new") {
			t.Errorf("Make = %v, want a refusal", err)
		}
	})
}

func views(cs []*Change) []changeView {
	out := make([]changeView, len(cs))
	for i, c := range cs {
		out[i] = view(c)
	}
	return out
}

// MoveInState is imgform state mv: one image, or every instance of a
// block keeping its key; never onto an address the state records.
func TestMoveInState(t *testing.T) {
	entry := func(prompt string) *state.Entry {
		req := model.NewRequest(model.Default).WithPrompt(prompt)
		return &state.Entry{InputHash: req.InputHash(), Request: req, Outputs: []state.Output{{Path: prompt + ".png"}}}
	}
	newState := func() *state.State {
		st := state.New()
		st.Images = map[string]*state.Entry{
			"image.hero": entry("hero"), `image.icon["a"]`: entry("a"), `image.icon["b"]`: entry("b"), "image.logo": entry("logo"),
		}
		return st
	}
	tests := []struct {
		src, dst string
		want     map[string]string
		err      string
	}{
		{src: "image.hero", dst: "image.banner", want: map[string]string{"image.hero": "image.banner"}},
		{src: "image.icon", dst: "image.glyph", want: map[string]string{`image.icon["a"]`: `image.glyph["a"]`, `image.icon["b"]`: `image.glyph["b"]`}},
		{src: `image.icon["a"]`, dst: `image.icon["c"]`, want: map[string]string{`image.icon["a"]`: `image.icon["c"]`}},
		{src: "image.hero", dst: "image.logo", err: "already has an image image.logo"},
		{src: "image.nothing", dst: "image.x", err: "has no image image.nothing"},
		{src: "image.icon", dst: `image.x["a"]`, err: "move a whole block to a block"},
	}
	for _, tt := range tests {
		st := newState()
		before := st.Clone()
		got, err := MoveInState(st, mustAddr(t, tt.src), mustAddr(t, tt.dst))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s → %s: %v; want an error saying %q", tt.src, tt.dst, err, tt.err)
			}
			if diff := cmp.Diff(before, st); diff != "" {
				t.Errorf("%s → %s: a refused move changed the state:\n%s", tt.src, tt.dst, diff)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s → %s: %v", tt.src, tt.dst, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s → %s: moves (-want +got):\n%s", tt.src, tt.dst, diff)
		}
		for from, to := range got {
			if st.Images[to] != before.Images[from] && !cmp.Equal(st.Images[to], before.Images[from]) || st.Images[from] != nil {
				t.Errorf("%s → %s: %s is not where %s was", tt.src, tt.dst, to, from)
			}
		}
		if len(st.Images) != len(before.Images) {
			t.Errorf("%s → %s: %d images, want %d", tt.src, tt.dst, len(st.Images), len(before.Images))
		}
	}
}
