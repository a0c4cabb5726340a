package plan

import (
	"maps"
	"slices"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/state"
)

// FormatVersion is the version of the plan's JSON shape (plan --json and
// saved plan files). It changes only when a field is removed or changes
// meaning; new fields may appear without a change.
// Version 2.0: a diff's old and new are JSON values (they were strings
// holding JSON), and a seed apply chooses (seed = -1) is null, with the
// input hash, marked in after_unknown.
const FormatVersion = "2.0"

// Action is what a change does to an image.
type Action string

const (
	NoOp    Action = "no-op"
	Create  Action = "create"  // in the configuration, not in the state
	Replace Action = "replace" // the request changed: generate anew
	Move    Action = "move"    // same request, other output path: rename
	Restore Action = "restore" // same request, output missing or edited: from the cache, or generate
	Delete  Action = "delete"  // in the state, not in the configuration: remove its outputs
	Derive  Action = "derive"  // same image: variants added, changed, moved, missing or edited, derived from it for free
)

// ReasonKind says why a change is planned. A change may have several.
type ReasonKind string

const (
	ReasonNew            ReasonKind = "new"                   // not in the state
	ReasonParams         ReasonKind = "parameters_changed"    // the request differs from the state's
	ReasonOffline        ReasonKind = "made_offline"          // a placeholder, now planned through the API
	ReasonForced         ReasonKind = "replace_requested"     // --replace
	ReasonMoved          ReasonKind = "output_moved"          // same image, other path
	ReasonMissing        ReasonKind = "output_missing"        // the file is gone
	ReasonEdited         ReasonKind = "output_edited"         // the file's content is not what imgform wrote
	ReasonRemoved        ReasonKind = "removed_from_config"   // no longer declared
	ReasonOverwrite      ReasonKind = "overwrites_file"       // a file not in the state is at an output path
	ReasonKept           ReasonKind = "edited_file_kept"      // an edited file is left where it is, not removed
	ReasonSameRequest    ReasonKind = "same_request"          // another image makes the same request: paid once
	ReasonReplaceDue     ReasonKind = "replacement_paid"      // an interrupted --replace paid for a new image: it is written now
	ReasonEmulator       ReasonKind = "made_by_emulator"      // a placeholder an emulator served, now planned through another endpoint
	ReasonCacheUnusable  ReasonKind = "cache_unusable"        // the cache holds a copy that cannot be used (damaged, or not the recorded image)
	ReasonAddressMoved   ReasonKind = "address_moved"         // a moved block gave the recorded image this address
	ReasonMoveHint       ReasonKind = "moved_block_hint"      // a delete and a create share an output path: a moved block would keep the image
	ReasonOtherVersion   ReasonKind = "other_version_on_disk" // the file holds another image imgform made: written over without a copy kept
	ReasonVariantAdded   ReasonKind = "variant_added"         // a variant the state does not record
	ReasonVariantChanged ReasonKind = "variant_changed"       // a variant's attributes changed
	ReasonVariantRemoved ReasonKind = "variant_removed"       // a variant no longer declared: its files are removed
	ReasonPicked         ReasonKind = "candidate_picked"      // a candidate was picked: its seed is the image's
	ReasonSourceGone     ReasonKind = "image_not_cached"      // variants need the image, which is neither in the cache nor on disk
)

// Reason explains a change; Message is a sentence for people.
type Reason struct {
	Kind    ReasonKind
	Message string
	Path    string
}

// ParamDiff is one parameter whose value changed, in canonical JSON.
type ParamDiff struct {
	Name string
	Old  string
	New  string
}

// Rename moves one output file.
type Rename struct {
	From string
	To   string
}

