package local

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

	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/backendtest"
)

// sampleState is a state as a file holds it: three images, a lineage and
// a serial.
func sampleState() *state.State {
	st := state.New()
	st.Lineage = "4cf2c86d-be9a-4efa-82d7-cb99c75c8fb5"
	st.Serial = 7
	st.Images = backendtest.Images(3)
	return st
}

func mustMarshal(t testing.TB, st *state.State) []byte {
	t.Helper()
	data, err := state.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return data
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

// load opens and loads the state file at path.
func load(t *testing.T, path string) (*Backend, *state.State) {
	t.Helper()
	b := Open(path)
	st, err := b.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return b, st
}

func TestLoadRefusesWithoutWriting(t *testing.T) {
	tests := map[string]struct {
		data        []byte
		wantVersion bool
	}{
		"corrupt":       {data: []byte("{\"version\": 1, \"images\": {\n")},
		"newer version": {data: validFile(t, func(m map[string]any) { m["version"] = 99 }), wantVersion: true},
		"edited hash": {data: validFile(t, func(m map[string]any) {
			m["images"].(map[string]any)["image.tile[1]"].(map[string]any)["request"].(map[string]any)["seed"] = 7
		})},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "imgform.state.json")
			writeOld(t, path, tc.data)
			b := Open(path)
			st, err := b.Load(t.Context())
			if st != nil {
				t.Errorf("Load returned a state it refused")
			}
			var ve *state.VersionError
			var ce *state.CorruptError
			switch {
			case tc.wantVersion && !errors.As(err, &ve):
				t.Errorf("want a *VersionError, got %T: %v", err, err)
			case !tc.wantVersion && !errors.As(err, &ce):
				t.Errorf("want a *CorruptError, got %T: %v", err, err)
			case !tc.wantVersion && !strings.Contains(err.Error(), path+BackupSuffix):
				t.Errorf("the message does not point at the backup: %v", err)
			}
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("the message does not name the file: %v", err)
			}
			if changed, err := b.Save(t.Context(), sampleState()); err == nil || changed {
				t.Errorf("Save after a refused Load: changed %v, %v", changed, err)
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
	sample := sampleState()

	// A new, empty state is not written.
	b, st := load(t, path)
	save := func(wantChanged bool) []byte {
		t.Helper()
		changed, err := b.Save(t.Context(), st)
		if err != nil {
			t.Fatal(err)
		}
		if changed != wantChanged {
			t.Fatalf("Save reported changed=%v, want %v", changed, wantChanged)
		}
		data, _ := os.ReadFile(path)
		return data
	}
	save(false)
	if names := dirFiles(t, dir); len(names) != 0 {
		t.Fatalf("saving a new empty state wrote %v", names)
	}

	// The first save writes the file, serial 1, with a new lineage, and
	// no backup.
	st.Images["image.tile[0]"] = sample.Images["image.tile[0]"].Clone()
	first := save(true)
	_, written := load(t, path)
	if written.Serial != 1 || len(written.Lineage) != 36 {
		t.Errorf("after the first save: serial %d, lineage %q; want 1, a UUID", written.Serial, written.Lineage)
	}
	if diff := cmp.Diff([]string{"imgform.state.json"}, dirFiles(t, dir)); diff != "" {
		t.Errorf("files after the first save (-want +got):\n%s", diff)
	}
	if !bytes.Equal(first, mustMarshal(t, written)) {
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

	// Every real change is written. The run began without a state, so
	// there is no backup: the backup is the state before the run, never
	// one of its own checkpoints.
	for _, edit := range []func(){
		func() { st.Images["image.tile[1]"] = sample.Images["image.tile[1]"].Clone() },
		func() { st.Images["image.tile[0]"].Outputs[0].Size++ },
		func() { delete(st.Images, "image.tile[1]") },
	} {
		edit()
		save(true)
		save(false)
	}
	if diff := cmp.Diff([]string{"imgform.state.json"}, dirFiles(t, dir)); diff != "" {
		t.Errorf("files (-want +got), no temporary file or backup may be left:\n%s", diff)
	}

	// A run that starts from a file keeps that file as the backup, once:
	// its later checkpoints do not overwrite it.
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, st = load(t, path)
	for i := range 3 {
		st.Images["image.tile[0]"].Outputs[0].Size += int64(i + 1)
		save(true)
		backup, err := os.ReadFile(path + BackupSuffix)
		if err != nil {
			t.Fatalf("no backup after checkpoint %d: %v", i, err)
		}
		if !bytes.Equal(backup, before) {
			t.Errorf("the backup after checkpoint %d is not the state from before the run:\n%s", i, backup)
		}
	}
}

// A state file that holds the same state in another layout (formatted by
// hand, or by a tool) is not rewritten, and its serial does not move, when
// nothing changed.
func TestSaveUnchangedHandFormatted(t *testing.T) {
	path := statePathIn(t)
	compact, err := json.Marshal(sampleState())
	if err != nil {
		t.Fatal(err)
	}
	writeOld(t, path, compact)
	b, st := load(t, path)
	if changed, err := b.Save(t.Context(), st); err != nil || changed {
		t.Fatalf("saving it unchanged: changed %v, %v", changed, err)
	}
	assertUntouched(t, path, compact)

	// A real change is written, in the stable form, with the
	// hand-formatted file as the backup.
	delete(st.Images, "image.tile[2]")
	if changed, err := b.Save(t.Context(), st); err != nil || !changed {
		t.Fatalf("saving a change: changed %v, %v", changed, err)
	}
	if _, back := load(t, path); back.Serial != 8 {
		t.Errorf("serial %d, want 8", back.Serial)
	}
	backup, err := os.ReadFile(path + BackupSuffix)
	if err != nil || !bytes.Equal(backup, compact) {
		t.Errorf("the backup is not the previous file: %v\n%s", err, backup)
	}
}

// The file's lineage, serial and versions are the file's, whatever the
// state given to Save says.
func TestSaveKeepsTheFilesLineage(t *testing.T) {
	path := statePathIn(t)
	b, st := load(t, path)
	st.Images = sampleState().Images
	st.Lineage, st.Serial, st.Version = "another", 41, 0
	if _, err := b.Save(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if st.Lineage != "another" || st.Serial != 41 || st.Version != 0 {
		t.Errorf("Save changed the state it was given: %q %d %d", st.Lineage, st.Serial, st.Version)
	}
	_, back := load(t, path)
	got := fmt.Sprintf("%d %d %d", back.Serial, back.Version, back.InputHashVersion)
	if want := fmt.Sprintf("1 %d %d", state.Version, state.InputHashVersion); got != want || len(back.Lineage) != 36 {
		t.Errorf("serial version input_hash_version = %s (lineage %q), want %s and a new lineage", got, back.Lineage, want)
	}
}

// A state written in format version 1 reads as it is, is not rewritten by
// a save that changes nothing (its bytes stay, version 1 and all), and is
// written in the current version at its first real change.
func TestSaveVersion1(t *testing.T) {
	path := statePathIn(t)
	v1 := sampleState()
	v1.Version = 1
	data := mustMarshal(t, v1)
	writeOld(t, path, data)
	b, st := load(t, path)
	if changed, err := b.Save(t.Context(), st); err != nil || changed {
		t.Fatalf("saving a version 1 state unchanged: changed %v, %v", changed, err)
	}
	assertUntouched(t, path, data)
	delete(st.Images, "image.tile[0]")
	if changed, err := b.Save(t.Context(), st); err != nil || !changed {
		t.Fatalf("saving a change: changed %v, %v", changed, err)
	}
	if _, back := load(t, path); back.Version != state.Version || state.Version != 5 {
		t.Errorf("written as version %d, want %d", back.Version, state.Version)
	}
}

// Save's compare-and-swap against edits from outside imgform: a file
// rewritten with other content (a git checkout, an editor) is a conflict;
// one rewritten with the same bytes is not.
func TestSaveAfterOutsideEdit(t *testing.T) {
	path := statePathIn(t)
	writeOld(t, path, mustMarshal(t, sampleState()))
	b, st := load(t, path)

	// Same bytes, new file: no conflict.
	same, _ := os.ReadFile(path)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, same, 0o644); err != nil {
		t.Fatal(err)
	}
	delete(st.Images, "image.tile[0]")
	if changed, err := b.Save(t.Context(), st); err != nil || !changed {
		t.Fatalf("saving after a same-bytes rewrite: changed %v, %v", changed, err)
	}

	// Other content, even of the same size: a conflict, nothing written.
	current, _ := os.ReadFile(path)
	edited := bytes.Replace(current, []byte(`"size": 1002`), []byte(`"size": 1003`), 1)
	if bytes.Equal(edited, current) || len(edited) != len(current) {
		t.Fatal("the edit did not apply")
	}
	fi, _ := os.Stat(path)
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	delete(st.Images, "image.tile[1]")
	changed, err := b.Save(t.Context(), st)
	var conflict *state.ConflictError
	if !errors.As(err, &conflict) || changed || conflict.Serial != 8 || conflict.Stored != 8 {
		t.Fatalf("saving over an outside edit: changed %v, %v", changed, err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, edited) {
		t.Errorf("a refused save wrote the file")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "run plan again") {
		t.Errorf("the message: %v", err)
	}
}
