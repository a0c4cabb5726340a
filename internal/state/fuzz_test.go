package state

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzStateRoundTrip feeds Parse arbitrary bytes. It must never panic,
// must refuse with a *CorruptError or *VersionError, and whatever it
// accepts must marshal (a state that loads must be savable) and parse
// back to an equal state, in the same bytes when marshalled again.
func FuzzStateRoundTrip(f *testing.F) {
	f.Add(mustMarshal(f, sampleState()))
	f.Add(mustMarshal(f, New()))
	compact := bytes.Join(bytes.Fields(mustMarshal(f, sampleState())), nil)
	f.Add(compact)
	f.Add([]byte(`{"version":1,"lineage":"x","serial":0,"input_hash_version":1,"images":null}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"lineage":"x","input_hash_version":1,"images":{"image.a":{"outputs":[]}}}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Parse("fuzz.json", data)
		if err != nil {
			var ce *CorruptError
			var ve *VersionError
			if !errors.As(err, &ce) && !errors.As(err, &ve) {
				t.Fatalf("Parse refused with a %T, not a *CorruptError or *VersionError: %v", err, err)
			}
			if st != nil {
				t.Fatalf("Parse returned a state with an error")
			}
			return
		}
		out, err := Marshal(st)
		if err != nil {
			t.Fatalf("a state that parses does not marshal: %v", err)
		}
		back, err := Parse("fuzz.json", out)
		if err != nil {
			t.Fatalf("the marshalled state does not parse: %v\n%s", err, out)
		}
		if diff := cmp.Diff(st, back); diff != "" {
			t.Fatalf("round trip (-parsed +reparsed):\n%s", diff)
		}
		again, err := Marshal(back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("marshalling is not stable:\n%s\n%s", out, again)
		}
	})
}