// Change is what the plan does to one image address.
type Change struct {
	Address string
	Action  Action
	Reasons []Reason
	// Diff lists the parameters that changed (replace).
	Diff []ParamDiff

	// The image as it will be recorded; absent for delete.
	Request    *model.Request
	InputHash  state.Hash
	SeedOrigin string
	Generator  state.Generator
	Outputs    []string

	// Candidates are the image's candidates, while none is picked
	// (candidate 1 is the change's own request): what preview generates.
	// Candidate is set on a change preview makes of one of them (see
	// WithCandidates): its number. Picked is the number of the candidate
	// whose seed the image has, 0 when none was picked (or the seed was
	// picked by hand).
	Candidates []Candidate
	Candidate  int
	Picked     int
	// Variants are the image's variant files as the change leaves them;
	// none for delete.
	Variants []Variant
	// VariantDiffs lists, per variant whose attributes changed, what
	// changed.
	VariantDiffs []VariantDiff

	// What apply does to the files.
	Write  []int    // indexes of Outputs to write (create, replace, restore)
	Derive []int    // indexes of Variants to derive from the image (free)
	Moves  []Rename // renames (move, and restore where a file moved), of outputs and variants
	Remove []string // files imgform wrote that are no longer wanted
	// FromOutput is set when the variants are derived from the image's
	// output on disk, the cache not holding the image: apply checks that
	// the file still holds the image the state records.
	FromOutput bool

	// Cost is the number of images the API will be paid for: zero when
	// the cache holds the image, when apply runs offline, and for moves
	// and deletes.
	Cost int
	// Cached is true when the content cache holds the image.
	Cached bool
	// Resumes is true when apply will follow a job that an interrupted
	// run submitted (and paid for) instead of submitting a new one.
	Resumes bool
	// Forced is true for a replacement asked for with --replace: the image
	// is generated anew, never taken from the cache.
	Forced bool
	// SeedChosenAtApply is true when the request's seed is random (seed =
	// -1) and not yet recorded: the seed shown is a stand-in, and apply
	// draws the one it sends (and records). A saved plan pins it: apply
	// FILE sends exactly the seed in the file.
	SeedChosenAtApply bool
	// SameRequestAs names the change whose request this one shares: the
	// API is asked once, and both are written from that answer.
	SameRequestAs string
	// MovedFrom is the address the state recorded the image at, which a
	// moved block renamed to this one.
	MovedFrom string
	// OtherVersions are files at the output paths that hold images
	// imgform made, though not the ones the state records there: apply
	// writes over them without keeping a copy.
	OtherVersions []OtherVersion

	// Prior is the state's entry before the change; nil for create.
	Prior *state.Entry
	// Revision is the configuration revision the image records after the
	// change: this checkout's for a change the configuration drives, the
	// recorded one otherwise (see Options.History). Uncommitted is the
	// changes not committed, on top of Revision, that it records with it.
	Revision    string
	Uncommitted *state.Uncommitted
	// FromTeamCache marks a change whose images the shared cache holds
	// (not this machine's): they are checked when they are downloaded, so
	// the change may yet cost if they are damaged.
	FromTeamCache bool
}

// Refresh records an output whose content is what the state says but
// whose modification time moved (a fresh git checkout, say): nothing to
// do. The new time goes into the checkout's stat cache (see
// state.StatCache), not the committed state, so later plans need not hash
// the file again and no apply rewrites the state for it.
type Refresh struct {
	Address string
	Index   int
	Path    string
}

// Summary counts a plan's changes.
type Summary struct {
	Create    int
	Replace   int
	Move      int
	Restore   int
	Delete    int
	Derive    int
	Unchanged int
	// Generate is the number of images the API will be paid for;
	// FromCache the number of changes the cache serves (as docs/plan-json.md says).
	Generate  int
	FromCache int
}

// Cost is what the images the plan pays for cost at their models'
// published prices, and the price of one image of each such model.
func (p *Plan) Cost() (usd float64, prices []float64) {
	for _, c := range p.Changes {
		if c.Cost == 0 || c.Request == nil {
			continue
		}
		price := c.Request.Schema().PriceUSD
		usd += float64(c.Cost) * price
		if !slices.Contains(prices, price) {
			prices = append(prices, price)
		}
	}
	return usd, prices
}

