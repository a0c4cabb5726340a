package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/imgform/imgform/generate"
	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/plan"
	"github.com/imgform/imgform/state"
)

// JobRetention is how long the service keeps a job's result after it was
// submitted. A journaled job older than this cannot be resumed.
const JobRetention = time.Hour

// Journal records every submitted v2 job before its result is polled, in
// .imgform/jobs/ beside the state, one fsynced file per job. A run that is
// killed, or interrupted, leaves its jobs there; the next run follows them
// to their results instead of paying for the images again.
type Journal struct {
	dir string
}

// JournalEntry is one submitted job. It holds no secret: not the key, and
// not the request's text beyond its hash.
type JournalEntry struct {
	Address   string       `json:"address"`
	InputHash state.Hash   `json:"input_hash"`
	Samples   int          `json:"samples"`
	BaseURL   string       `json:"base_url"`
	Job       generate.Job `json:"job"`
	// Forced marks a job submitted for a forced replacement (--replace):
	// the new image it asked for, which only another forced replacement
	// of the same request takes. Seed is the seed it was sent with (a
	// random seed is drawn anew for a replacement).
	Forced bool  `json:"forced,omitempty"`
	Seed   int64 `json:"seed,omitempty"`
}

// NewJournal returns the journal kept in dir.
func NewJournal(dir string) *Journal { return &Journal{dir: dir} }

// path is the file of a job. A request id is the file's name when it is a
// safe one on every system (the service's ids are UUIDs); any other id is
// named by its hash.
func (j *Journal) path(requestID string) string {
	name := requestID
	if !safeName(name) {
		sum := sha256.Sum256([]byte(requestID))
		name = hex.EncodeToString(sum[:16])
	}
	return filepath.Join(j.dir, name+".json")
}

// safeName reports whether s is a file name on every system as it is: 1 to
// 100 ASCII letters, digits, '-', '_' and '.', not starting with a dot.
func safeName(s string) bool {
	if s == "" || len(s) > 100 || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Record writes an entry durably; it returns only once the entry would
// survive a crash.
func (j *Journal) Record(e JournalEntry) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteGitignore(j.dir, "imgform's job journal"); err != nil {
		return fmt.Errorf("journaling job %s: %w", e.Job.ID, err)
	}
	if err := atomicfile.WriteFile(j.path(e.Job.ID), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("journaling job %s: %w", e.Job.ID, err)
	}
	return nil
}

// Remove deletes the entry of a job whose images are safe (in the cache).
func (j *Journal) Remove(requestID string) error {
	err := os.Remove(j.path(requestID))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing journaled job %s: %w", requestID, err)
	}
	return nil
}

// Entries returns the journaled jobs, oldest first. Files that cannot be
// read are skipped; they are not imgform's or are half-written.
func (j *Journal) Entries() ([]JournalEntry, error) {
	files, err := os.ReadDir(j.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the job journal: %w", err)
	}
	var out []JournalEntry
	for _, f := range files {
		if f.IsDir() || !strings.HasSuffix(f.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(j.dir, f.Name()))
		if err != nil {
			continue
		}
		var e JournalEntry
		if json.Unmarshal(data, &e) != nil || e.Job.ID == "" {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Job.Submitted.Before(out[b].Job.Submitted) })
	return out, nil
}

// Resumable is what the journal holds for one endpoint: the jobs that may
// still be resumed, by input hash.
type Resumable map[state.Hash][]JournalEntry

// Has reports a job a change of input hash h can resume instead of paying
// again (plan shows it as already paid). A forced replacement takes only
// a job that was submitted for one; any other change takes any.
func (r Resumable) Has(h state.Hash, forced bool) bool {
	for _, e := range r[h] {
		if e.Forced || !forced {
			return true
		}
	}
	return false
}

// PaidReplacements returns the jobs of forced replacements of addr.
func (r Resumable) PaidReplacements(addr string) []plan.PaidJob {
	var out []plan.PaidJob
	for _, es := range r {
		for _, e := range es {
			if e.Forced && e.Address == addr {
				out = append(out, plan.PaidJob{InputHash: e.InputHash, Seed: e.Seed})
			}
		}
	}
	return out
}

// Count is the number of jobs.
func (r Resumable) Count() int {
	n := 0
	for _, es := range r {
		n += len(es)
	}
	return n
}

// Resumable returns the journaled jobs that may still be resumed against
// baseURL.
func (j *Journal) Resumable(baseURL string) (Resumable, error) {
	entries, err := j.Entries()
	if err != nil {
		return nil, err
	}
	out := Resumable{}
	for _, e := range entries {
		if e.BaseURL == baseURL && time.Since(e.Job.Submitted) < JobRetention {
			out[e.InputHash] = append(out[e.InputHash], e)
		}
	}
	return out, nil
}
