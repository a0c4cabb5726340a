package plan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// changeView is what a test asserts of a change: everything but the
// resolved request and the prior entry, which invariants check.
type changeView struct {
	Address   string
	Action    Action
	Reasons   []Reason
	Diff      []ParamDiff
	Generator state.Generator
	Outputs   []string
	Write     []int
	Moves     []Rename
	Remove    []string
	Cost      int
	Cached    bool
	Resumes   bool
}

func view(c *Change) changeView {
	return changeView{
		Address: c.Address, Action: c.Action, Reasons: c.Reasons, Diff: c.Diff, Generator: c.Generator,
		Outputs: c.Outputs, Write: c.Write, Moves: c.Moves, Remove: c.Remove,
		Cost: c.Cost, Cached: c.Cached, Resumes: c.Resumes,
	}
}

// Reasons are compared by kind and path; TestReasonMessages checks the
// sentences.
var cmpChanges = cmp.Options{cmpopts.IgnoreFields(Reason{}, "Message"), cmpopts.EquateEmpty()}

func reason(kind ReasonKind, path ...string) Reason {
	r := Reason{Kind: kind}
	if len(path) > 0 {
		r.Path = path[0]
	}
	return r
}

// hashOf is the input hash an image is recorded with when first made.
func hashOf(tb testing.TB, img *spec.Image) state.Hash {
	tb.Helper()
	req, _, err := ResolveRequest(img, nil, false, zeroReader{})
	if err != nil {
		tb.Fatal(err)
	}
	return req.InputHash()
}

func remove(tb testing.TB, dir, rel string) {
	tb.Helper()
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
		tb.Fatal(err)
	}
}

// Images the cases share.

func hero(t testing.TB) *spec.Image {
	return newImage(t, "image.hero", "castle on a cliff", "assets/hero.png")
}

func gone(t testing.TB) *spec.Image { return newImage(t, "image.gone", "an old banner", "gone.png") }

func iconA(t testing.TB) *spec.Image { return newImage(t, `image.icon["a"]`, "icon a", "icons/a.png") }

func iconB(t testing.TB) *spec.Image { return newImage(t, `image.icon["b"]`, "icon b", "icons/b.png") }

func twoShots(t testing.TB) *spec.Image {
	return newImage(t, "image.pair", "two shots", "pair/1.png", "pair/2.png")
}

// moved is img written to another path.
func moved(img *spec.Image, to string) *spec.Image {
	return with(img, func(i *spec.Image) { i.Outputs = []string{to} })
}

type planCase struct {
	// setup writes what the case needs under dir and returns the
	// configuration, the state and the options (Dir is filled in).
	setup       func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options)
	want        []changeView
	wantRefresh []Refresh
	wantSummary *Summary
}

