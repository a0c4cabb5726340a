package local

import (
	"context"
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

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/state"
)

// Journal is the job journal in a directory: one fsynced file per job,
// named by its id.
type Journal struct {
	dir string
	// fence checks, before a pending record is written, that the run
	// holds the workspace lock; nil refuses pending records (a journal
	// opened on its own belongs to no run's lock).
	fence func() error
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
func (j *Journal) Record(_ context.Context, e state.JobRecord) error {
	if e.Pending {
		if j.fence == nil {
			return &state.LockLostError{Where: j.dir, Reason: "this journal belongs to no run holding the state lock"}
		}
		if err := j.fence(); err != nil {
			return err
		}
	}
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
	if e.Pending {
		// The lock may have been forced away between the check and the
		// write, and the new holder may have read the journal without
		// this record: checked again, a pending record exists only if
		// the lock was held after it was written.
		if err := j.fence(); err != nil {
			_ = os.Remove(j.path(e.Job.ID))
			return err
		}
	}
	return nil
}

// Remove deletes the entry of a job whose images are safe (in the cache).
func (j *Journal) Remove(_ context.Context, requestID string) error {
	err := os.Remove(j.path(requestID))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing journaled job %s: %w", requestID, err)
	}
	return nil
}

// List returns the journaled jobs, oldest first. Files that cannot be
// read are skipped; they are not imgform's or are half-written.
func (j *Journal) List(_ context.Context) ([]state.JobRecord, error) {
	files, err := os.ReadDir(j.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the job journal: %w", err)
	}
	var out []state.JobRecord
	for _, f := range files {
		if f.IsDir() || !strings.HasSuffix(f.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(j.dir, f.Name()))
		if err != nil {
			continue
		}
		var e state.JobRecord
		if json.Unmarshal(data, &e) != nil || e.Job.ID == "" {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Job.Submitted.Before(out[b].Job.Submitted) })
	return out, nil
}
