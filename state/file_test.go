package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/imgform/imgform/model"
)

// sampleState is a state with an entry of each generator, a for_each key
// that needs escaping, and an image of two samples.
func sampleState() *State {
	st := New()
	st.Lineage = "4cf2c86d-be9a-4efa-82d7-cb99c75c8fb5"
	st.Serial = 7
	hero := baseRequest()
	icon := baseRequest().WithPrompt("a steel longsword, game item icon").WithSeed(302545087420886).
		With("samples", model.Int(2)).With("guidance_scale", model.Number(1.5))
	mtime := time.Date(2026, 11, 25, 10, 41, 7, 123456789, time.UTC)
	st.Images["image.hero"] = &Entry{
		Generator: GeneratorAPI, InputHash: hero.InputHash(), Request: hero, SeedOrigin: "explicit",
		Outputs: []Output{{
			InferenceTime: 2.87, ModTime: mtime, Path: "assets/hero.png",
			RequestID: "6f1c2a9e-3b7d-4c1e-9a55-0b8e2d4f7a10", SHA256: SumBytes([]byte("hero")), Size: 1183402,
		}},
	}
	st.Images[`image.icon["sword \"long\""]`] = &Entry{
		Generator: GeneratorOffline, InputHash: icon.InputHash(), Request: icon, SeedOrigin: "derived",
		Outputs: []Output{
			{ModTime: mtime.Add(time.Second), Path: "icons/sword-1.png", SHA256: SumBytes([]byte("1")), Size: 1},
			{ModTime: mtime.Add(2 * time.Second), Path: "icons/sword-2.jpg", SHA256: SumBytes([]byte("2")), Size: 1},
		},
	}
	imported := baseRequest().WithPrompt("a logo")
	st.Images["image.logo"] = &Entry{
		Generator: GeneratorImported, InputHash: imported.InputHash(), Request: imported, SeedOrigin: "random",
		Outputs: []Output{{ModTime: mtime, Path: "logo.png", SHA256: SumBytes([]byte("logo")), Size: 4}},
	}
	return st
}

// baseRequest is a resolved request with every parameter set.
func baseRequest() model.Request {
	return model.NewRequest(model.NewRealityLightning).
		WithPrompt("castle on a cliff at dusk, cinematic, highly detailed").
		With("negative_prompt", model.String("blurry, low quality")).
		WithSeed(1220429729)
}

func mustMarshal(t testing.TB, st *State) []byte {
	t.Helper()
	data, err := Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestMarshalParseRoundTrip(t *testing.T) {
	tests := map[string]*State{
		"sample": sampleState(),
		"empty":  New(),
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			data := mustMarshal(t, want)
			got, err := Parse("imgform.state.json", data)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, data)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			if again := mustMarshal(t, got); !bytes.Equal(again, data) {
				t.Errorf("marshalling again gives other bytes:\n%s\nthen\n%s", data, again)
			}
			if !bytes.HasSuffix(data, []byte("}\n")) {
				t.Errorf("the file does not end with a newline")
			}
		})
	}
}

// TestMarshalSortsKeys re-encodes the file with every object's keys
// sorted (encoding/json sorts map keys) and expects the same bytes.
func TestMarshalSortsKeys(t *testing.T) {
	data := mustMarshal(t, sampleState())
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep the numbers as written
	var generic map[string]any
	if err := dec.Decode(&generic); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(true) // as json.MarshalIndent, which Marshal uses
	if err := enc.Encode(generic); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(buf.String(), string(data)); diff != "" {
		t.Errorf("keys not sorted (-sorted +written):\n%s", diff)
	}
	// No field that changes by itself: two marshals of the same state
	// are the same bytes.
	if !bytes.Equal(data, mustMarshal(t, sampleState())) {
		t.Errorf("two marshals of the same state differ")
	}
}