func planCases() map[string]planCase {
	return map[string]planCase{
		// create
		"create": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				return []*spec.Image{hero(t)}, newState(), Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Create, Reasons: []Reason{reason(ReasonNew)},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
			wantSummary: &Summary{Create: 1, Generate: 1},
		},
		"two images of the same request are paid once": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				jpeg := with(moved(hero(t), "assets/hero.jpg"), func(i *spec.Image) {
					i.Addr, _ = spec.ParseAddress("image.hero_jpeg")
					i.Request = i.Request.WithSeed(hero(t).Request.Seed()) // the same request, address aside
				})
				return []*spec.Image{hero(t), jpeg}, newState(), Options{}
			},
			want: []changeView{
				{Address: "image.hero", Action: Create, Reasons: []Reason{reason(ReasonNew)},
					Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1},
				{Address: "image.hero_jpeg", Action: Create, Reasons: []Reason{reason(ReasonNew), reason(ReasonSameRequest)},
					Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.jpg"}, Write: []int{0}, Cost: 0},
			},
			wantSummary: &Summary{Create: 2, Generate: 1},
		},
		"create over a file not in the state": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				writeFile(t, dir, "assets/hero.png", []byte("someone's picture"))
				return []*spec.Image{hero(t)}, newState(), Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Create,
				Reasons:   []Reason{reason(ReasonNew), reason(ReasonOverwrite, "assets/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"create two samples": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				return []*spec.Image{twoShots(t)}, newState(), Options{}
			},
			want: []changeView{{Address: "image.pair", Action: Create, Reasons: []Reason{reason(ReasonNew)},
				Generator: state.GeneratorAPI, Outputs: []string{"pair/1.png", "pair/2.png"}, Write: []int{0, 1}, Cost: 2}},
		},
		"create from the cache": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				return []*spec.Image{hero(t)}, newState(), Options{Cache: mapCache{hashOf(t, hero(t)): 1}}
			},
			want: []changeView{{Address: "image.hero", Action: Create, Reasons: []Reason{reason(ReasonNew)},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 0, Cached: true}},
			wantSummary: &Summary{Create: 1, FromCache: 1},
		},
		"create, the cache holds too few samples": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				return []*spec.Image{twoShots(t)}, newState(), Options{Cache: mapCache{hashOf(t, twoShots(t)): 1}}
			},
			want: []changeView{{Address: "image.pair", Action: Create, Reasons: []Reason{reason(ReasonNew)},
				Generator: state.GeneratorAPI, Outputs: []string{"pair/1.png", "pair/2.png"}, Write: []int{0, 1}, Cost: 2}},
		},
		"create offline": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				return []*spec.Image{hero(t)}, newState(), Options{Offline: true}
			},
			want: []changeView{{Address: "image.hero", Action: Create, Reasons: []Reason{reason(ReasonNew)},
				Generator: state.GeneratorOffline, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 0}},
		},
		"create resumes a submitted job": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				h := hashOf(t, hero(t))
				return []*spec.Image{hero(t)}, newState(), Options{Submitted: func(got state.Hash, _ bool) bool { return got == h }}
			},
			want: []changeView{{Address: "image.hero", Action: Create, Reasons: []Reason{reason(ReasonNew)},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 0, Resumes: true}},
			wantSummary: &Summary{Create: 1},
		},

		// no-op
		"no-op": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				apply(t, dir, st, twoShots(t), state.GeneratorAPI)
				return []*spec.Image{hero(t), twoShots(t)}, st, Options{}
			},
			wantSummary: &Summary{Unchanged: 2},
		},

		// replace
		"replace: parameters changed": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				changed := with(hero(t), func(i *spec.Image) {
					i.Request = i.Request.WithPrompt("castle at dawn")
					i.Request = i.Request.With("num_inference_steps", model.Int(int64(9)))
				})
				return []*spec.Image{changed}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Replace, Reasons: []Reason{reason(ReasonParams)},
				Diff: []ParamDiff{
					{Name: "prompt", Old: `"castle on a cliff"`, New: `"castle at dawn"`},
					{Name: "num_inference_steps", Old: "7", New: "9"},
				},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
			wantSummary: &Summary{Replace: 1, Generate: 1},
		},
		"replace: parameters changed, from the cache": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				changed := with(hero(t), func(i *spec.Image) { i.Request = i.Request.With("guidance_scale", model.Number(2)) })
				return []*spec.Image{changed}, st, Options{Cache: mapCache{hashOf(t, changed): 1}}
			},
			want: []changeView{{Address: "image.hero", Action: Replace, Reasons: []Reason{reason(ReasonParams)},
				Diff:      []ParamDiff{{Name: "guidance_scale", Old: "1.4", New: "2"}},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cached: true}},
		},
		"replace with another output: the old file is removed": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				changed := with(moved(hero(t), "art/hero.png"), func(i *spec.Image) { i.Request = i.Request.WithPrompt("castle at dawn") })
				return []*spec.Image{changed}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Replace, Reasons: []Reason{reason(ReasonParams)},
				Diff:      []ParamDiff{{Name: "prompt", Old: `"castle on a cliff"`, New: `"castle at dawn"`}},
				Generator: state.GeneratorAPI, Outputs: []string{"art/hero.png"}, Write: []int{0},
				Remove: []string{"assets/hero.png"}, Cost: 1}},
		},
		"replace with another output: an edited old file is kept": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				writeFile(t, dir, "assets/hero.png", []byte("touched up by hand"))
				changed := with(moved(hero(t), "art/hero.png"), func(i *spec.Image) { i.Request = i.Request.WithPrompt("castle at dawn") })
				return []*spec.Image{changed}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Replace,
				Reasons:   []Reason{reason(ReasonParams), reason(ReasonKept, "assets/hero.png")},
				Diff:      []ParamDiff{{Name: "prompt", Old: `"castle on a cliff"`, New: `"castle at dawn"`}},
				Generator: state.GeneratorAPI, Outputs: []string{"art/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"replace an offline placeholder": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorOffline)
				return []*spec.Image{hero(t)}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Replace, Reasons: []Reason{reason(ReasonOffline)},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"an offline placeholder planned offline is kept": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorOffline)
				return []*spec.Image{hero(t)}, st, Options{Offline: true}
			},
			wantSummary: &Summary{Unchanged: 1},
		},
		"replace requested": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				return []*spec.Image{hero(t)}, st, Options{Replace: []spec.Address{mustAddr(t, "image.hero")}}
			},
			want: []changeView{{Address: "image.hero", Action: Replace, Reasons: []Reason{reason(ReasonForced)},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"replace requested is generated anew even when the cache has it": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				h := hashOf(t, hero(t))
				return []*spec.Image{hero(t)}, st, Options{
					Replace: []spec.Address{mustAddr(t, "image.hero")},
					Cache:   mapCache{h: 1},
					// Journaled by an ordinary run: not a replacement.
					Submitted: func(_ state.Hash, forced bool) bool { return !forced },
				}
			},
			want: []changeView{{Address: "image.hero", Action: Replace, Reasons: []Reason{reason(ReasonForced)},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"replace requested resumes the job an interrupted replacement submitted": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				return []*spec.Image{hero(t)}, st, Options{
					Replace:   []spec.Address{mustAddr(t, "image.hero")},
					Submitted: func(state.Hash, bool) bool { return true },
				}
			},
			want: []changeView{{Address: "image.hero", Action: Replace, Reasons: []Reason{reason(ReasonForced)},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Resumes: true}},
		},
		"replace requested for a block selects all its instances": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				for _, img := range []*spec.Image{hero(t), iconA(t), iconB(t)} {
					apply(t, dir, st, img, state.GeneratorAPI)
				}
				return []*spec.Image{hero(t), iconA(t), iconB(t)}, st, Options{Replace: []spec.Address{mustAddr(t, "image.icon")}}
			},
			want: []changeView{
				{Address: `image.icon["a"]`, Action: Replace, Reasons: []Reason{reason(ReasonForced)},
					Generator: state.GeneratorAPI, Outputs: []string{"icons/a.png"}, Write: []int{0}, Cost: 1},
				{Address: `image.icon["b"]`, Action: Replace, Reasons: []Reason{reason(ReasonForced)},
					Generator: state.GeneratorAPI, Outputs: []string{"icons/b.png"}, Write: []int{0}, Cost: 1},
			},
			wantSummary: &Summary{Replace: 2, Unchanged: 1, Generate: 2},
		},
		"replace requested for one instance": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				for _, img := range []*spec.Image{iconA(t), iconB(t)} {
					apply(t, dir, st, img, state.GeneratorAPI)
				}
				return []*spec.Image{iconA(t), iconB(t)}, st, Options{Replace: []spec.Address{mustAddr(t, `image.icon["b"]`)}}
			},
			want: []changeView{
				{Address: `image.icon["b"]`, Action: Replace, Reasons: []Reason{reason(ReasonForced)},
					Generator: state.GeneratorAPI, Outputs: []string{"icons/b.png"}, Write: []int{0}, Cost: 1},
			},
		},

		// move
		"move": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				return []*spec.Image{moved(hero(t), "art/hero.png")}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Move, Reasons: []Reason{reason(ReasonMoved, "art/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"art/hero.png"},
				Moves: []Rename{{From: "assets/hero.png", To: "art/hero.png"}}, Cost: 0}},
			wantSummary: &Summary{Move: 1},
		},
		"move over a file not in the state": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				writeFile(t, dir, "art/hero.png", []byte("someone's picture"))
				return []*spec.Image{moved(hero(t), "art/hero.png")}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Move,
				Reasons:   []Reason{reason(ReasonMoved, "art/hero.png"), reason(ReasonOverwrite, "art/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"art/hero.png"},
				Moves: []Rename{{From: "assets/hero.png", To: "art/hero.png"}}}},
		},
		"move an offline placeholder, offline": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorOffline)
				return []*spec.Image{moved(hero(t), "art/hero.png")}, st, Options{Offline: true}
			},
			want: []changeView{{Address: "image.hero", Action: Move, Reasons: []Reason{reason(ReasonMoved, "art/hero.png")},
				Generator: state.GeneratorOffline, Outputs: []string{"art/hero.png"},
				Moves: []Rename{{From: "assets/hero.png", To: "art/hero.png"}}}},
		},

		// restore
		"restore a missing output": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				remove(t, dir, "assets/hero.png")
				return []*spec.Image{hero(t)}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Restore, Reasons: []Reason{reason(ReasonMissing, "assets/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
			wantSummary: &Summary{Restore: 1, Generate: 1},
		},
		"restore an edited output": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				writeFile(t, dir, "assets/hero.png", []byte("painted over"))
				return []*spec.Image{hero(t)}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Restore, Reasons: []Reason{reason(ReasonEdited, "assets/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"restore an output replaced by a directory": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				remove(t, dir, "assets/hero.png")
				writeFile(t, dir, "assets/hero.png/inside.txt", nil)
				return []*spec.Image{hero(t)}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Restore, Reasons: []Reason{reason(ReasonEdited, "assets/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"restore from the cache": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				remove(t, dir, "assets/hero.png")
				return []*spec.Image{hero(t)}, st, Options{Cache: mapCache{hashOf(t, hero(t)): 1}}
			},
			want: []changeView{{Address: "image.hero", Action: Restore, Reasons: []Reason{reason(ReasonMissing, "assets/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cached: true}},
			wantSummary: &Summary{Restore: 1, FromCache: 1},
		},
		"restore one of two samples, not cached: the request is paid in full": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, twoShots(t), state.GeneratorAPI)
				remove(t, dir, "pair/2.png")
				return []*spec.Image{twoShots(t)}, st, Options{}
			},
			want: []changeView{{Address: "image.pair", Action: Restore, Reasons: []Reason{reason(ReasonMissing, "pair/2.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"pair/1.png", "pair/2.png"}, Write: []int{1}, Cost: 2}},
		},
		"restore an offline placeholder, offline: re-rendered free": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorOffline)
				remove(t, dir, "assets/hero.png")
				return []*spec.Image{hero(t)}, st, Options{Offline: true}
			},
			want: []changeView{{Address: "image.hero", Action: Restore, Reasons: []Reason{reason(ReasonMissing, "assets/hero.png")},
				Generator: state.GeneratorOffline, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 0}},
		},
		"restore offline an image the API made: a placeholder": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				remove(t, dir, "assets/hero.png")
				return []*spec.Image{hero(t)}, st, Options{Offline: true}
			},
			want: []changeView{{Address: "image.hero", Action: Restore, Reasons: []Reason{reason(ReasonMissing, "assets/hero.png")},
				Generator: state.GeneratorOffline, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 0}},
		},
		"restore resumes a submitted job": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				remove(t, dir, "assets/hero.png")
				h := hashOf(t, hero(t))
				return []*spec.Image{hero(t)}, st, Options{Submitted: func(got state.Hash, _ bool) bool { return got == h }}
			},
			want: []changeView{{Address: "image.hero", Action: Restore, Reasons: []Reason{reason(ReasonMissing, "assets/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 0, Resumes: true}},
		},
		"restore: moved, and the old file is missing": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				remove(t, dir, "assets/hero.png")
				return []*spec.Image{moved(hero(t), "art/hero.png")}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Restore,
				Reasons:   []Reason{reason(ReasonMoved, "art/hero.png"), reason(ReasonMissing, "assets/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"art/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"restore: moved, and the old file was edited (kept)": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				writeFile(t, dir, "assets/hero.png", []byte("touched up by hand"))
				return []*spec.Image{moved(hero(t), "art/hero.png")}, st, Options{}
			},
			want: []changeView{{Address: "image.hero", Action: Restore,
				Reasons:   []Reason{reason(ReasonMoved, "art/hero.png"), reason(ReasonKept, "assets/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"art/hero.png"}, Write: []int{0}, Cost: 1}},
		},

		// delete
		"delete": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, gone(t), state.GeneratorAPI)
				return nil, st, Options{}
			},
			want: []changeView{{Address: "image.gone", Action: Delete, Reasons: []Reason{reason(ReasonRemoved)},
				Outputs: []string{"gone.png"}, Remove: []string{"gone.png"}}},
			wantSummary: &Summary{Delete: 1},
		},
		"delete: an edited file is kept": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, gone(t), state.GeneratorAPI)
				writeFile(t, dir, "gone.png", []byte("made my own"))
				return nil, st, Options{}
			},
			want: []changeView{{Address: "image.gone", Action: Delete,
				Reasons: []Reason{reason(ReasonRemoved), reason(ReasonKept, "gone.png")}, Outputs: []string{"gone.png"}}},
		},
		"delete: the file is already gone": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, gone(t), state.GeneratorAPI)
				remove(t, dir, "gone.png")
				return nil, st, Options{}
			},
			want: []changeView{{Address: "image.gone", Action: Delete, Reasons: []Reason{reason(ReasonRemoved)},
				Outputs: []string{"gone.png"}}},
		},
		"delete: a path another image wants is not removed": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, gone(t), state.GeneratorAPI)
				heir := newImage(t, "image.heir", "a new banner", "gone.png")
				return []*spec.Image{heir}, st, Options{}
			},
			want: []changeView{
				{Address: "image.gone", Action: Delete, Reasons: []Reason{reason(ReasonRemoved)}, Outputs: []string{"gone.png"}},
				// The file is recorded: writing over it overwrites nothing
				// imgform did not make. A delete and a create at one path
				// look like a renamed block: the plan suggests the moved
				// block that would keep the image.
				{Address: "image.heir", Action: Create, Reasons: []Reason{reason(ReasonNew), reason(ReasonMoveHint, "gone.png")},
					Generator: state.GeneratorAPI, Outputs: []string{"gone.png"}, Write: []int{0}, Cost: 1},
			},
		},

		// drift
		"refresh: same content, the mtime moved": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				apply(t, dir, st, twoShots(t), state.GeneratorAPI)
				touch(t, dir, "pair/2.png", time.Now().Add(time.Hour))
				return []*spec.Image{hero(t), twoShots(t)}, st, Options{}
			},
			wantRefresh: []Refresh{{Address: "image.pair", Index: 1, Path: "pair/2.png"}},
			wantSummary: &Summary{Unchanged: 2},
		},
		"same size, same mtime, other content: not seen without verify": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				e := apply(t, dir, st, hero(t), state.GeneratorAPI)
				sameSizeEdit(t, dir, e.Outputs[0])
				return []*spec.Image{hero(t)}, st, Options{}
			},
			wantSummary: &Summary{Unchanged: 1},
		},
		"same size, same mtime, other content: caught with verify": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				e := apply(t, dir, st, hero(t), state.GeneratorAPI)
				sameSizeEdit(t, dir, e.Outputs[0])
				return []*spec.Image{hero(t)}, st, Options{Verify: true}
			},
			want: []changeView{{Address: "image.hero", Action: Restore, Reasons: []Reason{reason(ReasonEdited, "assets/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"verify: unchanged files are no change": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				return []*spec.Image{hero(t)}, st, Options{Verify: true}
			},
			wantSummary: &Summary{Unchanged: 1},
		},

		// targets
		"target one image": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				return []*spec.Image{hero(t), iconA(t)}, newState(), Options{Targets: []spec.Address{mustAddr(t, "image.hero")}}
			},
			want: []changeView{{Address: "image.hero", Action: Create, Reasons: []Reason{reason(ReasonNew)},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"target one instance": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				return []*spec.Image{hero(t), iconA(t), iconB(t)}, newState(), Options{Targets: []spec.Address{mustAddr(t, `image.icon["b"]`)}}
			},
			want: []changeView{{Address: `image.icon["b"]`, Action: Create, Reasons: []Reason{reason(ReasonNew)},
				Generator: state.GeneratorAPI, Outputs: []string{"icons/b.png"}, Write: []int{0}, Cost: 1}},
		},
		"target a block: all its instances": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				return []*spec.Image{hero(t), iconA(t), iconB(t)}, newState(), Options{Targets: []spec.Address{mustAddr(t, "image.icon")}}
			},
			want: []changeView{
				{Address: `image.icon["a"]`, Action: Create, Reasons: []Reason{reason(ReasonNew)},
					Generator: state.GeneratorAPI, Outputs: []string{"icons/a.png"}, Write: []int{0}, Cost: 1},
				{Address: `image.icon["b"]`, Action: Create, Reasons: []Reason{reason(ReasonNew)},
					Generator: state.GeneratorAPI, Outputs: []string{"icons/b.png"}, Write: []int{0}, Cost: 1},
			},
		},
		"targets filter deletes: another target": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, gone(t), state.GeneratorAPI)
				apply(t, dir, st, hero(t), state.GeneratorAPI)
				remove(t, dir, "assets/hero.png")
				return []*spec.Image{hero(t)}, st, Options{Targets: []spec.Address{mustAddr(t, "image.hero")}}
			},
			want: []changeView{{Address: "image.hero", Action: Restore, Reasons: []Reason{reason(ReasonMissing, "assets/hero.png")},
				Generator: state.GeneratorAPI, Outputs: []string{"assets/hero.png"}, Write: []int{0}, Cost: 1}},
		},
		"targets filter deletes: the deleted image targeted": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				apply(t, dir, st, gone(t), state.GeneratorAPI)
				apply(t, dir, st, iconA(t), state.GeneratorAPI)
				return []*spec.Image{hero(t)}, st, Options{Targets: []spec.Address{mustAddr(t, "image.gone")}}
			},
			want: []changeView{{Address: "image.gone", Action: Delete, Reasons: []Reason{reason(ReasonRemoved)},
				Outputs: []string{"gone.png"}, Remove: []string{"gone.png"}}},
		},
		"changes are sorted by address, indexes numerically": {
			setup: func(t *testing.T, dir string) ([]*spec.Image, *state.State, Options) {
				st := newState()
				old := newImage(t, "image.row[2]", "row 2", "rows/2.png")
				apply(t, dir, st, old, state.GeneratorAPI)
				return []*spec.Image{
					newImage(t, "image.row[10]", "row 10", "rows/10.png"),
					newImage(t, "image.a", "a", "a.png"),
					newImage(t, "image.row[1]", "row 1", "rows/1.png"),
				}, st, Options{}
			},
			want: []changeView{
				{Address: "image.a", Action: Create, Reasons: []Reason{reason(ReasonNew)},
					Generator: state.GeneratorAPI, Outputs: []string{"a.png"}, Write: []int{0}, Cost: 1},
				{Address: "image.row[1]", Action: Create, Reasons: []Reason{reason(ReasonNew)},
					Generator: state.GeneratorAPI, Outputs: []string{"rows/1.png"}, Write: []int{0}, Cost: 1},
				{Address: "image.row[2]", Action: Delete, Reasons: []Reason{reason(ReasonRemoved)},
					Outputs: []string{"rows/2.png"}, Remove: []string{"rows/2.png"}},
				{Address: "image.row[10]", Action: Create, Reasons: []Reason{reason(ReasonNew)},
					Generator: state.GeneratorAPI, Outputs: []string{"rows/10.png"}, Write: []int{0}, Cost: 1},
			},
		},
	}
}

