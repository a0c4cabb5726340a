package plan

import (
	"fmt"
	"strings"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/variant"
)

// Variant is one variant file of an image as the change leaves it: which
// variant of which sample, where, and the attributes it is derived with.
type Variant struct {
	Name   string
	Sample int
	Path   string
	Spec   variant.Spec
	// AttrHash is Spec's hash, which the state records.
	AttrHash state.Hash
}

// Attributes returns the variant's attributes as the state records them.
func (v Variant) Attributes() map[string]string {
	return attributeMap(v.Spec)
}

func attributeMap(s variant.Spec) map[string]string {
	m := map[string]string{}
	for _, a := range s.Attributes() {
		m[a.Name] = a.Value
	}
	return m
}

// VariantDiff lists the attributes of a variant that changed.
type VariantDiff struct {
	Name string
	Diff []ParamDiff
}

// variantsOf lists an image's variant files: for each variant, one per
// sample, in declaration order.
func variantsOf(img *spec.Image) []Variant {
	var out []Variant
	for _, v := range img.Variants {
		h := state.Hash(v.Spec.Hash())
		for i, p := range v.Outputs {
			out = append(out, Variant{Name: v.Name, Sample: i, Path: p, Spec: v.Spec, AttrHash: h})
		}
	}
	return out
}

// variantIndex is the status key of an entry's j-th variant: outputs have
// the indexes 0…, variants -1, -2, ….
func variantIndex(j int) int { return -1 - j }

// variantKey names one variant file of an image.
type variantKey struct {
	name   string
	sample int
}

// allVariants plans the derivation of every variant: the image is new,
// or made anew. A file at a variant's path that the state does not record
// is kept before it is written over.
func (b *builder) allVariants(c *Change, img *spec.Image, prior *state.Entry) {
	c.Variants = variantsOf(img)
	c.Derive = c.Derive[:0]
	for i, v := range c.Variants {
		c.Derive = append(c.Derive, i)
		if b.existsUnrecorded(v.Path, prior) {
			c.Reasons = append(c.Reasons, b.onDisk(c, v.Path, false, "overwritten"))
		}
	}
	if prior != nil {
		b.removeUnwantedVariants(c, prior)
	}
}

// sameVariants plans the variants of an image whose request is
// unchanged: a variant added, changed, missing or edited on disk is
// derived again (free: from the image), one whose path changed is
// renamed, one no longer declared is removed.
func (b *builder) sameVariants(c *Change, img *spec.Image, prior *state.Entry) {
	c.Variants = variantsOf(img)
	recorded := map[variantKey]int{}
	for j, v := range prior.Variants {
		recorded[variantKey{v.Name, v.Sample}] = j
	}
	diffed := map[string]bool{}
	for i, v := range c.Variants {
		j, ok := recorded[variantKey{v.Name, v.Sample}]
		if !ok {
			c.Derive = append(c.Derive, i)
			if v.Sample == 0 {
				c.Reasons = append(c.Reasons, Reason{Kind: ReasonVariantAdded, Path: v.Path, Message: fmt.Sprintf("variant %q added", v.Name)})
			}
			if b.existsUnrecorded(v.Path, prior) {
				c.Reasons = append(c.Reasons, b.onDisk(c, v.Path, false, "overwritten"))
			}
			continue
		}
		old := prior.Variants[j]
		st := b.status(c.Address, variantIndex(j))
		if old.AttrHash != v.AttrHash {
			c.Derive = append(c.Derive, i)
			if !diffed[v.Name] {
				diffed[v.Name] = true
				d := VariantDiff{Name: v.Name, Diff: diffAttributes(old.Attributes, v.Attributes())}
				c.VariantDiffs = append(c.VariantDiffs, d)
				c.Reasons = append(c.Reasons, Reason{Kind: ReasonVariantChanged, Path: v.Path, Message: variantChangedMessage(d)})
			}
			b.replacing(c, old, v.Path, st)
			continue
		}
		if old.Path != v.Path {
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonMoved, Path: v.Path, Message: fmt.Sprintf("variant %q moved: %s → %s", v.Name, old.Path, v.Path)})
			switch st {
			case fileOK, fileRefresh:
				c.Moves = append(c.Moves, Rename{From: old.Path, To: v.Path})
			case fileMissing:
				c.Derive = append(c.Derive, i)
			case fileEdited:
				c.Derive = append(c.Derive, i)
				c.Reasons = append(c.Reasons, Reason{Kind: ReasonKept, Path: old.Path,
					Message: old.Path + " was changed on disk; it is left where it is and the variant is derived anew"})
			}
			if b.existsUnrecorded(v.Path, prior) {
				c.Reasons = append(c.Reasons, b.onDisk(c, v.Path, false, "overwritten"))
			}
			continue
		}
		switch st {
		case fileRefresh:
			b.refresh = append(b.refresh, Refresh{Address: c.Address, Index: variantIndex(j), Path: v.Path})
		case fileMissing:
			c.Derive = append(c.Derive, i)
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonMissing, Path: v.Path, Message: v.Path + " is missing"})
		case fileEdited:
			c.Derive = append(c.Derive, i)
			c.Reasons = append(c.Reasons, b.onDisk(c, v.Path, true, "derived again"))
		}
	}
	b.removeUnwantedVariants(c, prior)
}

