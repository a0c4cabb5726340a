package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A binary built from a clone names VERSION's version and the commit, as
// go build records it; built with -buildvcs=false (which some machines set
// in GOFLAGS), it still names VERSION's version. The clone is a repository
// of its own holding the module's files as they are now, in one commit,
// so that what is tested is this code.
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

	number := "v" + strings.TrimSpace(readRepoFile(t, "internal/version/VERSION"))
	bin := filepath.Join(t.TempDir(), "imgform")
	build := func(buildvcs string) {
		t.Helper()
		cmd := exec.Command("go", "build", "-buildvcs="+buildvcs, "-o", bin, "./cmd/imgform")
		cmd.Dir = clone
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	build("true")
	version := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("imgform %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	want := "imgform " + number + ", built from commit " + head[:12] + " of "
	if got := version("version"); !strings.HasPrefix(got, want) || strings.Contains(got, "changes not committed") {
		t.Errorf("imgform version from a clean clone at %s says %q, want it to start %q", head[:12], got, want)
	}
	if got := version("-v"); !strings.HasPrefix(got, want) {
		t.Errorf("imgform -v says %q, want it to start %q", got, want)
	}
	if got := version("version", "--json"); !strings.Contains(got, `"version": "`+number+`"`) || !strings.Contains(got, `"revision": "`+head+`"`) || strings.Contains(got, `"modified"`) {
		t.Errorf("imgform version --json from a clean clone:\n%s", got)
	}

	// Without VCS stamping: the version alone, from VERSION.
	build("false")
	if got, want := version("--version"), "imgform "+number+" ("; !strings.HasPrefix(got, want) {
		t.Errorf("built with -buildvcs=false, imgform --version says %q, want it to start %q", got, want)
	}

	// A change not committed is said.
	if err := os.WriteFile(filepath.Join(clone, "README.md"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build("true")
	if got := version("version"); !strings.Contains(got, "with changes not committed") {
		t.Errorf("imgform version from a changed clone says %q", got)
	}
}
