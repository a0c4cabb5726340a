package spec

import (
	"fmt"
	"math/big"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgform/imgform/internal/picks"
)

// candidatesOf reads candidates = N: a whole number from minCandidates
// to MaxCandidates, for an image whose seed the configuration leaves to
// imgform (a seed written in the block fixes one: there is nothing to
// pick from).
func candidatesOf(e evaluated, origin SeedOrigin, inst string) (int, hcl.Diagnostics) {
	if !e.ok {
		return 0, nil // reported where it was evaluated
	}
	fail := func(summary, detail string) (int, hcl.Diagnostics) {
		return 0, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: instPrefix(inst) + detail, Subject: e.expr.Range().Ptr()}}
	}
	v, err := convert.Convert(e.val, cty.Number)
	if err != nil {
		return fail("Incorrect attribute value type", fmt.Sprintf("Inappropriate value for argument %q: a number is required, but got %s.", attrCandidates, e.val.Type().FriendlyName()))
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if acc != big.Exact || !bf.IsInt() || n < minCandidates || n > MaxCandidates {
		return fail("Invalid value for candidates", fmt.Sprintf("candidates must be a whole number from %d to %d; got %s.", minCandidates, MaxCandidates, bf.Text('g', -1)))
	}
	if origin != SeedDerived {
		return fail("Conflicting seed and candidates", fmt.Sprintf(`candidates = %d asks imgform for %d seeds to pick one from, but the image's seed is set (in the block or the defaults block), which fixes it. Remove "seed" to pick among candidates, or "candidates" to keep the seed.`, n, n))
	}
	return int(n), nil
}

// applyPicks gives each image with candidates the seed picked for it in
// the picks file: a pick made under an address a moved block renamed
// follows its image. A pick of an address the configuration does not
// declare, or of an image without candidates, is a warning: it is kept in
// the file, and used by nothing.
func applyPicks(cfg *Config, f *picks.File, data []byte, path string, complete bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	renamed := map[string]string{} // the address of a pick → the image's
	for _, m := range cfg.Moves {
		for addr := range f.Picks {
			a, err := ParseAddress(addr)
			if err != nil {
				continue
			}
			switch {
			case m.From.Kind == NoKey && a.Name == m.From.Name:
				to := a
				to.Name = m.To.Name
				renamed[addr] = to.String()
			case m.From == a:
				renamed[addr] = m.To.String()
			}
		}
	}
	byAddr := map[string]*Image{}
	for _, img := range cfg.Images {
		byAddr[img.Addr.String()] = img
	}
	rangeOf := func(addr string) *hcl.Range {
		line := picks.Line(data, addr)
		if line == 0 {
			return nil
		}
		return &hcl.Range{Filename: path, Start: hcl.Pos{Line: line, Column: 1}, End: hcl.Pos{Line: line, Column: 1}}
	}
	for addr, p := range f.Picks {
		target := addr
		if to, ok := renamed[addr]; ok {
			target = to
		}
		img := byAddr[target]
		switch {
		case img == nil:
			if complete && len(cfg.Unset) == 0 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Pick of an unknown image",
					Detail: fmt.Sprintf("%s picks a candidate of %s, which the configuration does not declare; the pick is kept, unused. imgform pick %s --clear removes it.", picks.FileName, addr, strconv.Quote(addr)), Subject: rangeOf(addr)})
			}
		case img.Candidates == 0:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Pick of an image without candidates",
				Detail: fmt.Sprintf("%s picks a seed for %s, which has no candidates (set candidates = N in its block); the pick is not used.", picks.FileName, target), Subject: rangeOf(addr)})
		case p.Candidate > img.Candidates:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid pick",
				Detail: fmt.Sprintf("%s picks candidate %d of %s, which has candidates 1 to %d; imgform pick %s K records one of them.", picks.FileName, p.Candidate, target, img.Candidates, strconv.Quote(target)), Subject: rangeOf(addr)})
		case p.Seed > img.Request.Schema().MaxSeed():
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid pick",
				Detail: fmt.Sprintf("%s picks the seed %d for %s, which is out of the model's range (0 to %d).", picks.FileName, p.Seed, target, img.Request.Schema().MaxSeed()), Subject: rangeOf(addr)})
		default:
			pick := p
			img.Picked = &pick
			img.Request = img.Request.WithSeed(p.Seed)
			img.SeedOrigin = SeedPicked
		}
	}
	return diags
}
