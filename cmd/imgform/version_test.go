package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVersionOf(t *testing.T) {
	platform := " (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	vcs := func(rev, when, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: when}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "3eb2234e2809718c1180d9eeb8bbb99c7faa04c2"
	tests := map[string]struct {
		ldflags string
		bi      *debug.BuildInfo
		want    string
	}{
		"go install @version": {
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}},
			want: "imgform v1.2.3",
		},
		"a clone at a release tag": {
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: vcs(rev, "2026-12-02T04:43:57Z", "false")},
			want: "imgform v1.2.3",
		},
		"a clone between releases": {
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202044357-3eb2234e2809"}, Settings: vcs(rev, "2026-12-02T04:43:57Z", "false")},
			want: "imgform built from commit 3eb2234e2809 of 2026-12-02T04:43:57Z",
		},
		"a clone with changes": {
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202044357-3eb2234e2809+dirty"}, Settings: vcs(rev, "2026-12-02T04:43:57Z", "true")},
			want: "imgform built from commit 3eb2234e2809 of 2026-12-02T04:43:57Z, with changes not committed",
		},
		"go before 1.24: no module version, a revision": {
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "", "true")},
			want: "imgform built from commit 3eb2234e2809, with changes not committed",
		},
		"go install @commit": {
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202044357-3eb2234e2809"}},
			want: "imgform v0.0.0-20261202044357-3eb2234e2809",
		},
		"nothing recorded": {
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want: "imgform (devel)",
		},
		"set at release time": {
			ldflags: "v2.0.0",
			bi:      &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "", "false")},
			want:    "imgform v2.0.0",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := versionOf(tt.ldflags, tt.bi, true).String()
			if diff := cmp.Diff(tt.want+platform, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	if got := versionOf("", nil, false).String(); got != "imgform (devel)"+platform {
		t.Errorf("without build info: %q", got)
	}
}

// A binary built from a clone says which commit, as go build records it
// (unless -buildvcs=false, which some machines set in GOFLAGS). The clone
// is a repository of its own holding the module's files as they are now,
// in one commit, so that what is tested is this code.
func TestVersionOfAClone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds imgform from a clone")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	files, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v)", err)
	}
	clone := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(clone, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", clone, "-c", "user.name=imgform test", "-c", "user.email=test@imgform.invalid", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "the module as it is")
	head := git("rev-parse", "HEAD")

	bin := filepath.Join(t.TempDir(), "imgform")
	build := func() {
		t.Helper()
		cmd := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/imgform")
		cmd.Dir = clone
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	build()
	version := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("imgform %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	want := "imgform built from commit " + head[:12] + " of "
	if got := version("version"); !strings.HasPrefix(got, want) || strings.Contains(got, "changes not committed") {
		t.Errorf("imgform version from a clean clone at %s says %q, want it to start %q", head[:12], got, want)
	}
	if got := version("-v"); !strings.HasPrefix(got, want) {
		t.Errorf("imgform -v says %q, want it to start %q", got, want)
	}
	if got := version("version", "--json"); !strings.Contains(got, `"revision": "`+head+`"`) || strings.Contains(got, `"modified"`) {
		t.Errorf("imgform version --json from a clean clone:\n%s", got)
	}

	// A change not committed is said.
	if err := os.WriteFile(filepath.Join(clone, "README.md"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build()
	if got := version("version"); !strings.Contains(got, "with changes not committed") {
		t.Errorf("imgform version from a changed clone says %q", got)
	}
}
