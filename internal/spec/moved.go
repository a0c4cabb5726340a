package spec

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Move is a moved block, with its chain resolved: the images recorded at
// From (a whole block, or one instance) are the images declared at To,
// renamed. Applying it changes the state's addresses and nothing else.
type Move struct {
	From, To  Address
	DeclRange hcl.Range
}

// movedDecl is a moved block as written.
type movedDecl struct {
	From, To           Address
	FromRange, ToRange hcl.Range
	DeclRange          hcl.Range
}

var movedSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "from", Required: true},
		{Name: "to", Required: true},
	},
}

func (m *module) addMoved(block *hcl.Block) hcl.Diagnostics {
	content, diags := block.Body.Content(movedSchema)
	if diags.HasErrors() {
		return diags
	}
	d := &movedDecl{DeclRange: block.DefRange}
	var ok bool
	if d.From, d.FromRange, ok = movedAddress(content.Attributes["from"], &diags); !ok {
		return diags
	}
	if d.To, d.ToRange, ok = movedAddress(content.Attributes["to"], &diags); !ok {
		return diags
	}
	switch {
	case (d.From.Kind == NoKey) != (d.To.Kind == NoKey):
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid moved block",
			Detail:   fmt.Sprintf("A moved block moves a whole image block to another (from = image.a, to = image.b) or one instance to another (from = image.a[\"x\"], to = image.b[\"x\"]); %s and %s are one of each.", d.From, d.To),
			Subject:  d.ToRange.Ptr(),
		})
	case d.From == d.To:
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid moved block",
			Detail:   fmt.Sprintf("The moved block moves %s to itself. Remove it, or name the new address in \"to\".", d.From),
			Subject:  d.DeclRange.Ptr(),
		})
	}
	m.moved = append(m.moved, d)
	return diags
}

// movedAddress reads from or to: an address written as a reference,
// image.NAME, image.NAME["KEY"] or image.NAME[INDEX], not a string.
func movedAddress(attr *hcl.Attribute, diags *hcl.Diagnostics) (Address, hcl.Range, bool) {
	rng := attr.Expr.Range()
	bad := func(detail string) (Address, hcl.Range, bool) {
		*diags = append(*diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid address in moved block",
			Detail:   detail,
			Subject:  rng.Ptr(),
		})
		return Address{}, rng, false
	}
	trav, tdiags := hcl.AbsTraversalForExpr(attr.Expr)
	if tdiags.HasErrors() {
		return bad(fmt.Sprintf("%q must be an image address written as a reference, such as image.old or image.icon[\"sword\"], without quotes.", attr.Name))
	}
	a, err := addressOfTraversal(trav)
	if err != nil {
		return bad(fmt.Sprintf("%q must be an image address: %s.", attr.Name, err))
	}
	return a, rng, true
}

// declaredIn reports, for an address without a key, whether a block of
// that name declares images, and for an instance, whether it is declared.
func declaredIn(images []*Image) func(Address) bool {
	blocks := map[string]bool{}
	instances := make(map[Address]bool, len(images))
	for _, img := range images {
		blocks[img.Addr.Name] = true
		instances[img.Addr] = true
	}
	return func(a Address) bool {
		if a.Kind == NoKey {
			return blocks[a.Name]
		}
		return instances[a]
	}
}

// resolveMoves checks the moved blocks against the configuration and
// folds chains (a → b, b → c) into one move each (a → c). The address a
// move leads to must be declared; the one it leaves must not be.
func resolveMoves(decls []*movedDecl, declared func(Address) bool) ([]Move, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	byFrom := map[Address]*movedDecl{}
	for _, d := range decls {
		if prev, ok := byFrom[d.From]; ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Ambiguous moved blocks",
				Detail:   fmt.Sprintf("%s is moved twice: here, and at %s. Each address can be moved once; keep one of them.", d.From, posString(prev.DeclRange)),
				Subject:  d.DeclRange.Ptr(),
			})
			continue
		}
		byFrom[d.From] = d
	}
	var moves []Move
	for _, d := range decls {
		if byFrom[d.From] != d {
			continue
		}
		if declared(d.From) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Moved object still exists",
				Detail:   fmt.Sprintf("%s is declared in the configuration, so it cannot have been moved to %s. Remove or rename its block, or remove this moved block.", d.From, d.To),
				Subject:  d.FromRange.Ptr(),
			})
			continue
		}
		// Follow the chain to its end, noting a cycle.
		to, seen, path := d.To, map[Address]bool{d.From: true}, []string{d.From.String()}
		cyclic := false
		for {
			path = append(path, to.String())
			if seen[to] {
				cyclic = true
				break
			}
			seen[to] = true
			next, ok := byFrom[to]
			if !ok {
				break
			}
			to = next.To
		}
		if cyclic {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cyclic moved blocks",
				Detail:   fmt.Sprintf("The moved blocks lead in a circle: %s. Break the cycle.", strings.Join(path, " → ")),
				Subject:  d.DeclRange.Ptr(),
			})
			continue
		}
		if !declared(to) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Moved to an undeclared address",
				Detail:   fmt.Sprintf("The moved block moves %s to %s, which no image block declares. Declare it, or correct \"to\".", d.From, to),
				Subject:  d.ToRange.Ptr(),
			})
			continue
		}
		moves = append(moves, Move{From: d.From, To: to, DeclRange: d.DeclRange})
	}
	return moves, diags
}
