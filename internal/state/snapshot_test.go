package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/model"
)

// expectDocument checks that a snapshot's document, however it is had
// (whole, streamed, compared), is what Marshal writes of st at its serial.
func expectDocument(t *testing.T, snap *Snapshot, st *State) {
	t.Helper()
	at := *st
	at.Serial, at.Lineage, at.Version, at.InputHashVersion = snap.Serial, snap.Lineage, snap.Version, InputHashVersion
	want := mustMarshal(t, &at)
	if got := snap.Bytes(); !bytes.Equal(got, want) {
		t.Fatalf("the snapshot's document differs from Marshal's:\n%s\nwant\n%s", got, want)
	}
	var streamed bytes.Buffer
	if n, err := snap.WriteTo(&streamed); err != nil || n != int64(len(want)) || !bytes.Equal(streamed.Bytes(), want) {
		t.Fatalf("WriteTo wrote %d bytes (%v), not Marshal's %d", n, err, len(want))
	}
	if !snap.Matches(want) || snap.Matches(want[:len(want)-1]) || snap.Matches(append(slices.Clone(want), ' ')) {
		t.Fatal("Matches does not tell the document from others")
	}
}

// Saves that follow each other, the state changed in place between them
// as apply changes it: each successor writes exactly what Marshal writes
// of the state, the entries that did not change keep their bytes, and
// one that changed in any field is encoded again.
func TestSuccessorsOfAStateChangedInPlace(t *testing.T) {
	snap, st, err := Decode("imgform.state.json", mustMarshal(t, sampleState()))
	if err != nil {
		t.Fatal(err)
	}
	hero := st.Images["image.hero"]
	changes := []struct {
		name   string
		change func()
	}{
		{"an output's size", func() { hero.Outputs[0].Size++ }},
		{"a new image", func() { st.Images["image.new"] = hero.Clone() }},
		{"a variant derived", func() {
			hero.Variants = append(hero.Variants, Variant{Name: "thumb", Path: "t.png", Attributes: map[string]string{"width": "64"}, ModTime: time.Unix(5, 0).UTC()})
		}},
		{"a variant's attribute", func() { hero.Variants[0].Attributes["width"] = "128" }},
		{"a cost", func() { hero.CostUSD = 0.25 }},
		{"an output's time zone", func() { hero.Outputs[0].ModTime = hero.Outputs[0].ModTime.In(time.FixedZone("X", 3600)) }},
		{"a request", func() {
			hero.Request = hero.Request.With("guidance_scale", model.Number(2))
			hero.InputHash = hero.Request.InputHash()
		}},
		{"an image removed", func() { delete(st.Images, "image.logo") }},
		{"an address moved", func() { st.Images["image.moved"] = st.Images["image.new"]; delete(st.Images, "image.new") }},
	}
	for _, c := range changes {
		c.change()
		next, err := snap.Successor(st)
		if err != nil || next == nil {
			t.Fatalf("%s: %v, %v; want a change", c.name, next, err)
		}
		expectDocument(t, next, st)
		if again, err := next.Successor(st); err != nil || again != nil {
			t.Fatalf("%s, saved again unchanged: %v, %v; want nothing to write", c.name, again, err)
		}
		snap = next
	}
	// The entries a change did not touch keep their bytes.
	st.Images["image.hero"].Outputs[0].Size++
	next, err := snap.Successor(st)
	if err != nil || next == nil {
		t.Fatal(next, err)
	}
	for i, k := range next.keys {
		j := slices.Index(snap.keys, k)
		if shared := &next.entries[i][0] == &snap.entries[j][0]; shared != (k != "image.hero") {
			t.Errorf("%s: bytes taken over %v", k, shared)
		}
	}
}