// sameSizeEdit changes a recorded output's content without changing its
// size or modification time: only hashing sees it.
func sameSizeEdit(tb testing.TB, dir string, o state.Output) {
	tb.Helper()
	data := readFile(tb, dir, o.Path)
	data = bytes.ToUpper(data)
	writeFile(tb, dir, o.Path, data)
	touch(tb, dir, o.Path, o.ModTime)
	if state.SumBytes(data) == o.SHA256 || int64(len(data)) != o.Size {
		tb.Fatal("the edit did not change the content, or changed the size")
	}
}

func TestMake(t *testing.T) {
	for name, tc := range planCases() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			images, st, opts := tc.setup(t, dir)
			opts.Dir = dir
			before, err := state.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Make(t.Context(), images, st, opts)
			if err != nil {
				t.Fatalf("Make: %v", err)
			}
			var got []changeView
			for _, c := range p.Changes {
				got = append(got, view(c))
			}
			if diff := cmp.Diff(tc.want, got, cmpChanges); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantRefresh, p.Refresh, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("refresh (-want +got):\n%s", diff)
			}
			if tc.wantSummary != nil {
				if diff := cmp.Diff(*tc.wantSummary, p.Summary); diff != "" {
					t.Errorf("summary (-want +got):\n%s", diff)
				}
			}
			checkInvariants(t, p, st, opts)
			after, err := state.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Errorf("Make changed the state")
			}
		})
	}
}

