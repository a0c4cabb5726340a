package spec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// KeyKind tells how an image instance is keyed.
type KeyKind uint8

const (
	NoKey     KeyKind = iota // a single image: image.NAME
	StringKey                // an instance of for_each: image.NAME["KEY"]
	IntKey                   // an instance of count: image.NAME[0]
)

// Address names one desired image: image.NAME, image.NAME["KEY"] or
// image.NAME[INDEX].
type Address struct {
	Name   string
	Kind   KeyKind
	StrKey string
	IntKey int
}

// String renders the address the way it is written in the CLI and state.
func (a Address) String() string {
	switch a.Kind {
	case StringKey:
		return "image." + a.Name + "[" + quoteKey(a.StrKey) + "]"
	case IntKey:
		return "image." + a.Name + "[" + strconv.Itoa(a.IntKey) + "]"
	}
	return "image." + a.Name
}

// Compare orders addresses by name, then key kind, then key.
func (a Address) Compare(b Address) int {
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if a.Kind != b.Kind {
		return int(a.Kind) - int(b.Kind)
	}
	switch a.Kind {
	case StringKey:
		return strings.Compare(a.StrKey, b.StrKey)
	case IntKey:
		return a.IntKey - b.IntKey
	}
	return 0
}

// Contains reports whether a, used as a target, selects b: an address
// without a key selects every instance of its block.
func (a Address) Contains(b Address) bool {
	if a.Kind == NoKey {
		return a.Name == b.Name
	}
	return a == b
}

// ParseAddress reads an address written as image.NAME, image.NAME["KEY"]
// or image.NAME[INDEX].
func ParseAddress(s string) (Address, error) {
	trav, diags := hclsyntax.ParseTraversalAbs([]byte(s), "<address>", hcl.InitialPos)
	if diags.HasErrors() {
		return Address{}, fmt.Errorf("invalid address %q: want image.NAME, image.NAME[\"KEY\"] or image.NAME[INDEX]", s)
	}
	a, err := addressOfTraversal(trav)
	if err != nil {
		return Address{}, fmt.Errorf("invalid address %q: %w", s, err)
	}
	return a, nil
}

// addressOfTraversal reads an address from its traversal.
func addressOfTraversal(trav hcl.Traversal) (Address, error) {
	bad := func(why string) (Address, error) {
		return Address{}, errors.New(why)
	}
	if len(trav) < 2 || trav.RootName() != "image" {
		return bad(`an address starts with "image." and the image's name`)
	}
	attr, ok := trav[1].(hcl.TraverseAttr)
	if !ok {
		return bad(`an address starts with "image." and the image's name`)
	}
	addr := Address{Name: attr.Name}
	switch len(trav) {
	case 2:
		return addr, nil
	case 3:
		idx, ok := trav[2].(hcl.TraverseIndex)
		if !ok {
			return bad("only one [KEY] or [INDEX] may follow the name")
		}
		switch idx.Key.Type() {
		case cty.String:
			addr.Kind, addr.StrKey = StringKey, idx.Key.AsString()
			return addr, nil
		case cty.Number:
			bf := idx.Key.AsBigFloat()
			n, acc := bf.Int64()
			if !bf.IsInt() || acc != 0 || n < 0 || n > 1<<31 {
				return bad("an index must be a whole number of zero or more")
			}
			addr.Kind, addr.IntKey = IntKey, int(n)
			return addr, nil
		}
		return bad("a key must be a string or a whole number")
	}
	return bad("only one [KEY] or [INDEX] may follow the name")
}

// quoteKey quotes a for_each key as an HCL string literal, so that the
// address can be read back by ParseAddress.
func quoteKey(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
			b.WriteByte(c)
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ParseAddresses reads addresses, each as ParseAddress does; the first
// that is not one is the error.
func ParseAddresses(raw []string) ([]Address, error) {
	out := make([]Address, 0, len(raw))
	for _, r := range raw {
		a, err := ParseAddress(r)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