// The copies a snapshot keeps are its own: changing the saved state
// afterwards changes nothing in the snapshot.
func TestSuccessorKeepsItsOwnCopies(t *testing.T) {
	st := sampleState()
	snap, err := (&Snapshot{}).Successor(st)
	if err != nil {
		t.Fatal(err)
	}
	before := snap.Bytes()
	st.Images["image.hero"].Outputs[0].Path = "elsewhere.png"
	if !bytes.Equal(snap.Bytes(), before) {
		t.Fatal("the snapshot changed with the state it was made of")
	}
	next, err := snap.Successor(st)
	if err != nil || next == nil || !bytes.Contains(next.Bytes(), []byte("elsewhere.png")) {
		t.Fatalf("the change after the save: %v; want it written", err)
	}
}

// sameEntry finds a change in any field of an entry.
func TestSameEntryFindsEveryField(t *testing.T) {
	base := func() *Entry {
		e := sampleState().Images["image.hero"]
		e.CostUSD, e.Endpoint, e.Placeholder, e.Revision = 0.1, "https://api.segmind.com", true, "abc"
		e.Outputs[0].SourceSHA256 = SumBytes([]byte("src"))
		e.Variants = []Variant{{Name: "v", Path: "v.png", Attributes: map[string]string{"a": "1"}, ModTime: time.Unix(1, 0).UTC(), SHA256: SumBytes([]byte("v"))}}
		return e
	}
	if !sameEntry(base(), base()) || !sameEntry(base(), base().Clone()) || !sameEntry(nil, nil) {
		t.Fatal("equal entries found different")
	}
	mutations := map[string]func(e *Entry){
		"cost":            func(e *Entry) { e.CostUSD = 0.2 },
		"endpoint":        func(e *Entry) { e.Endpoint = "x" },
		"generator":       func(e *Entry) { e.Generator = GeneratorOffline },
		"input hash":      func(e *Entry) { e.InputHash[3]++ },
		"outputs nil":     func(e *Entry) { e.Outputs = nil },
		"output time":     func(e *Entry) { e.Outputs[0].ModTime = e.Outputs[0].ModTime.Add(1) },
		"output source":   func(e *Entry) { e.Outputs[0].SourceSHA256[31]++ },
		"output infer":    func(e *Entry) { e.Outputs[0].InferenceTime = math.Copysign(0, -1) },
		"placeholder":     func(e *Entry) { e.Placeholder = false },
		"request":         func(e *Entry) { e.Request = e.Request.WithSeed(1) },
		"request number":  func(e *Entry) { e.Request = e.Request.With("guidance_scale", model.Number(1.5)) },
		"revision":        func(e *Entry) { e.Revision = "" },
		"seed origin":     func(e *Entry) { e.SeedOrigin = "derived" },
		"variants":        func(e *Entry) { e.Variants = append(e.Variants, e.Variants[0]) },
		"variant attr":    func(e *Entry) { e.Variants[0].Attributes["a"] = "2" },
		"variant new key": func(e *Entry) { e.Variants[0].Attributes["b"] = "1" },
		"variant sample":  func(e *Entry) { e.Variants[0].Sample = 1 },
		"nil":             nil,
	}
	zero, negZero := base(), base()
	zero.CostUSD, negZero.CostUSD = 0, math.Copysign(0, -1)
	if sameEntry(zero, negZero) {
		t.Error("a cost of 0 and of -0 (which encode differently) are found the same")
	}
	for name, mutate := range mutations {
		var e *Entry
		if mutate != nil {
			e = base()
			mutate(e)
		}
		if sameEntry(base(), e) || sameEntry(e, base()) {
			t.Errorf("%s: the change is not found", name)
		}
	}
}