// checkInvariants checks what holds of every plan.
func checkInvariants(t *testing.T, p *Plan, st *state.State, opts Options) {
	t.Helper()
	if p.FormatVersion != FormatVersion || p.Lineage != st.Lineage || p.Serial != st.Serial || p.Offline != opts.Offline {
		t.Errorf("plan header: %q %q %d %v", p.FormatVersion, p.Lineage, p.Serial, p.Offline)
	}
	var counted Summary
	for _, c := range p.Changes {
		if len(c.Reasons) == 0 {
			t.Errorf("%s: a change without a reason", c.Address)
		}
		for _, r := range c.Reasons {
			if r.Message == "" {
				t.Errorf("%s: a %s reason without a message", c.Address, r.Kind)
			}
		}
		if c.Prior != st.Images[c.Address] {
			t.Errorf("%s: Prior is not the state's entry", c.Address)
		}
		switch c.Action {
		case Delete:
			if c.Request != nil || c.InputHash != c.Prior.InputHash {
				t.Errorf("%s: a delete carries a request, or another hash than the state's", c.Address)
			}
			counted.Delete++
		default:
			if c.Request == nil || c.InputHash != c.Request.InputHash() {
				t.Errorf("%s: the input hash is not the request's", c.Address)
			} else if len(c.Outputs) != c.Request.Samples() {
				t.Errorf("%s: %d outputs for %d samples", c.Address, len(c.Outputs), c.Request.Samples())
			}
			switch c.Action {
			case Create:
				counted.Create++
			case Replace:
				counted.Replace++
			case Move:
				counted.Move++
			case Restore:
				counted.Restore++
			default:
				t.Errorf("%s: action %q in a plan", c.Address, c.Action)
			}
		}
		if (len(c.Write) > 0) != (c.Action == Create || c.Action == Replace || c.Action == Restore) {
			t.Errorf("%s: %s writes %v", c.Address, c.Action, c.Write)
		}
		if c.Cost > 0 && (c.Cached || c.Resumes || opts.Offline || len(c.Write) == 0) {
			t.Errorf("%s: cost %d, but cached %v, resumes %v, offline %v, writes %v", c.Address, c.Cost, c.Cached, c.Resumes, opts.Offline, c.Write)
		}
		counted.Generate += c.Cost
		if c.Cached && len(c.Write) > 0 {
			counted.FromCache++
		}
	}
	counted.Unchanged = p.Summary.Unchanged
	if diff := cmp.Diff(counted, p.Summary); diff != "" {
		t.Errorf("the summary does not count the changes (-counted +summary):\n%s", diff)
	}
	if p.HasChanges() != (len(p.Changes) > 0) {
		t.Errorf("HasChanges is %v with %d changes", p.HasChanges(), len(p.Changes))
	}
}

