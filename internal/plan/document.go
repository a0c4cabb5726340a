package plan

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/variant"
)

// Document is the plan's public JSON form, as docs/plan-json.md describes it: what
// plan --json prints and what a saved plan holds under "plan". Its types
// are its own, so that the plan's internal structs can change without
// changing a format scripts read; the request and the prior entry are in
// the state's public format (docs/state-format.md).
type Document struct {
	FormatVersion string             `json:"format_version"`
	Lineage       string             `json:"lineage"`
	Serial        uint64             `json:"serial"`
	Offline       bool               `json:"offline"`
	Changes       []DocumentChange   `json:"changes"`
	Refresh       []DocumentRefresh  `json:"refresh,omitempty"`
	LeftAlone     []DocumentAlone    `json:"left_alone,omitempty"`
	Unpicked      []DocumentUnpicked `json:"unpicked,omitempty"`
	// Unchecked are the addresses of changes whose revisions this
	// shallow clone lacks (see Plan.Unchecked).
	Unchecked []string            `json:"unchecked,omitempty"`
	Committed []DocumentCommitted `json:"committed,omitempty"`
	// PendingUploads counts the images kept here that the team cache may
	// not hold yet (see Plan.PendingUploads).
	PendingUploads int             `json:"pending_uploads,omitempty"`
	Summary        DocumentSummary `json:"summary"`
}

// DocumentCommitted is an image made from changes not committed then,
// which takes the revision of the commit that holds them now.
type DocumentCommitted struct {
	Address  string `json:"address"`
	Revision string `json:"revision"`
}

// DocumentUnpicked is an image with candidates, none picked.
type DocumentUnpicked struct {
	Address    string `json:"address"`
	Candidates int    `json:"candidates"`
	Message    string `json:"message"`
}

// DocumentCandidate is one candidate of a change's image.
type DocumentCandidate struct {
	Candidate int        `json:"candidate"`
	Seed      int64      `json:"seed"`
	InputHash model.Hash `json:"input_hash"`
	Cost      int        `json:"cost"`
	Cached    bool       `json:"cached"`
}

// DocumentAlone is an image left alone because a newer configuration
// changed it.
type DocumentAlone struct {
	Address  string `json:"address"`
	Action   string `json:"action"`
	Revision string `json:"revision"`
	// Uncommitted is set when the image was made from changes not
	// committed on top of Revision (see docs/state-format.md).
	Uncommitted *state.Uncommitted `json:"uncommitted,omitempty"`
	Message     string             `json:"message"`
}

// DocumentChange is one change (see the change table of docs/plan-json.md).
type DocumentChange struct {
	Address           string                `json:"address"`
	Action            string                `json:"action"`
	Reasons           []DocumentReason      `json:"reasons"`
	Diff              []DocumentDiff        `json:"diff,omitempty"`
	Request           *DocumentRequest      `json:"request,omitempty"`
	InputHash         *model.Hash           `json:"input_hash"` // null when unknown (see AfterUnknown)
	SeedOrigin        string                `json:"seed_origin,omitempty"`
	Generator         string                `json:"generator,omitempty"`
	Outputs           []string              `json:"outputs"`
	Write             []int                 `json:"write,omitempty"`
	Variants          []DocumentVariant     `json:"variants,omitempty"`
	VariantDiffs      []DocumentVariantDiff `json:"variant_diffs,omitempty"`
	Derive            []int                 `json:"derive,omitempty"`
	FromOutput        bool                  `json:"from_output,omitempty"`
	Candidates        []DocumentCandidate   `json:"candidates,omitempty"`
	Candidate         int                   `json:"candidate,omitempty"`
	Picked            int                   `json:"picked,omitempty"`
	Moves             []DocumentMove        `json:"moves,omitempty"`
	Remove            []string              `json:"remove,omitempty"`
	Cost              int                   `json:"cost"`
	Cached            bool                  `json:"cached"`
	Resumes           bool                  `json:"resumes,omitempty"`
	Forced            bool                  `json:"forced,omitempty"`
	SeedChosenAtApply bool                  `json:"seed_chosen_at_apply,omitempty"`
	SameRequestAs     string                `json:"same_request_as,omitempty"`
	MovedFrom         string                `json:"moved_from,omitempty"`
	OtherVersions     []DocumentOther       `json:"other_versions,omitempty"`
	Prior             *state.Entry          `json:"prior,omitempty"`
	Revision          string                `json:"revision,omitempty"`
	Uncommitted       *state.Uncommitted    `json:"uncommitted,omitempty"`
	FromTeamCache     bool                  `json:"from_team_cache,omitempty"`
	// AfterUnknown says which values of the change are not known until
	// apply (as Terraform's after_unknown): they are null in the
	// document. Absent when every value is known.
	AfterUnknown *DocumentUnknown `json:"after_unknown,omitempty"`
}

