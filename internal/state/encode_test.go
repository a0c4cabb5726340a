package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// Marshal writes exactly what json.MarshalIndent writes, which defines the
// format, for states large and small and keys that need escaping.
func TestMarshalIsMarshalIndent(t *testing.T) {
	big := sampleState()
	for i := range 3000 {
		e := sampleState().Images["image.hero"].Clone()
		big.Images[fmt.Sprintf(`image.tile["<%d> & é ☕ \"q\""]`, i)] = e
	}
	withNil := sampleState()
	withNil.Images["image.null"] = nil
	states := map[string]*State{
		"sample":    sampleState(),
		"empty":     New(),
		"nil map":   {Version: 2, InputHashVersion: 1, Lineage: "<lineage>", Serial: 3},
		"big":       big,
		"nil entry": withNil,
	}
	for name, st := range states {
		t.Run(name, func(t *testing.T) {
			want, err := json.MarshalIndent(st, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			got, err := Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				t.Fatalf("Marshal differs from MarshalIndent at byte %d:\n got …%q\nwant …%q", i, got[max(i-40, 0):min(i+40, len(got))], want[max(i-40, 0):min(i+40, len(want))])
			}
		})
	}
}

// A save finds a change in one entry of a stored state laid out by hand
// (every entry's bytes differ from Marshal's), and finds no change when
// there is none.
func TestSuccessorOfHandFormatted(t *testing.T) {
	compact, err := json.Marshal(sampleState())
	if err != nil {
		t.Fatal(err)
	}
	snap, st, err := Decode("imgform.state.json", compact)
	if err != nil {
		t.Fatal(err)
	}
	if next, err := snap.Successor(st); err != nil || next != nil {
		t.Fatalf("an unchanged state laid out by hand: %v, %v; want nothing to write", next, err)
	}
	st.Images["image.hero"].Outputs[0].Size++
	next, err := snap.Successor(st)
	if err != nil || next == nil || next.Serial != 8 {
		t.Fatalf("a changed entry: %+v, %v; want serial 8", next, err)
	}
	// A key renamed, the count the same.
	snap, st, _ = Decode("imgform.state.json", compact)
	st.Images["image.renamed"] = st.Images["image.logo"]
	delete(st.Images, "image.logo")
	if next, err := snap.Successor(st); err != nil || next == nil {
		t.Fatalf("a renamed entry: %v, %v; want a change", next, err)
	}
}
