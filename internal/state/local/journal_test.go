package local

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/state"
)

func journalEntry(id string, submitted time.Time) state.JobRecord {
	return state.JobRecord{
		Address:   "image.tile[" + id + "]",
		InputHash: state.SumBytes([]byte(id)),
		Samples:   1,
		Endpoint:  "http://127.0.0.1:8787",
		Job: model.Job{
			ID:          id,
			StatusURL:   "http://127.0.0.1:8787/v2/requests/" + id + "/status",
			ResponseURL: "http://127.0.0.1:8787/v2/requests/" + id,
			Submitted:   submitted.UTC().Truncate(time.Millisecond),
		},
	}
}

// safeFileName is what a journal file may be called on any system.
var safeFileName = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]*\.json$`)

func TestJournalRecord(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		id       string
		fileName string // "" when it must be made safe (any safe name)
	}{
		{"uuid", "8f14e45f-ceea-467f-a8a9-2d1c3b4e5f60", "8f14e45f-ceea-467f-a8a9-2d1c3b4e5f60.json"},
		{"path traversal", "../../etc/passwd", ""},
		{"slash", "a/b", ""},
		{"backslash", `a\b`, ""},
		{"drive letter", "C:evil", ""},
		{"dot file", ".gitignore", ""},
		{"dot dot", "..", ""},
		{"NUL", "a\x00b", ""},
		{"newline", "a\nb", ""},
		{"space", "a b", ""},
		{"windows-reserved characters", `a<b>c|d?e*f"g`, ""},
		{"non-ASCII", "ジョブ", ""},
		{"very long", strings.Repeat("x", 300), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "jobs")
			j := NewJournal(dir)
			e := journalEntry(tt.id, now)
			if err := j.Record(t.Context(), e); err != nil {
				t.Fatalf("Record: %v", err)
			}
			files := jsonFiles(t, dir)
			if len(files) != 1 {
				t.Fatalf("the journal holds %v, want one file", files)
			}
			name := files[0]
			if tt.fileName != "" && name != tt.fileName {
				t.Errorf("file %q, want %q", name, tt.fileName)
			}
			if !safeFileName.MatchString(name) || len(name) > 110 {
				t.Errorf("file name %q is not a safe file name", name)
			}
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			var onDisk state.JobRecord
			if err := json.Unmarshal(data, &onDisk); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(e, onDisk); diff != "" {
				t.Errorf("recorded entry (-want +got):\n%s", diff)
			}
			got, err := j.List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]state.JobRecord{e}, got); diff != "" {
				t.Errorf("Entries (-want +got):\n%s", diff)
			}
			if err := j.Remove(t.Context(), tt.id); err != nil {
				t.Fatal(err)
			}
			if files := jsonFiles(t, dir); len(files) != 0 {
				t.Errorf("after Remove the journal holds %v", files)
			}
		})
	}
}

// jsonFiles lists the names of the .json files in dir.
func jsonFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestJournalEntries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "jobs")
	j := NewJournal(dir)
	if got, err := j.List(t.Context()); err != nil || got != nil {
		t.Fatalf("Entries of a journal never written = %v, %v; want none", got, err)
	}
	now := time.Now()
	middle := journalEntry("middle", now.Add(-10*time.Minute))
	newest := journalEntry("newest", now)
	oldest := journalEntry("oldest", now.Add(-50*time.Minute))
	for _, e := range []state.JobRecord{middle, newest, oldest} {
		if err := j.Record(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	junk := map[string]string{
		"notes.txt":        "not a journal entry",
		"broken.json":      `{"address": "image.x`,
		"empty.json":       "",
		"no-id.json":       `{"address": "image.x", "job": {}}`,
		"array.json":       `[1, 2, 3]`,
		".half-written123": `{"job": {"request_id": "partial"`,
	}
	for name, content := range junk {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "subdir.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := j.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]state.JobRecord{oldest, middle, newest}, got); diff != "" {
		t.Errorf("Entries (-want +got):\n%s", diff)
	}

	if err := j.Remove(t.Context(), "middle"); err != nil {
		t.Fatal(err)
	}
	if err := j.Remove(t.Context(), "never-recorded"); err != nil {
		t.Errorf("removing an unknown id: %v", err)
	}
	got, err = j.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]state.JobRecord{oldest, newest}, got); diff != "" {
		t.Errorf("Entries after Remove (-want +got):\n%s", diff)
	}
	for name := range junk {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("junk file %s was touched: %v", name, err)
		}
	}
}

func TestJournalGitignore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "jobs")
	if err := NewJournal(dir).Record(t.Context(), journalEntry("abc", time.Now())); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Split(string(data), "\n"), "*") {
		t.Errorf(".gitignore is %q; want a line \"*\"", data)
	}
}