// validFile returns the sample state's file with edit applied to its
// generic JSON form.
func validFile(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(mustMarshal(t, sampleState()), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func entryOf(m map[string]any, addr string) map[string]any {
	return m["images"].(map[string]any)[addr].(map[string]any)
}

func TestParseRefuses(t *testing.T) {
	type want struct {
		version      bool   // a *VersionError (else a *CorruptError)
		line, column int    // where, for a corrupt file
		contains     string // a phrase of the message
	}
	tests := map[string]struct {
		data []byte
		want want
	}{
		"invalid JSON": {
			data: []byte("{\n  \"images\": {},\n  \"lineage\": \"x\",,\n  \"version\": 1\n}\n"),
			want: want{line: 3, column: 18, contains: "imgform.state.json:3:18"},
		},
		"invalid JSON after non-ASCII text": {
			data: []byte("{\"lineage\": \"é☕\" \"version\": 1}"),
			want: want{line: 1, column: 18, contains: "imgform.state.json:1:18"},
		},
		"truncated": {
			data: mustMarshal(t, sampleState())[:200],
			want: want{contains: "unexpected end of JSON input"},
		},
		"trailing garbage": {
			data: append(mustMarshal(t, sampleState()), "}\n"...),
			want: want{contains: "after top-level value"},
		},
		"wrong type": {
			data: validFile(t, func(m map[string]any) { m["serial"] = "7" }),
			// The column is that of the value's last character: the
			// decoder reports type errors after reading the value.
			want: want{contains: "serial", line: 89, column: 15},
		},
		"newer version": {
			data: validFile(t, func(m map[string]any) { m["version"] = Version + 1 }),
			want: want{version: true, contains: "format version 3, but this imgform reads versions up to 2"},
		},
		"newer input hash version": {
			data: validFile(t, func(m map[string]any) { m["input_hash_version"] = InputHashVersion + 1 }),
			want: want{version: true, contains: "input hash version 2"},
		},
		"no version": {
			data: validFile(t, func(m map[string]any) { delete(m, "version") }),
			want: want{contains: `no "version"`},
		},
		"version zero": {
			data: validFile(t, func(m map[string]any) { m["version"] = 0 }),
			want: want{contains: "version 0 is not a state format version"},
		},
		"no input hash version": {
			data: validFile(t, func(m map[string]any) { delete(m, "input_hash_version") }),
			want: want{contains: "input_hash_version"},
		},
		"no lineage": {
			data: validFile(t, func(m map[string]any) { delete(m, "lineage") }),
			want: want{contains: `no "lineage"`},
		},
		"unknown top-level field": {
			data: validFile(t, func(m map[string]any) { m["terraform_version"] = "1.9" }),
			want: want{contains: `unknown field "terraform_version"`},
		},
		"unknown entry field": {
			data: validFile(t, func(m map[string]any) { entryOf(m, "image.hero")["api_key"] = "SG_x" }),
			want: want{contains: `unknown field "api_key"`},
		},
		"unknown request field": {
			data: validFile(t, func(m map[string]any) {
				entryOf(m, "image.hero")["request"].(map[string]any)["base64"] = true
			}),
			want: want{contains: `the request has "base64", which is not a parameter`},
		},
		"input hash edited by hand": {
			data: validFile(t, func(m map[string]any) {
				entryOf(m, "image.hero")["request"].(map[string]any)["prompt"] = "a castle, edited"
			}),
			want: want{contains: "the input hash of image.hero does not match its request"},
		},
		"invalid hash": {
			data: validFile(t, func(m map[string]any) { entryOf(m, "image.hero")["input_hash"] = "5f0c" }),
			want: want{contains: "invalid hash"},
		},
		"null entry": {
			data: validFile(t, func(m map[string]any) { m["images"].(map[string]any)["image.hero"] = nil }),
			want: want{contains: "the entry of image.hero is null"},
		},
		"no outputs": {
			data: validFile(t, func(m map[string]any) { entryOf(m, "image.hero")["outputs"] = []any{} }),
			want: want{contains: "the entry of image.hero has no outputs"},
		},
		"output without path": {
			data: validFile(t, func(m map[string]any) {
				entryOf(m, "image.hero")["outputs"].([]any)[0].(map[string]any)["path"] = ""
			}),
			want: want{contains: "an output of image.hero has no path"},
		},
		"not an object": {
			data: []byte("[]\n"),
			want: want{line: 1, column: 1, contains: "cannot unmarshal array"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st, err := Parse("imgform.state.json", tc.data)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", st)
			}
			if tc.want.version {
				var ve *VersionError
				if !errors.As(err, &ve) {
					t.Fatalf("want a *VersionError, got %T: %v", err, err)
				}
			} else {
				var ce *CorruptError
				if !errors.As(err, &ce) {
					t.Fatalf("want a *CorruptError, got %T: %v", err, err)
				}
				if tc.want.line != 0 {
					if diff := cmp.Diff([2]int{tc.want.line, tc.want.column}, [2]int{ce.Line, ce.Column}); diff != "" {
						t.Errorf("line and column (-want +got):\n%s", diff)
					}
				}
				if !strings.Contains(err.Error(), "will not overwrite it") {
					t.Errorf("the message does not say the file is left alone: %v", err)
				}
			}
			if !strings.Contains(err.Error(), tc.want.contains) {
				t.Errorf("the message does not contain %q: %v", tc.want.contains, err)
			}
		})
	}
}

// dirFiles lists the names of the files in dir.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// old is a modification time in the past: a file that still has it after
// a call was not written by it.
var old = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

func writeOld(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// assertUntouched fails unless path holds data with the old mtime.
func assertUntouched(t *testing.T, path string, data []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("%s was rewritten:\n%s", path, got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(old) {
		t.Errorf("%s was written (mtime %s)", path, fi.ModTime())
	}
}

func TestLoadRefusesWithoutWriting(t *testing.T) {
	tests := map[string]struct {
		data        []byte
		wantVersion bool
	}{
		"corrupt":       {data: []byte("{\"version\": 1, \"images\": {\n")},
		"newer version": {data: validFile(t, func(m map[string]any) { m["version"] = 99 }), wantVersion: true},
		"edited hash": {data: validFile(t, func(m map[string]any) {
			entryOf(m, "image.logo")["request"].(map[string]any)["seed"] = 1
		})},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "imgform.state.json")
			writeOld(t, path, tc.data)
			f, st, err := Load(path)
			if f != nil || st != nil {
				t.Errorf("Load returned a file or a state for a state it refused")
			}
			var ve *VersionError
			var ce *CorruptError
			switch {
			case tc.wantVersion && !errors.As(err, &ve):
				t.Errorf("want a *VersionError, got %T: %v", err, err)
			case !tc.wantVersion && !errors.As(err, &ce):
				t.Errorf("want a *CorruptError, got %T: %v", err, err)
			}
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("the message does not name the file: %v", err)
			}
			assertUntouched(t, path, tc.data)
			if diff := cmp.Diff([]string{"imgform.state.json"}, dirFiles(t, dir)); diff != "" {
				t.Errorf("files in the directory (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "imgform.state.json")

	// A new, empty state is not written.
	f, st, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Serial() != 0 || f.Lineage() != "" || st.Lineage != "" || len(st.Images) != 0 {
		t.Fatalf("new state: serial %d, lineage %q (state's %q), %d images", f.Serial(), f.Lineage(), st.Lineage, len(st.Images))
	}
	if changed, err := f.Save(st); err != nil || changed {
		t.Fatalf("saving a new empty state: changed %v, %v", changed, err)
	}
	if names := dirFiles(t, dir); len(names) != 0 {
		t.Fatalf("saving a new empty state wrote %v", names)
	}

	// The first save writes the file, serial 1, and no backup; the state
	// gets its lineage.
	sample := sampleState()
	st.Images["image.hero"] = sample.Images["image.hero"].Clone()
	save := func(wantChanged bool) []byte {
		t.Helper()
		changed, err := f.Save(st)
		if err != nil {
			t.Fatal(err)
		}
		if changed != wantChanged {
			t.Fatalf("Save reported changed=%v, want %v", changed, wantChanged)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	first := save(true)
	lineage := f.Lineage()
	if f.Serial() != 1 || st.Serial != 1 || len(lineage) != 36 || st.Lineage != lineage {
		t.Errorf("after the first save: file serial %d, state serial %d, lineage %q (file's %q); want 1, 1, a UUID", f.Serial(), st.Serial, st.Lineage, lineage)
	}
	if diff := cmp.Diff([]string{"imgform.state.json"}, dirFiles(t, dir)); diff != "" {
		t.Errorf("files after the first save (-want +got):\n%s", diff)
	}
	if !bytes.Equal(first, mustMarshal(t, st)) {
		t.Errorf("the file is not Marshal's form of the state")
	}

	// Saving the same state again writes nothing, however often.
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		save(false)
	}
	assertUntouched(t, path, first)
	if f.Serial() != 1 {
		t.Errorf("a no-op save moved the serial to %d", f.Serial())
	}

	// Every real change bumps the serial once. The run began without a
	// state, so there is no backup: the backup is the state before the
	// run, never one of its own checkpoints.
	for i, edit := range []func(){
		func() { st.Images["image.logo"] = sample.Images["image.logo"].Clone() },
		func() {
			st.Images["image.hero"].Outputs[0].ModTime = st.Images["image.hero"].Outputs[0].ModTime.Add(time.Second)
		},
		func() { delete(st.Images, "image.logo") },
	} {
		edit()
		save(true)
		save(false)
		if want := uint64(i + 2); f.Serial() != want || st.Serial != want {
			t.Errorf("after change %d: serial %d (state %d), want %d", i+1, f.Serial(), st.Serial, want)
		}
	}
	if diff := cmp.Diff([]string{"imgform.state.json"}, dirFiles(t, dir)); diff != "" {
		t.Errorf("files (-want +got), no temporary file may be left:\n%s", diff)
	}

	// The file reads back as the state saved, and a file loaded anew
	// saves nothing when nothing changed.
	f2, st2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Lineage != lineage || f2.Lineage() != lineage || f2.Serial() != 4 {
		t.Errorf("loaded: lineage %q (file %q), serial %d; want %q, 4", st2.Lineage, f2.Lineage(), f2.Serial(), lineage)
	}
	if diff := cmp.Diff(st, st2); diff != "" {
		t.Errorf("loaded state (-saved +loaded):\n%s", diff)
	}
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	if changed, err := f2.Save(st2); err != nil || changed {
		t.Errorf("saving a loaded state unchanged: changed %v, %v", changed, err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertUntouched(t, path, before)

	// A run that starts from a file keeps that file as the backup, once:
	// its later checkpoints do not overwrite it.
	for i := range 3 {
		st2.Images["image.hero"].Outputs[0].Size += int64(i + 1)
		if changed, err := f2.Save(st2); err != nil || !changed {
			t.Fatalf("checkpoint %d: changed %v, %v", i, changed, err)
		}
		backup, err := os.ReadFile(path + BackupSuffix)
		if err != nil {
			t.Fatalf("no backup after checkpoint %d: %v", i, err)
		}
		if !bytes.Equal(backup, before) {
			t.Errorf("the backup after checkpoint %d is not the state from before the run:\n%s", i, backup)
		}
	}
}

// TestSaveUnchangedHandFormatted: a state file that holds the same state
// in another layout (formatted by hand, or by a tool) is not rewritten,
// and its serial does not move, when nothing changed.
func TestSaveUnchangedHandFormatted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "imgform.state.json")
	compact, err := json.Marshal(sampleState())
	if err != nil {
		t.Fatal(err)
	}
	writeOld(t, path, compact)
	f, st, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := f.Save(st); err != nil || changed {
		t.Fatalf("saving it unchanged: changed %v, %v", changed, err)
	}
	assertUntouched(t, path, compact)

	// A real change is written, in the stable form, with the
	// hand-formatted file as the backup.
	delete(st.Images, "image.logo")
	if changed, err := f.Save(st); err != nil || !changed {
		t.Fatalf("saving a change: changed %v, %v", changed, err)
	}
	if st.Serial != 8 {
		t.Errorf("serial %d, want 8", st.Serial)
	}
	backup, err := os.ReadFile(path + BackupSuffix)
	if err != nil || !bytes.Equal(backup, compact) {
		t.Errorf("the backup is not the previous file: %v\n%s", err, backup)
	}
}

func TestSaveKeepsTheFilesLineage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "imgform.state.json")
	f, st, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	st.Images = sampleState().Images
	st.Lineage, st.Serial, st.Version = "another", 41, 0
	if _, err := f.Save(st); err != nil {
		t.Fatal(err)
	}
	_, back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s %d %d %d", back.Lineage, back.Serial, back.Version, back.InputHashVersion)
	want := fmt.Sprintf("%s 1 %d %d", f.Lineage(), Version, InputHashVersion)
	if got != want {
		t.Errorf("lineage serial version input_hash_version = %s, want %s", got, want)
	}
}

func TestStateClone(t *testing.T) {
	st := sampleState()
	c := st.Clone()
	if diff := cmp.Diff(st, c); diff != "" {
		t.Fatalf("clone differs (-want +got):\n%s", diff)
	}
	c.Images["image.hero"].Outputs[0].Path = "changed.png"
	delete(c.Images, "image.logo")
	if st.Images["image.hero"].Outputs[0].Path != "assets/hero.png" || st.Images["image.logo"] == nil {
		t.Errorf("changing the clone changed the original")
	}
	want := []string{"image.hero", `image.icon["sword \"long\""]`, "image.logo"}
	if diff := cmp.Diff(want, st.Addresses()); diff != "" {
		t.Errorf("Addresses (-want +got):\n%s", diff)
	}
}

// A state written in format version 1 reads as it is, is not rewritten by
// a save that changes nothing (its bytes stay, version 1 and all), and is
// written in the current version at its first real change.
func TestSaveVersion1(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "imgform.state.json")
	old := sampleState()
	old.Version = 1
	data := mustMarshal(t, old)
	writeOld(t, path, data)
	f, st, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := f.Save(st); err != nil || changed {
		t.Fatalf("saving a version 1 state unchanged: changed %v, %v", changed, err)
	}
	assertUntouched(t, path, data)
	delete(st.Images, "image.logo")
	if changed, err := f.Save(st); err != nil || !changed {
		t.Fatalf("saving a change: changed %v, %v", changed, err)
	}
	_, st2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Version != Version || Version != 2 {
		t.Errorf("written as version %d, want %d", st2.Version, Version)
	}
}