// Changes says what a store that keeps entries apart writes: the entries
// new or changed, and the addresses removed.
func TestChanges(t *testing.T) {
	st := sampleState()
	first, err := (&Snapshot{}).Successor(st)
	if err != nil {
		t.Fatal(err)
	}
	changed, removed := first.Changes(nil)
	if len(changed) != 3 || len(removed) != 0 {
		t.Fatalf("from nothing: %d changed and %v removed, want 3 and none", len(changed), removed)
	}
	st.Images["image.hero"].Outputs[0].Size++
	st.Images["image.added"] = st.Images["image.logo"].Clone()
	delete(st.Images, "image.logo")
	next, err := first.Successor(st)
	if err != nil {
		t.Fatal(err)
	}
	changed, removed = next.Changes(first)
	var addrs []string
	for _, c := range changed {
		addrs = append(addrs, c.Address)
	}
	if fmt.Sprint(addrs) != "[image.added image.hero]" || fmt.Sprint(removed) != "[image.logo]" {
		t.Fatalf("changed %v, removed %v; want image.added and image.hero, and image.logo", addrs, removed)
	}
	// The parts make the document again.
	all, _ := next.Changes(nil)
	slices.Reverse(all)
	back, loaded, err := DecodeParts("parts", next.Header(), all)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Bytes(), next.Bytes()) || !bytes.Equal(mustMarshal(t, loaded), next.Bytes()) {
		t.Fatal("the document of the parts is not the one saved")
	}
	if again, err := back.Successor(loaded); err != nil || again != nil {
		t.Fatalf("the state read from its parts, saved unchanged: %v, %v; want nothing to write", again, err)
	}
	if c, r := back.Changes(next); len(c) != 0 || len(r) != 0 {
		t.Fatalf("the same state read back: %d changed, %v removed", len(c), r)
	}
}

// ownCopy shares nothing that can change with the entry it copies: every
// field of Entry that refers to memory (a slice, a map, a pointer) is one
// it copies, or a value that nothing changes. A field added to Entry
// that refers to memory fails this test until ownCopy copies it.
func TestOwnCopyIsDeep(t *testing.T) {
	copied := map[string]bool{
		"Entry.Outputs": true, "Entry.Variants": true, "Entry.Variants[].Attributes": true,
		"Entry.Uncommitted": true, "Entry.Uncommitted.Files": true,
	}
	immutable := map[reflect.Type]bool{
		reflect.TypeFor[model.Request](): true, // a value: With returns a changed copy
		reflect.TypeFor[time.Time]():     true, // its location is never changed
	}
	var refs []string
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		if immutable[typ] {
			return
		}
		switch typ.Kind() {
		case reflect.Struct:
			for i := range typ.NumField() {
				walk(path+"."+typ.Field(i).Name, typ.Field(i).Type)
			}
		case reflect.Slice, reflect.Array:
			if typ.Kind() == reflect.Slice {
				refs = append(refs, path)
			}
			walk(path+"[]", typ.Elem())
		case reflect.Pointer:
			refs = append(refs, path)
			walk(path, typ.Elem())
		case reflect.Map, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
			refs = append(refs, path)
		}
	}
	walk("Entry", reflect.TypeFor[Entry]())
	for _, r := range refs {
		if !copied[r] {
			t.Errorf("%s refers to memory that ownCopy shares with the entry it copies", r)
		}
	}
	if len(refs) != len(copied) {
		t.Errorf("Entry refers to memory at %v; ownCopy copies %v", refs, copied)
	}
	// And the copy is one.
	e := sampleState().Images["image.hero"]
	e.Variants = []Variant{{Name: "v", Attributes: map[string]string{"a": "1"}}}
	c := ownCopy(e)
	e.Outputs[0].Size++
	e.Variants[0].Attributes["a"] = "2"
	if c.Outputs[0].Size == e.Outputs[0].Size || c.Variants[0].Attributes["a"] != "1" {
		t.Error("the copy changed with the entry")
	}
}

// The keys written as they are are those json.Marshal writes so.
func TestPlainKey(t *testing.T) {
	for c := range 256 {
		k := "image.a[" + string(rune(c)) + "]"
		if c >= 0x80 {
			k = "image.a[" + string([]byte{byte(c)}) + "]"
		}
		quoted, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		if plain := string(quoted) == `"`+k+`"`; plainKey(k) && !plain {
			t.Errorf("%q is written as it is, but json.Marshal writes %s", k, quoted)
		}
	}
}
