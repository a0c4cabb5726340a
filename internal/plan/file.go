package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/imgform/imgform/internal/atomicfile"
)

// savedPlan is the content of a plan file (plan --out FILE).
type savedPlan struct {
	FormatVersion string `json:"format_version"`
	Kind          string `json:"kind"`
	// ConfigDigest covers the configuration files and every file they
	// read with file() (Sources): a saved plan is refused when one changed.
	ConfigDigest string    `json:"config_digest"`
	Sources      []string  `json:"sources"`
	Plan         *Document `json:"plan"`
}

// Saved is what a plan file holds besides the plan: what it was made from.
type Saved struct {
	ConfigDigest string
	Sources      []string
}

const savedPlanKind = "imgform-plan"

// Save writes a plan file atomically, with the files the configuration
// was read from and their digest.
func Save(path string, p *Plan, from Saved) error {
	data, err := json.MarshalIndent(savedPlan{FormatVersion: FormatVersion, Kind: savedPlanKind, ConfigDigest: from.ConfigDigest, Sources: from.Sources, Plan: p.Document()}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding plan: %w", err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o644)
}

// Load reads a plan file and what it was made from.
func Load(path string) (*Plan, Saved, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Saved{}, fmt.Errorf("reading plan file: %w", err)
	}
	var sp savedPlan
	if err := json.Unmarshal(data, &sp); err != nil || sp.Kind != savedPlanKind || sp.Plan == nil {
		return nil, Saved{}, fmt.Errorf("%s is not an imgform plan file", path)
	}
	if sp.FormatVersion != FormatVersion {
		return nil, Saved{}, fmt.Errorf("%s was saved with plan format %s; this imgform reads %s; make the plan again", path, sp.FormatVersion, FormatVersion)
	}
	p, err := sp.Plan.Plan()
	if err != nil {
		return nil, Saved{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, Saved{ConfigDigest: sp.ConfigDigest, Sources: sp.Sources}, nil
}

// IsPlanFile reports whether path looks like a saved plan (for show).
func IsPlanFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head struct {
		Kind string `json:"kind"`
	}
	return json.NewDecoder(io.LimitReader(f, 1<<30)).Decode(&head) == nil && head.Kind == savedPlanKind
}

// StaleError says why a saved plan no longer applies.
type StaleError struct{ Why string }

func (e *StaleError) Error() string {
	return "the saved plan is stale: " + e.Why + "; run imgform plan again"
}

// CheckFresh refuses a saved plan made against another state than the
// current one, or from configuration files that changed since. The
// configuration is not read again: its files are hashed, those the plan
// was made from and every configuration file there is now (so that a new
// one counts as a change).
func (p *Plan) CheckFresh(lineage string, serial uint64, from Saved, configFiles []string) error {
	switch {
	case p.Lineage == "" && lineage != "":
		return &StaleError{Why: "it was made before there was a state file, and one has been written since"}
	case p.Lineage != lineage:
		return &StaleError{Why: fmt.Sprintf("it was made for state lineage %s, but the state's lineage is %s", p.Lineage, lineage)}
	case p.Serial != serial:
		return &StaleError{Why: fmt.Sprintf("the state changed since (serial %d then, %d now)", p.Serial, serial)}
	}
	files := append([]string(nil), from.Sources...)
	known := map[string]bool{}
	for _, f := range files {
		known[f] = true
	}
	for _, f := range configFiles {
		if !known[f] {
			files = append(files, f)
		}
	}
	digest, err := ConfigDigest(files)
	if err != nil {
		return err
	}
	if digest != from.ConfigDigest {
		return &StaleError{Why: "the configuration files changed since"}
	}
	return nil
}

// ConfigDigest hashes the names and contents of the given files.
func ConfigDigest(files []string) (string, error) {
	sorted := append([]string(nil), files...)
	sort.Strings(sorted)
	h := sha256.New()
	for _, name := range sorted {
		data, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			data = nil
		} else if err != nil {
			return "", fmt.Errorf("hashing configuration: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