// DocumentOther is a file at an output path that holds another image
// imgform made, with the SHA-256 it had when the plan looked.
type DocumentOther struct {
	Path   string     `json:"path"`
	SHA256 model.Hash `json:"sha256"`
}

// DocumentUnknown marks the values of a change that apply chooses: with
// seed = -1 and no seed recorded, the request's seed and so its input
// hash.
type DocumentUnknown struct {
	InputHash bool            `json:"input_hash,omitempty"`
	Request   map[string]bool `json:"request,omitempty"`
}

// DocumentRequest is the request of a change as the state records it
// (docs/state-format.md), with its seed null when apply chooses it.
type DocumentRequest struct {
	model.Request
	SeedUnknown bool
}

// MarshalJSON writes the request, its seed null when it is unknown.
func (r DocumentRequest) MarshalJSON() ([]byte, error) {
	data, err := r.Request.MarshalJSON()
	if err != nil || !r.SeedUnknown {
		return data, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	fields[seedName(r.Request)] = json.RawMessage("null")
	return json.Marshal(fields) // the keys stay sorted, as the request writes them
}

// UnmarshalJSON reads a request; a null seed marks it unknown.
func (r *DocumentRequest) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	r.SeedUnknown = string(fields["seed"]) == "null"
	if r.SeedUnknown {
		fields["seed"] = json.RawMessage("0")
		var err error
		if data, err = json.Marshal(fields); err != nil {
			return err
		}
	}
	return r.Request.UnmarshalJSON(data)
}

// seedName is the name of the request's seed parameter.
func seedName(r model.Request) string {
	if p := r.Schema().ByRole(model.RoleSeed); p != nil {
		return p.Name
	}
	return "seed"
}

// DocumentReason is why a change is planned.
type DocumentReason struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
}

// DocumentDiff is one parameter that changed, old and new as JSON
// values; New is null, and NewUnknown true, when apply chooses it (a
// random seed).
type DocumentDiff struct {
	Name       string          `json:"name"`
	Old        json.RawMessage `json:"old"`
	New        json.RawMessage `json:"new"`
	NewUnknown bool            `json:"new_unknown,omitempty"`
}

// DocumentVariant is one variant file of the image as the change leaves
// it, with the attributes it is derived with, as written (one absent
// takes its default), and their hash.
type DocumentVariant struct {
	Name       string     `json:"name"`
	Sample     int        `json:"sample"`
	Path       string     `json:"path"`
	Format     string     `json:"format"`
	Width      int        `json:"width,omitempty"`  // 0: follows the aspect ratio
	Height     int        `json:"height,omitempty"` // 0: follows the aspect ratio
	Fit        string     `json:"fit,omitempty"`
	Anchor     string     `json:"anchor,omitempty"`
	Background string     `json:"background,omitempty"`
	Upscale    bool       `json:"upscale,omitempty"`
	Quality    int        `json:"quality,omitempty"`
	Lossless   bool       `json:"lossless,omitempty"`
	AttrHash   model.Hash `json:"attr_hash"`
}

// DocumentVariantDiff lists the attributes of a variant that changed,
// old and new as text ("" for an attribute that does not apply).
type DocumentVariantDiff struct {
	Name string                `json:"name"`
	Diff []DocumentVariantAttr `json:"diff"`
}

