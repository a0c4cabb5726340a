package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = ""

// buildVersion is what imgform knows of the build it runs as.
type buildVersion struct {
	// Version is the module version: a release (go install
	// .../cmd/imgform@v1.2.3), the pseudo-version go derives from the
	// commit of a clone, or "(devel)" when neither is known.
	Version string `json:"version"`
	// Revision, Time and Modified are the commit a clone was built from,
	// its time, and whether the clone had changes not committed; empty
	// when the build did not record them (go install @version, or
	// -buildvcs=false).
	Revision string `json:"revision,omitempty"`
	Time     string `json:"revision_time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// develVersion is the version of a build that knows none.
const develVersion = "(devel)"

// versionOf reads the version from what the build recorded: the version
// set at release time (ldflags) first, then the main module's version,
// then the VCS revision, else develVersion.
func versionOf(ldflags string, bi *debug.BuildInfo, ok bool) buildVersion {
	v := buildVersion{Version: develVersion, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if ok {
		if mv := bi.Main.Version; mv != "" && mv != develVersion {
			v.Version = mv
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if ldflags != "" {
		v.Version = ldflags
	}
	return v
}

// String is the one line imgform version prints: the release, else the
// commit it was built from, else the module version or (devel).
func (v buildVersion) String() string {
	var b strings.Builder
	release := v.Version != develVersion && !pseudoVersion.MatchString(v.Version)
	switch {
	case release || v.Revision == "":
		fmt.Fprintf(&b, "imgform %s", v.Version)
	default:
		fmt.Fprintf(&b, "imgform built from commit %s", shortRevision(v.Revision))
		if v.Time != "" {
			fmt.Fprintf(&b, " of %s", v.Time)
		}
		if v.Modified {
			b.WriteString(", with changes not committed")
		}
	}
	fmt.Fprintf(&b, " (%s %s)", v.Go, v.Platform)
	return b.String()
}

// pseudoVersion matches the version go gives a commit that is not a
// release (v0.0.0-20260102150405-0123456789ab, and its +dirty form).
var pseudoVersion = regexp.MustCompile(`[-.][0-9]{14}-[0-9a-f]{12}(\+dirty)?$`)

func shortRevision(r string) string {
	if len(r) > 12 {
		return r[:12]
	}
	return r
}

// currentVersion is the version of this binary.
func currentVersion() buildVersion {
	bi, ok := debug.ReadBuildInfo()
	return versionOf(version, bi, ok)
}

// versionString is the version alone, for the user agent.
func versionString() string { return currentVersion().Version }

type versionOptions struct {
	json bool
}

func versionCommand() *command {
	var o versionOptions
	return &command{
		name:  "version",
		short: "Print the version (also imgform --version or -v)",
		long: "Print imgform's version: the release it was installed at (go install ...@v1.2.3), else the commit it was built from and whether the clone had changes not committed, else (devel); then the Go version it was built with and the platform. " +
			"imgform --version and imgform -v print the same.",
		flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&o.json, "json", false, "print the version as one JSON object")
		},
		noGlobals: true,
		run: func(ctx context.Context, e *env, args []string) error {
			return runVersion(e, o)
		},
	}
}

func runVersion(e *env, o versionOptions) error {
	v := currentVersion()
	if o.json {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", data)
		return err
	}
	_, err := fmt.Fprintln(e.stdout, v)
	return err
}
