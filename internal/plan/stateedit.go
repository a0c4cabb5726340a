package plan

import (
	"fmt"
	"path"
	"strings"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// SelectAddresses returns the state's addresses that pattern selects: an
// address (image.NAME selects all its instances), or a shell glob such as
// 'image.icon*'.
func SelectAddresses(st *state.State, pattern string) ([]string, error) {
	var out []string
	if a, err := spec.ParseAddress(pattern); err == nil {
		for _, addr := range st.Addresses() {
			if b, err := spec.ParseAddress(addr); err == nil && a.Contains(b) {
				out = append(out, addr)
			}
		}
		return out, nil
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("%q is neither an address nor a valid pattern", pattern)
	}
	for _, addr := range st.Addresses() {
		if ok, _ := path.Match(pattern, addr); ok {
			out = append(out, addr)
		}
	}
	return out, nil
}

// RemoveFromState forgets the images at addr (image.NAME: every instance
// of the block) and returns their addresses; none is an error.
func RemoveFromState(st *state.State, addr spec.Address) ([]string, error) {
	matched, _ := SelectAddresses(st, addr.String())
	if len(matched) == 0 {
		return nil, fmt.Errorf("the state has no image %s", addr)
	}
	for _, m := range matched {
		delete(st.Images, m)
	}
	return matched, nil
}

// StateHashes are the input hashes of the images the state records that
// targets select (all without targets), each once, in the order of the
// first address that has it, with that address in names.
func StateHashes(st *state.State, targets []spec.Address) (hashes []state.Hash, names map[state.Hash]string, err error) {
	names = map[state.Hash]string{}
	for _, addr := range st.Addresses() {
		if len(targets) > 0 && !selectsAny(targets, addr) {
			continue
		}
		h := st.Images[addr].InputHash
		if _, ok := names[h]; !ok {
			names[h] = addr
			hashes = append(hashes, h)
		}
	}
	if len(targets) > 0 && len(hashes) == 0 {
		var s []string
		for _, a := range targets {
			s = append(s, a.String())
		}
		return nil, nil, fmt.Errorf("the state records no image that %s selects", strings.Join(s, ", "))
	}
	return hashes, names, nil
}

// selectsAny reports whether one of targets selects the address addr.
func selectsAny(targets []spec.Address, addr string) bool {
	a, err := spec.ParseAddress(addr)
	if err != nil {
		return false
	}
	for _, t := range targets {
		if t.Contains(a) {
			return true
		}
	}
	return false
}

// SelectRecorded returns the state's addresses that sel selects (all
// when sel is nil); none is an error that says which address was likely
// meant.
func SelectRecorded(st *state.State, sel *spec.Address) ([]string, error) {
	all := st.Addresses()
	if sel == nil {
		return all, nil
	}
	var addrs []string
	for _, addr := range all {
		if a, err := spec.ParseAddress(addr); err == nil && sel.Contains(a) {
			addrs = append(addrs, addr)
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("the state has no image %s%s", sel, spec.DidYouMeanAddress(sel.String(), all))
	}
	return addrs, nil
}
