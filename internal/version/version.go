package version

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
)

//go:embed VERSION
var file string

// commit and date are stamped by the release build:
// -ldflags "-X github.com/imgform/imgform/internal/version.commit=...
// -X github.com/imgform/imgform/internal/version.date=...".
var (
	commit string
	date   string
)

// semver is what VERSION must hold: MAJOR.MINOR.PATCH with an optional
// pre-release ("-dev", "-rc.1"), as semver.org has it, without the v.
var semver = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// Parse reads the contents of a VERSION file: one semantic version, on
// one line, without the leading v.
func Parse(contents string) (string, error) {
	v := strings.TrimSpace(contents)
	if !semver.MatchString(v) {
		return "", fmt.Errorf("VERSION holds %q, not a semantic version such as 0.5.0 or 0.5.0-dev", v)
	}
	return "v" + v, nil
}

// Number is this build's version, with its v: "v0.5.0", or "v0.5.0-dev"
// between releases.
func Number() string {
	v, err := Parse(file)
	if err != nil {
		// TestVersionFile keeps this from happening in a build that
		// passed its tests; say it rather than print a wrong version.
		return "v0.0.0-invalid"
	}
	return v
}

// Info is what imgform knows of the build it runs as.
type Info struct {
	// Version is VERSION's: "v0.5.0", or "v0.5.0-dev" between releases.
	Version string `json:"version"`
	// Revision and Time are the commit the build was made from and its
	// date, as the release build stamped them or go build recorded them
	// from a clone; empty when neither did (go install @version,
	// -buildvcs=false, a tarball).
	Revision string `json:"revision,omitempty"`
	Time     string `json:"revision_time,omitempty"`
	// Modified: the clone had changes not committed.
	Modified bool `json:"modified,omitempty"`
	// Module is the version go recorded for the module when it is
	// another than Version: a pseudo-version (go install @commit), or a
	// tag that VERSION does not name.
	Module   string `json:"module_version,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// Get is the Info of this binary.
func Get() Info {
	bi, _ := debug.ReadBuildInfo() // nil when the binary has none
	return from(Number(), commit, date, bi)
}

// from puts together what the build knows: the number from VERSION; the
// commit and date stamped at release (first) or recorded by go build.
func from(number, stampedCommit, stampedDate string, bi *debug.BuildInfo) Info {
	// A build that could not read git stamps what it has instead:
	// GoReleaser's "none" and the zero time. That is no commit.
	if stampedCommit == "none" {
		stampedCommit = ""
	}
	if strings.HasPrefix(stampedDate, "0001-01-01") {
		stampedDate = ""
	}
	v := Info{Version: number, Revision: stampedCommit, Time: stampedDate, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi == nil {
		return v
	}
	if mv := bi.Main.Version; mv != "" && mv != "(devel)" && mv != number {
		v.Module = mv
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if v.Revision == "" {
				v.Revision = s.Value
			}
		case "vcs.time":
			if v.Time == "" {
				v.Time = s.Value
			}
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the one line imgform version prints:
//
//	imgform v0.5.0 (go1.26.8 linux/amd64)
//	imgform v0.5.0-dev, built from commit 320558d1a2b3 of 2026-12-02T10:37:00Z, with changes not committed (go1.26.8 linux/amd64)
func (v Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "imgform %s", v.Version)
	if v.Revision != "" {
		fmt.Fprintf(&b, ", built from commit %s", shortRevision(v.Revision))
		if v.Time != "" {
			fmt.Fprintf(&b, " of %s", v.Time)
		}
	}
	if v.Modified {
		b.WriteString(", with changes not committed")
	}
	fmt.Fprintf(&b, " (%s %s)", v.Go, v.Platform)
	return b.String()
}

func shortRevision(r string) string {
	if len(r) > 12 {
		return r[:12]
	}
	return r
}

// Write writes v as imgform version prints it: a line, or (asJSON) an
// indented JSON object.
func (v Info) Write(w io.Writer, asJSON bool) error {
	if !asJSON {
		_, err := fmt.Fprintln(w, v)
		return err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}