// TestMakeCoversEveryActionAndReason keeps the table honest: every
// action and every reason kind appears in some case.
func TestMakeCoversEveryActionAndReason(t *testing.T) {
	actions := map[Action]bool{}
	kinds := map[ReasonKind]bool{}
	for _, tc := range planCases() {
		for _, c := range tc.want {
			actions[c.Action] = true
			for _, r := range c.Reasons {
				kinds[r.Kind] = true
			}
		}
	}
	for _, a := range []Action{Create, Replace, Move, Restore, Delete} {
		if !actions[a] {
			t.Errorf("no case plans a %s", a)
		}
	}
	for _, k := range []ReasonKind{ReasonNew, ReasonParams, ReasonOffline, ReasonForced, ReasonMoved, ReasonMissing,
		ReasonEdited, ReasonRemoved, ReasonOverwrite, ReasonKept, ReasonSameRequest} {
		if !kinds[k] {
			t.Errorf("no case has the reason %s", k)
		}
	}
}

// TestReplaceDiffEachParameter: changing any one parameter replaces the
// image, and the diff names that parameter alone, old → new.
func TestReplaceDiffEachParameter(t *testing.T) {
	tests := map[string]struct {
		value    model.Value
		old, new string
	}{
		"prompt":              {value: model.String(`a "new" castle`), old: `"castle on a cliff"`, new: `"a \"new\" castle"`},
		"negative_prompt":     {value: model.String("blurry"), old: `""`, new: `"blurry"`},
		"samples":             {value: model.Int(2), old: "1", new: "2"},
		"scheduler":           {value: model.String("Euler a"), old: `"DPM++ SDE"`, new: `"Euler a"`},
		"num_inference_steps": {value: model.Int(20), old: "7", new: "20"},
		"guidance_scale":      {value: model.Number(7.5), old: "1.4", new: "7.5"},
		"seed":                {value: model.Int(42), old: "", new: "42"},
		"img_width":           {value: model.Int(768), old: "1024", new: "768"},
		"img_height":          {value: model.Int(768), old: "1024", new: "768"},
	}
	if n := len(model.NewRealityLightning.ImageParams()); len(tests) != n {
		t.Fatalf("%d cases for %d parameters", len(tests), n)
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			st := newState()
			e := apply(t, dir, st, hero(t), state.GeneratorAPI)
			img := with(hero(t), func(i *spec.Image) {
				i.Request = i.Request.With(name, tc.value)
				if name == "seed" {
					i.SeedOrigin = spec.SeedExplicit
				}
				for len(i.Outputs) < i.Request.Samples() {
					i.Outputs = append(i.Outputs, "assets/hero-2.png")
				}
			})
			old := tc.old
			if name == "seed" {
				old = paramValueOf(e.Request, "seed")
			}
			p, err := Make(t.Context(), []*spec.Image{img}, st, Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Changes) != 1 {
				t.Fatalf("want one change, got %d", len(p.Changes))
			}
			c := p.Changes[0]
			if c.Action != Replace {
				t.Errorf("action %s, want replace", c.Action)
			}
			if diff := cmp.Diff([]ParamDiff{{Name: name, Old: old, New: tc.new}}, c.Diff); diff != "" {
				t.Errorf("diff (-want +got):\n%s", diff)
			}
			if want := "changed: " + name; len(c.Reasons) == 0 || c.Reasons[0].Message != want {
				t.Errorf("reasons %+v, want the first to say %q", c.Reasons, want)
			}
		})
	}
}

