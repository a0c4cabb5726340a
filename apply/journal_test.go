package apply

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/generate"
	"github.com/imgform/imgform/state"
)

func journalEntry(id string, submitted time.Time) JournalEntry {
	return JournalEntry{
		Address:   "image.tile[" + id + "]",
		InputHash: testHash(id),
		Samples:   1,
		BaseURL:   "http://127.0.0.1:8787",
		Job: generate.Job{
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
			if err := j.Record(e); err != nil {
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
			var onDisk JournalEntry
			if err := json.Unmarshal(data, &onDisk); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(e, onDisk); diff != "" {
				t.Errorf("recorded entry (-want +got):\n%s", diff)
			}
			got, err := j.Entries()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]JournalEntry{e}, got); diff != "" {
				t.Errorf("Entries (-want +got):\n%s", diff)
			}
			if err := j.Remove(tt.id); err != nil {
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
	if got, err := j.Entries(); err != nil || got != nil {
		t.Fatalf("Entries of a journal never written = %v, %v; want none", got, err)
	}
	now := time.Now()
	middle := journalEntry("middle", now.Add(-10*time.Minute))
	newest := journalEntry("newest", now)
	oldest := journalEntry("oldest", now.Add(-50*time.Minute))
	for _, e := range []JournalEntry{middle, newest, oldest} {
		if err := j.Record(e); err != nil {
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
	got, err := j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]JournalEntry{oldest, middle, newest}, got); diff != "" {
		t.Errorf("Entries (-want +got):\n%s", diff)
	}

	if err := j.Remove("middle"); err != nil {
		t.Fatal(err)
	}
	if err := j.Remove("never-recorded"); err != nil {
		t.Errorf("removing an unknown id: %v", err)
	}
	got, err = j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]JournalEntry{oldest, newest}, got); diff != "" {
		t.Errorf("Entries after Remove (-want +got):\n%s", diff)
	}
	for name := range junk {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("junk file %s was touched: %v", name, err)
		}
	}
}

func TestJournalResumable(t *testing.T) {
	const base = "http://127.0.0.1:8787"
	now := time.Now()
	entry := func(id, baseURL string, age time.Duration) JournalEntry {
		e := journalEntry(id, now.Add(-age))
		e.BaseURL = baseURL
		return e
	}
	j := NewJournal(filepath.Join(t.TempDir(), "jobs"))
	for _, e := range []JournalEntry{
		entry("fresh", base, time.Minute),
		entry("almost-expired", base, JobRetention-time.Minute),
		entry("expired", base, JobRetention+time.Minute),
		entry("other-endpoint", "https://api.segmind.com", time.Minute),
	} {
		if err := j.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := j.Resumable(base)
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[state.Hash]int{}
	for h, es := range got {
		hashes[h] = len(es)
	}
	want := map[state.Hash]int{testHash("fresh"): 1, testHash("almost-expired"): 1}
	if diff := cmp.Diff(want, hashes); diff != "" {
		t.Errorf("Resumable (-want +got):\n%s", diff)
	}
	if !got.Has(testHash("fresh"), false) || got.Has(testHash("fresh"), true) {
		t.Error("a job of an ordinary run must stand in for an ordinary change only, not a forced replacement")
	}
	forced := entry("forced", base, time.Minute)
	forced.Forced = true
	if err := j.Record(forced); err != nil {
		t.Fatal(err)
	}
	if got, err = j.Resumable(base); err != nil || !got.Has(testHash("forced"), true) || !got.Has(testHash("forced"), false) {
		t.Errorf("a job of a forced replacement must stand in for either kind of change (err %v)", err)
	}
}

func TestJournalGitignore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "jobs")
	if err := NewJournal(dir).Record(journalEntry("abc", time.Now())); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !hasLine(string(data), "*") {
		t.Errorf(".gitignore is %q; want a line \"*\"", data)
	}
}
