package version

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The VERSION file this build embeds is a semantic version.
func TestVersionFile(t *testing.T) {
	v, err := Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	if Number() != v {
		t.Errorf("Number() = %q, VERSION says %q", Number(), v)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]string{
		"0.5.0\n": "v0.5.0", "0.5.0-dev": "v0.5.0-dev", " 1.12.3-rc.1 \n": "v1.12.3-rc.1",
	} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "v0.5.0", "0.5", "0.5.0.1", "05.0.0", "0.5.0-", "0.5.0\n0.6.0", "(devel)"} {
		if got, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", bad, got)
		}
	}
}

func TestFrom(t *testing.T) {
	platform := " (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	vcs := func(rev, when, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: when}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "3eb2234e2809718c1180d9eeb8bbb99c7faa04c2"
	tests := map[string]struct {
		number, commit, date string
		bi                   *debug.BuildInfo
		want                 string
		module               string
	}{
		"a release build, stamped": {
			number: "v0.5.0", commit: rev, date: "2026-12-02T04:43:57Z",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v0.5.0"}},
			want: "imgform v0.5.0, built from commit 3eb2234e2809 of 2026-12-02T04:43:57Z",
		},
		"go install @version": {
			number: "v0.5.0",
			bi:     &debug.BuildInfo{Main: debug.Module{Version: "v0.5.0"}},
			want:   "imgform v0.5.0",
		},
		"a clone between releases": {
			number: "v0.5.0-dev",
			bi:     &debug.BuildInfo{Main: debug.Module{Version: "v0.4.1-0.20261202044357-3eb2234e2809"}, Settings: vcs(rev, "2026-12-02T04:43:57Z", "false")},
			want:   "imgform v0.5.0-dev, built from commit 3eb2234e2809 of 2026-12-02T04:43:57Z",
			module: "v0.4.1-0.20261202044357-3eb2234e2809",
		},
		"a clone with changes": {
			number: "v0.5.0-dev",
			bi:     &debug.BuildInfo{Main: debug.Module{Version: "v0.4.1-0.20261202044357-3eb2234e2809+dirty"}, Settings: vcs(rev, "2026-12-02T04:43:57Z", "true")},
			want:   "imgform v0.5.0-dev, built from commit 3eb2234e2809 of 2026-12-02T04:43:57Z, with changes not committed",
			module: "v0.4.1-0.20261202044357-3eb2234e2809+dirty",
		},
		"a revision without a time": {
			number: "v0.5.0-dev",
			bi:     &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "", "true")},
			want:   "imgform v0.5.0-dev, built from commit 3eb2234e2809, with changes not committed",
		},
		"-buildvcs=false, a tarball": {
			number: "v0.5.0-dev",
			bi:     &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want:   "imgform v0.5.0-dev",
		},
		"a snapshot built where git could not be read": {
			number: "v0.5.0-dev", commit: "none", date: "0001-01-01T00:00:00Z",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want: "imgform v0.5.0-dev",
		},
		"the stamp wins over what go recorded": {
			number: "v0.5.0", commit: rev, date: "2026-12-02T04:43:57Z",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef", "2030-01-01T00:00:00Z", "false")},
			want: "imgform v0.5.0, built from commit 3eb2234e2809 of 2026-12-02T04:43:57Z",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			v := from(tt.number, tt.commit, tt.date, tt.bi)
			if diff := cmp.Diff(tt.want+platform, v.String()); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if v.Module != tt.module {
				t.Errorf("module version %q, want %q", v.Module, tt.module)
			}
		})
	}
	if got := from("v0.5.0-dev", "", "", nil).String(); got != "imgform v0.5.0-dev"+platform {
		t.Errorf("without build info: %q", got)
	}
}