func paramValueOf(r model.Request, name string) string {
	for _, p := range r.Params() {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

func TestReasonMessages(t *testing.T) {
	dir := t.TempDir()
	st := newState()
	apply(t, dir, st, hero(t), state.GeneratorAPI)
	apply(t, dir, st, gone(t), state.GeneratorAPI)
	writeFile(t, dir, "art/hero.png", []byte("someone's"))
	images := []*spec.Image{
		moved(hero(t), "art/hero.png"),
		with(iconA(t), func(i *spec.Image) { i.Request = i.Request.WithPrompt("x") }),
	}
	writeFile(t, dir, "icons/a.png", []byte("someone's icon"))
	p, err := Make(t.Context(), images, st, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		for _, r := range c.Reasons {
			got = append(got, c.Address+": "+r.Message)
		}
	}
	want := []string{
		"image.gone: no longer in the configuration",
		"image.hero: output moved: assets/hero.png → art/hero.png",
		"image.hero: art/hero.png exists but is not in the state; it is kept in .imgform/kept/ and overwritten (imgform import adopts a file instead)",
		`image.icon["a"]: not in the state`,
		`image.icon["a"]: icons/a.png exists but is not in the state; it is kept in .imgform/kept/ and overwritten (imgform import adopts a file instead)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

func TestMakeReplaceUnknownAddress(t *testing.T) {
	dir := t.TempDir()
	st := newState()
	apply(t, dir, st, gone(t), state.GeneratorAPI) // in the state only: not replaceable
	for _, addr := range []string{"image.nothing", `image.hero["x"]`, "image.gone"} {
		t.Run(addr, func(t *testing.T) {
			_, err := Make(t.Context(), []*spec.Image{hero(t)}, st, Options{Dir: dir, Replace: []spec.Address{mustAddr(t, addr)}})
			if err == nil || !strings.Contains(err.Error(), "--replace "+addr) {
				t.Errorf("Make with --replace %s: %v; want an error naming it", addr, err)
			}
		})
	}
}

func TestMakeStateEditedSampleCount(t *testing.T) {
	dir := t.TempDir()
	st := newState()
	e := apply(t, dir, st, twoShots(t), state.GeneratorAPI)
	e.Outputs = e.Outputs[:1] // the request still says two samples
	_, err := Make(t.Context(), []*spec.Image{twoShots(t)}, st, Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "edited by hand") {
		t.Errorf("Make: %v; want an error about the state", err)
	}
}

// seedBytes is the reader that makes randomSeed draw want.
func seedBytes(want int64) *bytes.Reader {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(want))
	return bytes.NewReader(b[:])
}

func TestSeeds(t *testing.T) {
	randomImg := func(t testing.TB) *spec.Image {
		return with(newImage(t, "image.lucky", "a lucky shot", "lucky.png"), func(i *spec.Image) {
			i.Request = i.Request.WithSeed(-1)
			i.SeedOrigin = spec.SeedRandom
		})
	}

	t.Run("a derived seed sticks after state mv", func(t *testing.T) {
		dir := t.TempDir()
		st := newState()
		// Made as image.old, then renamed in the configuration and moved
		// in the state (state mv image.old image.new).
		oldImg := newImage(t, "image.old", "castle", "castle.png")
		e := apply(t, dir, st, oldImg, state.GeneratorAPI)
		delete(st.Images, "image.old")
		st.Images["image.new"] = e
		newImg := newImage(t, "image.new", "castle", "castle.png")
		if newImg.Request.Seed() == e.Request.Seed() {
			t.Fatal("the two addresses derive the same seed; the test proves nothing")
		}
		p, err := Make(t.Context(), []*spec.Image{newImg}, st, Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if p.HasChanges() || p.Summary.Unchanged != 1 {
			t.Errorf("want no change, got %+v", p.Summary)
		}

		// The recorded seed is used when the image changes, too.
		changed := with(newImg, func(i *spec.Image) { i.Request = i.Request.WithPrompt("castle at dawn") })
		p, err = Make(t.Context(), []*spec.Image{changed}, st, Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != 1 || p.Changes[0].Request.Seed() != e.Request.Seed() {
			t.Fatalf("want one replace with the recorded seed %d, got %+v", e.Request.Seed(), p.Changes)
		}
		if diff := cmp.Diff([]ParamDiff{{Name: "prompt", Old: `"castle"`, New: `"castle at dawn"`}}, p.Changes[0].Diff); diff != "" {
			t.Errorf("diff (-want +got):\n%s", diff)
		}
	})

	t.Run("an explicit seed becoming unset is derived anew", func(t *testing.T) {
		dir := t.TempDir()
		st := newState()
		explicit := with(hero(t), func(i *spec.Image) { i.Request = i.Request.WithSeed(42); i.SeedOrigin = spec.SeedExplicit })
		apply(t, dir, st, explicit, state.GeneratorAPI)
		p, err := Make(t.Context(), []*spec.Image{hero(t)}, st, Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		want := []ParamDiff{{Name: "seed", Old: "42", New: paramValueOf(hero(t).Request, "seed")}}
		if len(p.Changes) != 1 || p.Changes[0].SeedOrigin != "derived" {
			t.Fatalf("want one change with a derived seed, got %+v", p.Changes)
		}
		if diff := cmp.Diff(want, p.Changes[0].Diff); diff != "" {
			t.Errorf("diff (-want +got):\n%s", diff)
		}
	})

	t.Run("a random seed is drawn from Options.Rand", func(t *testing.T) {
		const drawn = 123456789012345
		p, err := Make(t.Context(), []*spec.Image{randomImg(t)}, newState(), Options{Dir: t.TempDir(), Rand: seedBytes(drawn)})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != 1 || p.Changes[0].Request.Seed() != drawn || p.Changes[0].SeedOrigin != "random" {
			t.Fatalf("want a create with seed %d, got %+v", drawn, p.Changes[0].Request)
		}
		if p.Changes[0].InputHash != p.Changes[0].Request.InputHash() {
			t.Errorf("the input hash is not that of the drawn seed")
		}
	})

	t.Run("a random seed is kept from the state, drawn anew with replace", func(t *testing.T) {
		dir := t.TempDir()
		st := newState()
		const first, second = 111, 222
		p, err := Make(t.Context(), []*spec.Image{randomImg(t)}, st, Options{Dir: dir, Rand: seedBytes(first)})
		if err != nil {
			t.Fatal(err)
		}
		applyPlan(t, dir, st, p)
		if got := st.Images["image.lucky"].Request.Seed(); got != first {
			t.Fatalf("recorded seed %d, want %d", got, first)
		}

		p, err = Make(t.Context(), []*spec.Image{randomImg(t)}, st, Options{Dir: dir, Rand: seedBytes(second)})
		if err != nil {
			t.Fatal(err)
		}
		if p.HasChanges() {
			t.Errorf("a random seed was not kept: %+v", p.Changes[0])
		}

		p, err = Make(t.Context(), []*spec.Image{randomImg(t)}, st, Options{Dir: dir, Rand: seedBytes(second),
			Replace: []spec.Address{mustAddr(t, "image.lucky")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != 1 || p.Changes[0].Request.Seed() != second {
			t.Fatalf("want a replace with seed %d, got %+v", second, p.Changes)
		}
		if diff := cmp.Diff([]ParamDiff{{Name: "seed", Old: "111", New: "222"}}, p.Changes[0].Diff); diff != "" {
			t.Errorf("diff (-want +got):\n%s", diff)
		}
	})

	t.Run("a random seed is drawn in range", func(t *testing.T) {
		all := bytes.NewReader(bytes.Repeat([]byte{0xff}, 8))
		req, origin, err := ResolveRequest(randomImg(t), nil, false, all)
		if err != nil || origin != spec.SeedRandom {
			t.Fatal(err, origin)
		}
		if req.Seed() < 0 || req.Seed() > model.NewRealityLightning.MaxSeed() {
			t.Errorf("seed %d out of the model's range", req.Seed())
		}
	})

	t.Run("no randomness: an error", func(t *testing.T) {
		_, err := Make(t.Context(), []*spec.Image{randomImg(t)}, newState(), Options{Dir: t.TempDir(), Rand: bytes.NewReader(nil)})
		if err == nil || !strings.Contains(err.Error(), "random seed") {
			t.Errorf("Make: %v; want an error drawing the seed", err)
		}
	})
}

// TestMakeTouchesNothing: planning reads the files; it writes, moves and
// removes none of them.
func TestMakeTouchesNothing(t *testing.T) {
	dir := t.TempDir()
	st := newState()
	apply(t, dir, st, hero(t), state.GeneratorAPI)
	apply(t, dir, st, gone(t), state.GeneratorAPI)
	apply(t, dir, st, iconA(t), state.GeneratorAPI)
	remove(t, dir, "icons/a.png")
	before := listTree(t, dir)
	images := []*spec.Image{moved(hero(t), "art/hero.png"), iconA(t), iconB(t)}
	if _, err := Make(t.Context(), images, st, Options{Dir: dir, Verify: true}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, listTree(t, dir)); diff != "" {
		t.Errorf("files after Make (-before +after):\n%s", diff)
	}
}

// listTree lists the files under dir with their sizes and mtimes.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, fmt.Sprintf("%s %d %s", rel, fi.Size(), fi.ModTime()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}