// replacing notes what becomes of the file a changed variant was at: when
// it stays at the same path and was edited by hand, it is kept before it
// is written over; when the path changed too, the old file is removed
// (removeUnwantedVariants).
func (b *builder) replacing(c *Change, old state.Variant, path string, st fileStatus) {
	if old.Path == path && st == fileEdited {
		c.Reasons = append(c.Reasons, b.onDisk(c, path, true, "derived again"))
	}
}

// removeUnwantedVariants plans the removal of the prior variant files the
// change no longer writes or keeps, unless edited by hand or wanted by
// another image.
func (b *builder) removeUnwantedVariants(c *Change, prior *state.Entry) {
	keep := map[string]bool{}
	for _, v := range c.Variants {
		keep[v.Path] = true
	}
	for _, o := range c.Outputs {
		keep[o] = true
	}
	declared := map[string]bool{}
	for _, v := range c.Variants {
		declared[v.Name] = true
	}
	told := map[string]bool{}
	for j, v := range prior.Variants {
		if !declared[v.Name] && !told[v.Name] && c.Action != Delete {
			told[v.Name] = true
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonVariantRemoved, Path: v.Path, Message: fmt.Sprintf("variant %q removed from the configuration", v.Name)})
		}
		if keep[v.Path] || b.wanted[v.Path] {
			continue
		}
		switch b.status(c.Address, variantIndex(j)) {
		case fileOK, fileRefresh:
			c.Remove = append(c.Remove, v.Path)
		case fileEdited:
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonKept, Path: v.Path,
				Message: v.Path + " was changed on disk since imgform derived it; it is left in place"})
		}
	}
}

// diffAttributes lists the attributes whose values differ.
func diffAttributes(old, now map[string]string) []ParamDiff {
	var out []ParamDiff
	for _, a := range (variant.Spec{}).Attributes() { // the names, in the language's order
		if old[a.Name] != now[a.Name] {
			out = append(out, ParamDiff{Name: a.Name, Old: old[a.Name], New: now[a.Name]})
		}
	}
	return out
}

func variantChangedMessage(d VariantDiff) string {
	var parts []string
	for _, p := range d.Diff {
		parts = append(parts, fmt.Sprintf("%s %s → %s", p.Name, orNone(p.Old), orNone(p.New)))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("variant %q changed (derived with a newer version of imgform)", d.Name)
	}
	return fmt.Sprintf("variant %q changed: %s", d.Name, strings.Join(parts, ", "))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// outputHoldsImage reports an output of the recorded image that holds
// it as the generator gave it, unchanged on disk: a PNG imgform wrote
// (the image with its provenance added), or a file imported as it is.
// Its variants can be derived from it.
func (b *builder) outputHoldsImage(c *Change, prior *state.Entry) bool {
	for i, o := range prior.Outputs {
		holds := o.SourceSHA256 == o.SHA256 || spec.OutputFormat(o.Path) == spec.FormatPNG
		if i >= len(c.Outputs) || o.Path != c.Outputs[i] || o.SourceSHA256.IsZero() || !holds {
			continue
		}
		if st := b.status(c.Address, i); st == fileOK || st == fileRefresh {
			return true
		}
	}
	return false
}

// makeAgain plans a change whose variants need the recorded image, which
// neither the cache nor an output holds any more: the image is made
// again, from the same request, and its outputs and every variant written
// from the new one, so that they agree.
func (b *builder) makeAgain(c *Change, img *spec.Image, prior *state.Entry) {
	c.Action = Restore
	c.Reasons = append(c.Reasons, Reason{Kind: ReasonSourceGone,
		Message: "its variants are derived from the image, which is neither in the cache nor in an output: it is made again, and its outputs and variants written from the new one"})
	c.Write = c.Write[:0]
	for i := range c.Outputs {
		c.Write = append(c.Write, i)
	}
	c.Moves = nil
	b.allVariants(c, img, prior) // price goes on to say what the image costs
}