// Plan is everything apply must do to make the files match the
// configuration.
type Plan struct {
	FormatVersion string
	// The state the plan was made against: a saved plan is refused by a
	// state of another lineage or serial.
	Lineage string
	Serial  uint64
	// Offline is true when the plan was made for apply --offline.
	Offline bool
	// Changes are the changes that do something, sorted by address.
	Changes []*Change
	// Refresh lists outputs whose recorded mtime is out of date.
	Refresh []Refresh
	// LeftAlone lists the images the plan does not touch because a newer
	// configuration changed them.
	LeftAlone []LeftAlone
	// Unpicked lists the images with candidates none of which is picked
	// yet: candidate 1 is used until one is.
	Unpicked []Unpicked
	// Unchecked lists the images the plan changes whose revisions this
	// shallow clone lacks: it could not check that no newer configuration
	// made them. apply refuses such a plan (see CheckedHistory).
	Unchecked []string
	// Committed lists images made from changes not committed then, which
	// this checkout's committed configuration makes as they are: apply
	// records its commit for them, at no cost.
	Committed []Committed
	// Uncommitted is this checkout's configuration changes not committed,
	// which the changes that the configuration drives record (nil: none,
	// or a state file, which records none).
	Uncommitted *state.Uncommitted
	// PendingUploads is the number of images this checkout keeps that
	// the team cache may not hold yet (an upload failed): apply and
	// preview upload them first.
	PendingUploads int
	Summary        Summary
}

// Committed is an image whose uncommitted changes are committed now: it
// takes Revision.
type Committed struct {
	Address  string
	Revision string
}

// PinSeeds fixes the random seeds the plan drew, for a plan that is saved
// (plan --out): applying the file sends, and records, exactly those.
func (p *Plan) PinSeeds() {
	for _, c := range p.Changes {
		c.SeedChosenAtApply = false
	}
}

// HasChanges reports whether applying the plan would change any file.
func (p *Plan) HasChanges() bool { return len(p.Changes) > 0 }

// summarize counts the changes.
func (p *Plan) summarize(unchanged int) {
	s := Summary{Unchanged: unchanged}
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			s.Create++
		case Replace:
			s.Replace++
		case Move:
			s.Move++
		case Restore:
			s.Restore++
		case Delete:
			s.Delete++
		case Derive:
			s.Derive++
		}
		s.Generate += c.Cost
		if c.Cached && len(c.Write) > 0 {
			s.FromCache++
		}
	}
	p.Summary = s
}

// PreviewGenerate is the number of images preview pays for: what apply
// pays for, and every other candidate of the images with candidates none
// of which is picked.
func (p *Plan) PreviewGenerate() int {
	n := 0
	for _, c := range p.Changes {
		n += c.PreviewCost()
	}
	return n
}

// PreviewCost is what preview pays for a change: every candidate the
// cache does not hold (candidate 1 is the change's own request), or the
// change's own cost.
func (c *Change) PreviewCost() int {
	if len(c.Candidates) == 0 || c.Candidate != 0 { // one of WithCandidates' changes is counted as it is
		return c.Cost
	}
	n := 0
	for _, cand := range c.Candidates {
		n += cand.Cost
	}
	return n
}

// Requests is the number of billable requests applying the plan sends:
// one per change that pays (its samples come in one request).
func (p *Plan) Requests() int {
	n := 0
	for _, c := range p.Changes {
		if c.Cost > 0 {
			n++
		}
	}
	return n
}

// NeedsAPI reports whether applying the plan pays for images or resumes
// jobs: whether it needs the API and a key.
func (p *Plan) NeedsAPI() bool {
	for _, c := range p.Changes {
		if c.Cost > 0 || c.Resumes {
			return true
		}
	}
	return false
}

// UncommittedFiles are the configuration files not committed that an
// apply of p records its images as made from (sorted); none when it
// records no such image (an entry's own record carried over is not
// this apply's).
func (p *Plan) UncommittedFiles() []string {
	if p.Uncommitted == nil {
		return nil
	}
	for _, c := range p.Changes {
		if c.Uncommitted == p.Uncommitted {
			return slices.Sorted(maps.Keys(p.Uncommitted.Files))
		}
	}
	return nil
}