// DocumentVariantAttr is one attribute of a variant that changed.
type DocumentVariantAttr struct {
	Name string `json:"name"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// DocumentMove is one rename of an output.
type DocumentMove struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// DocumentRefresh is an output whose modification time moved.
type DocumentRefresh struct {
	Address string `json:"address"`
	Index   int    `json:"index"`
	Path    string `json:"path"`
}

// DocumentSummary counts the changes.
type DocumentSummary struct {
	Create    int `json:"create"`
	Replace   int `json:"replace"`
	Move      int `json:"move"`
	Restore   int `json:"restore"`
	Delete    int `json:"delete"`
	Derive    int `json:"derive"`
	Unchanged int `json:"unchanged"`
	Generate  int `json:"generate"`
	FromCache int `json:"from_cache"`
	// PreviewGenerate is what preview pays for: every candidate of the
	// images with candidates none of which is picked.
	PreviewGenerate int `json:"preview_generate"`
}

func (p *Plan) documentSummary() DocumentSummary {
	s := p.Summary
	return DocumentSummary{Create: s.Create, Replace: s.Replace, Move: s.Move, Restore: s.Restore, Delete: s.Delete, Derive: s.Derive,
		Unchanged: s.Unchanged, Generate: s.Generate, FromCache: s.FromCache, PreviewGenerate: p.PreviewGenerate()}
}

// Document returns the plan's public form.
func (p *Plan) Document() *Document {
	d := p.DocumentHead()
	d.Changes = make([]DocumentChange, 0, len(p.Changes))
	for _, c := range p.Changes {
		d.Changes = append(d.Changes, c.Document())
	}
	return d
}

// DocumentHead is the plan's public form without its changes (Changes
// is empty): what a writer that streams the changes one by one, each
// from Change.Document, puts around them.
func (p *Plan) DocumentHead() *Document {
	d := &Document{FormatVersion: p.FormatVersion, Lineage: p.Lineage, Serial: p.Serial, Offline: p.Offline,
		Changes: []DocumentChange{}, Summary: p.documentSummary()}
	for _, r := range p.Refresh {
		d.Refresh = append(d.Refresh, DocumentRefresh(r))
	}
	for _, l := range p.LeftAlone {
		d.LeftAlone = append(d.LeftAlone, DocumentAlone{Address: l.Address, Action: string(l.Action), Revision: l.Revision, Uncommitted: l.Uncommitted, Message: l.Message()})
	}
	d.Unchecked, d.PendingUploads = p.Unchecked, p.PendingUploads
	for _, c := range p.Committed {
		d.Committed = append(d.Committed, DocumentCommitted(c))
	}
	for _, u := range p.Unpicked {
		d.Unpicked = append(d.Unpicked, DocumentUnpicked{Address: u.Address, Candidates: u.Candidates, Message: u.Message()})
	}
	return d
}

// Document returns the change's public form (an element of the
// document's changes).
func (c *Change) Document() DocumentChange {
	dc := DocumentChange{Address: c.Address, Action: string(c.Action), InputHash: &c.InputHash,
		SeedOrigin: c.SeedOrigin, Generator: string(c.Generator), Outputs: c.Outputs, Write: c.Write, Remove: c.Remove,
		Cost: c.Cost, Cached: c.Cached, Resumes: c.Resumes, Forced: c.Forced, SeedChosenAtApply: c.SeedChosenAtApply,
		SameRequestAs: c.SameRequestAs, MovedFrom: c.MovedFrom, Prior: c.Prior, Revision: c.Revision, Uncommitted: c.Uncommitted, FromTeamCache: c.FromTeamCache}
	unknownSeed := c.SeedChosenAtApply && c.Request != nil
	if c.Request != nil {
		dc.Request = &DocumentRequest{Request: *c.Request, SeedUnknown: unknownSeed}
	}
	if unknownSeed {
		dc.InputHash = nil
		dc.AfterUnknown = &DocumentUnknown{InputHash: true, Request: map[string]bool{seedName(*c.Request): true}}
	}
	for _, r := range c.Reasons {
		dc.Reasons = append(dc.Reasons, DocumentReason{Kind: string(r.Kind), Message: r.Message, Path: r.Path})
	}
	for _, o := range c.OtherVersions {
		dc.OtherVersions = append(dc.OtherVersions, DocumentOther(o))
	}
	for _, df := range c.Diff {
		dd := DocumentDiff{Name: df.Name, Old: jsonValue(df.Old), New: jsonValue(df.New)}
		if unknownSeed && df.Name == seedName(*c.Request) {
			dd.New, dd.NewUnknown = json.RawMessage("null"), true
		}
		dc.Diff = append(dc.Diff, dd)
	}
	for _, m := range c.Moves {
		dc.Moves = append(dc.Moves, DocumentMove(m))
	}
	dc.Derive, dc.FromOutput = c.Derive, c.FromOutput
	dc.Candidate, dc.Picked = c.Candidate, c.Picked
	for _, cand := range c.Candidates {
		dc.Candidates = append(dc.Candidates, DocumentCandidate{Candidate: cand.K, Seed: cand.Request.Seed(), InputHash: cand.InputHash, Cost: cand.Cost, Cached: cand.Cached})
	}
	for _, v := range c.Variants {
		dc.Variants = append(dc.Variants, documentVariant(v))
	}
	for _, vd := range c.VariantDiffs {
		dvd := DocumentVariantDiff{Name: vd.Name}
		for _, a := range vd.Diff {
			dvd.Diff = append(dvd.Diff, DocumentVariantAttr(a))
		}
		dc.VariantDiffs = append(dc.VariantDiffs, dvd)
	}
	return dc
}

// Plan reads a document back into a plan. Actions and generators it does
// not know are refused: a plan file is input, and apply acts on it.
func (d *Document) Plan() (*Plan, error) {
	p := &Plan{FormatVersion: d.FormatVersion, Lineage: d.Lineage, Serial: d.Serial, Offline: d.Offline, Summary: Summary{Create: d.Summary.Create, Replace: d.Summary.Replace, Move: d.Summary.Move, Restore: d.Summary.Restore,
		Delete: d.Summary.Delete, Derive: d.Summary.Derive, Unchanged: d.Summary.Unchanged, Generate: d.Summary.Generate, FromCache: d.Summary.FromCache}}
	for _, dc := range d.Changes {
		switch Action(dc.Action) {
		case Create, Replace, Move, Restore, Delete, Derive:
		default:
			return nil, fmt.Errorf("the change of %s has the action %q, which this imgform does not know", dc.Address, dc.Action)
		}
		switch state.Generator(dc.Generator) {
		case "", state.GeneratorAPI, state.GeneratorOffline, state.GeneratorImported:
		default:
			return nil, fmt.Errorf("the change of %s has the generator %q, which this imgform does not know", dc.Address, dc.Generator)
		}
		if dc.AfterUnknown != nil || dc.InputHash == nil || (dc.Request != nil && dc.Request.SeedUnknown) {
			return nil, fmt.Errorf("the change of %s has a seed apply has not chosen yet (seed = -1, as plan --json prints it): only a plan saved with plan --out, which fixes the seed, can be applied", dc.Address)
		}
		c := &Change{Address: dc.Address, Action: Action(dc.Action), InputHash: *dc.InputHash,
			SeedOrigin: dc.SeedOrigin, Generator: state.Generator(dc.Generator), Outputs: dc.Outputs, Write: dc.Write, Remove: dc.Remove,
			Cost: dc.Cost, Cached: dc.Cached, Resumes: dc.Resumes, Forced: dc.Forced, SeedChosenAtApply: dc.SeedChosenAtApply,
			SameRequestAs: dc.SameRequestAs, MovedFrom: dc.MovedFrom, Prior: dc.Prior, Revision: dc.Revision, Uncommitted: dc.Uncommitted, FromTeamCache: dc.FromTeamCache}
		if dc.Request != nil {
			c.Request = &dc.Request.Request
		}
		for _, r := range dc.Reasons {
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonKind(r.Kind), Message: r.Message, Path: r.Path})
		}
		for _, o := range dc.OtherVersions {
			c.OtherVersions = append(c.OtherVersions, OtherVersion(o))
		}
		for _, df := range dc.Diff {
			c.Diff = append(c.Diff, ParamDiff{Name: df.Name, Old: compactJSON(df.Old), New: compactJSON(df.New)})
		}
		for _, m := range dc.Moves {
			c.Moves = append(c.Moves, Rename(m))
		}
		c.Derive, c.FromOutput = dc.Derive, dc.FromOutput
		c.Candidate, c.Picked = dc.Candidate, dc.Picked
		for _, dcand := range dc.Candidates {
			if c.Request == nil {
				return nil, fmt.Errorf("the change of %s has candidates and no request", dc.Address)
			}
			req := c.Request.WithSeed(dcand.Seed)
			if req.InputHash() != dcand.InputHash {
				return nil, fmt.Errorf("candidate %d of %s does not have the input hash recorded with it (edited by hand?)", dcand.Candidate, dc.Address)
			}
			c.Candidates = append(c.Candidates, Candidate{K: dcand.Candidate, Request: req, InputHash: dcand.InputHash, Cost: dcand.Cost, Cached: dcand.Cached})
		}
		if len(dc.Variants) > 0 && c.Request == nil {
			return nil, fmt.Errorf("the change of %s has variants and no request", dc.Address)
		}
		for _, dv := range dc.Variants {
			v, err := dv.variant(variant.Size{Width: c.Request.Width(), Height: c.Request.Height()})
			if err != nil {
				return nil, fmt.Errorf("the change of %s: %w", dc.Address, err)
			}
			c.Variants = append(c.Variants, v)
		}
		for _, i := range c.Derive {
			if i < 0 || i >= len(c.Variants) {
				return nil, fmt.Errorf("the change of %s derives variant %d of %d", dc.Address, i, len(c.Variants))
			}
		}
		for _, dvd := range dc.VariantDiffs {
			vd := VariantDiff{Name: dvd.Name}
			for _, a := range dvd.Diff {
				vd.Diff = append(vd.Diff, ParamDiff(a))
			}
			c.VariantDiffs = append(c.VariantDiffs, vd)
		}
		p.Changes = append(p.Changes, c)
	}
	for _, r := range d.Refresh {
		p.Refresh = append(p.Refresh, Refresh(r))
	}
	for _, l := range d.LeftAlone {
		p.LeftAlone = append(p.LeftAlone, LeftAlone{Address: l.Address, Action: Action(l.Action), Revision: l.Revision, Uncommitted: l.Uncommitted})
	}
	p.Unchecked = d.Unchecked
	for _, c := range d.Committed {
		if _, err := spec.ParseAddress(c.Address); err != nil {
			return nil, fmt.Errorf("the plan records a commit for %q, which is not an image address", c.Address)
		}
		if !commitHash(c.Revision) {
			return nil, fmt.Errorf("the plan records %q as the commit of %s, which is not a commit hash", c.Revision, c.Address)
		}
		p.Committed = append(p.Committed, Committed(c))
	}
	for _, u := range d.Unpicked {
		p.Unpicked = append(p.Unpicked, Unpicked{Address: u.Address, Candidates: u.Candidates})
	}
	return p, nil
}

// commitHash reports a full git commit hash (SHA-1 or SHA-256), in hex.
func commitHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// jsonValue is a canonical JSON value (a ParamDiff's) as a JSON value of
// the document; one that is not valid JSON is written as a string.
func jsonValue(s string) json.RawMessage {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	data, _ := json.Marshal(s)
	return data
}

// compactJSON is a JSON value of the document as a ParamDiff holds it.
func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// documentVariant is a variant in the document's form.
func documentVariant(v Variant) DocumentVariant {
	s := v.Spec
	return DocumentVariant{Name: v.Name, Sample: v.Sample, Path: v.Path, Format: s.Format.String(),
		Width: s.Width, Height: s.Height, Fit: string(s.Fit), Anchor: string(s.Anchor), Background: s.Background,
		Upscale: s.Upscale, Quality: s.Quality, Lossless: s.Lossless, AttrHash: v.AttrHash}
}

// variant reads a variant back, refusing one whose attributes are not
// valid for the model's image, or do not have the hash recorded beside
// them: a plan file is input.
func (dv DocumentVariant) variant(src variant.Size) (Variant, error) {
	f, err := variant.FormatOfPath("variant." + dv.Format)
	if err != nil {
		return Variant{}, fmt.Errorf("variant %q has the format %q, which this imgform does not write", dv.Name, dv.Format)
	}
	s := variant.Spec{Width: dv.Width, Height: dv.Height, Fit: variant.Fit(dv.Fit), Anchor: variant.Anchor(dv.Anchor),
		Background: dv.Background, Upscale: dv.Upscale, Format: f, Quality: dv.Quality, Lossless: dv.Lossless}
	if err := s.Validate(src); err != nil {
		return Variant{}, fmt.Errorf("variant %q: %w", dv.Name, err)
	}
	if got := model.Hash(s.Hash()); got != dv.AttrHash {
		return Variant{}, fmt.Errorf("variant %q: its attributes do not have the hash recorded with them (edited by hand?)", dv.Name)
	}
	if dv.Sample < 0 {
		return Variant{}, fmt.Errorf("variant %q is of sample %d", dv.Name, dv.Sample)
	}
	return Variant{Name: dv.Name, Sample: dv.Sample, Path: dv.Path, Spec: s, AttrHash: dv.AttrHash}, nil
}
