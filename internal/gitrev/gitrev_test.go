package gitrev

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run runs git in dir, with an author of its own.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func needGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is not installed")
		}
		t.Skip("git is not installed")
	}
}

func commit(t *testing.T, dir, file, content string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "add", file)
	run(t, dir, "commit", "-q", "-m", "change "+file)
	return run(t, dir, "rev-parse", "HEAD")
}

// Two clones of one repository: the one behind does not have the other's
// newer commit, the one ahead has every older one.
func TestIsAncestor(t *testing.T) {
	needGit(t)
	origin := t.TempDir()
	run(t, origin, "init", "-q", "-b", "main")
	first := commit(t, origin, "a.img.hcl", "one")
	behind := filepath.Join(t.TempDir(), "behind")
	run(t, filepath.Dir(behind), "clone", "-q", origin, behind)
	second := commit(t, origin, "a.img.hcl", "two")

	ctx := context.Background()
	old, err := Open(ctx, filepath.Join(behind))
	if err != nil || old == nil {
		t.Fatalf("Open of a clone: %v, %v", old, err)
	}
	if old.Head() != first {
		t.Errorf("head %s, want %s", old.Head(), first)
	}
	for commit, want := range map[string]bool{first: true, second: false, first[:10]: true} {
		if got, err := old.IsAncestor(ctx, commit); err != nil || got != want {
			t.Errorf("behind: IsAncestor(%s) = %v, %v; want %v", commit[:10], got, err, want)
		}
	}
	ahead, err := Open(ctx, origin)
	if err != nil || ahead == nil {
		t.Fatal(err)
	}
	if got, err := ahead.IsAncestor(ctx, first); err != nil || !got {
		t.Errorf("ahead: IsAncestor(first) = %v, %v", got, err)
	}
	// A branch that went another way has neither's later commits.
	run(t, behind, "checkout", "-q", "-b", "other")
	third := commit(t, behind, "b.img.hcl", "three")
	side, err := Open(ctx, behind)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := side.IsAncestor(ctx, second); got {
		t.Error("a commit of another branch is taken for an ancestor")
	}
	if got, _ := ahead.IsAncestor(ctx, third); got {
		t.Error("a commit the clone does not have is taken for an ancestor")
	}
	if _, err := side.IsAncestor(ctx, "--all"); err == nil {
		t.Error("an option was taken for a commit")
	}
}

// Outside a working tree, or before its first commit, there is no
// revision and no error.
func TestNoRepository(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	if r, err := Open(context.Background(), dir); r != nil || err != nil {
		t.Errorf("Open outside git: %v, %v", r, err)
	}
	run(t, dir, "init", "-q")
	if r, err := Open(context.Background(), dir); r != nil || err != nil {
		t.Errorf("Open of a repository without commits: %v, %v", r, err)
	}
}

// A shallow clone cannot tell about a commit older than its depth: it
// says so, and how to fix it, instead of taking it for a newer one.
func TestShallowClone(t *testing.T) {
	needGit(t)
	origin := t.TempDir()
	run(t, origin, "init", "-q", "-b", "main")
	first := commit(t, origin, "a.img.hcl", "one")
	commit(t, origin, "a.img.hcl", "two")
	shallow := filepath.Join(t.TempDir(), "shallow")
	run(t, filepath.Dir(shallow), "clone", "-q", "--depth", "1", "file://"+origin, shallow)
	r, err := Open(context.Background(), shallow)
	if err != nil || r == nil {
		t.Fatal(err)
	}
	_, err = r.IsAncestor(context.Background(), first)
	var se *ShallowError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "fetch-depth: 0") {
		t.Errorf("IsAncestor of a commit older than a shallow clone: %v", err)
	}
}
