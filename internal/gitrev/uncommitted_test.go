package gitrev

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// The edit -> apply -> commit loop: an author applies changes not yet
// committed (a changed file in a subdirectory, a new untracked one, a
// deleted one); a teammate at the commit they started from does not
// hold them; once committed and pulled, the teammate does, also after
// editing the files again; the author's own checkout after git stash
// does not.
func TestUncommittedAndHolds(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	origin := t.TempDir()
	run(t, origin, "init", "-q", "-b", "main")
	if err := os.Mkdir(filepath.Join(origin, "art"), 0o755); err != nil {
		t.Fatal(err)
	}
	commit(t, origin, "art/a.img.hcl", "a one")
	commit(t, origin, "art/gone.img.hcl", "to be deleted")
	base := commit(t, origin, "art/prompt.txt", "prompt one")
	teammate := filepath.Join(t.TempDir(), "teammate")
	run(t, filepath.Dir(teammate), "clone", "-q", origin, teammate)

	dir := filepath.Join(origin, "art")
	author, err := Open(ctx, dir)
	if err != nil || author == nil {
		t.Fatalf("Open: %v, %v", author, err)
	}
	if got, err := author.Uncommitted(ctx, []string{"a.img.hcl", "prompt.txt"}, []string{"*.img.hcl"}); err != nil || len(got) != 0 {
		t.Fatalf("clean tree: Uncommitted = %v, %v; want none", got, err)
	}

	write := func(dir, name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(dir, "a.img.hcl", "a two")
	write(dir, "new.img.hcl", "new")
	write(dir, "unrelated.txt", "not configuration")
	if err := os.Remove(filepath.Join(dir, "gone.img.hcl")); err != nil {
		t.Fatal(err)
	}
	applied := time.Now()
	files, err := author.Uncommitted(ctx, []string{"a.img.hcl", "new.img.hcl", "prompt.txt"}, []string{"*.img.hcl"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"art/a.img.hcl":    run(t, dir, "hash-object", "a.img.hcl"),
		"art/new.img.hcl":  run(t, dir, "hash-object", "new.img.hcl"),
		"art/gone.img.hcl": "",
	}
	if !reflect.DeepEqual(files, want) {
		t.Fatalf("Uncommitted = %v, want %v", files, want)
	}
	// A configuration that reads more files than git is asked about one
	// by one: the same answer, from one listing.
	many := []string{"a.img.hcl", "new.img.hcl", "prompt.txt"}
	for i := range maxPathspecs {
		many = append(many, fmt.Sprintf("prompts/%d.txt", i))
	}
	if got, err := author.Uncommitted(ctx, many, []string{"*.img.hcl"}); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Uncommitted of %d files = %v, %v; want %v", len(many), got, err, want)
	}
	if ok, err := author.Holds(ctx, base, files, applied); err != nil || !ok {
		t.Errorf("the author's own tree: Holds = %v, %v; want true", ok, err)
	}

	mate, err := Open(ctx, filepath.Join(teammate, "art"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := mate.Holds(ctx, base, files, applied); err != nil || ok {
		t.Errorf("a teammate at the base: Holds = %v, %v; want false", ok, err)
	}

	// Committed, pulled, and edited again: held, through the history.
	run(t, origin, "add", "-A")
	run(t, origin, "commit", "-q", "-m", "the changes")
	run(t, teammate, "pull", "-q", "--ff-only")
	write(filepath.Join(teammate, "art"), "a.img.hcl", "a three")
	mate, err = Open(ctx, filepath.Join(teammate, "art"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := mate.Holds(ctx, base, files, applied); err != nil || !ok {
		t.Errorf("a teammate who pulled the commit: Holds = %v, %v; want true", ok, err)
	}

	// The author stashes changes never committed: not held.
	write(dir, "a.img.hcl", "a four")
	files4, err := author.Uncommitted(ctx, []string{"a.img.hcl"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	run(t, origin, "stash", "-q")
	author, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := author.Holds(ctx, author.Head(), files4, applied); err != nil || ok {
		t.Errorf("after git stash: Holds = %v, %v; want false", ok, err)
	}
	run(t, origin, "stash", "pop", "-q")
	author, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := author.Holds(ctx, author.Head(), files4, applied); err != nil || !ok {
		t.Errorf("after git stash pop: Holds = %v, %v; want true", ok, err)
	}

	// A path that leaves the repository is refused, not asked about.
	if _, err := author.Holds(ctx, base, map[string]string{"../x": ""}, applied); err == nil {
		t.Error("Holds took a path outside the repository")
	}
}

// A shallow clone that lacks the base commit cannot tell.
func TestHoldsShallow(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	origin := t.TempDir()
	run(t, origin, "init", "-q", "-b", "main")
	base := commit(t, origin, "a.img.hcl", "one")
	commit(t, origin, "a.img.hcl", "two")
	commit(t, origin, "b.img.hcl", "three")
	shallow := filepath.Join(t.TempDir(), "shallow")
	run(t, filepath.Dir(shallow), "clone", "-q", "--depth", "1", "file://"+origin, shallow)
	r, err := Open(ctx, shallow)
	if err != nil || r == nil {
		t.Fatal(r, err)
	}
	if !r.Shallow() {
		t.Fatal("a --depth 1 clone is not called shallow")
	}
	_, err = r.Holds(ctx, base, map[string]string{"a.img.hcl": "0123456789012345678901234567890123456789"}, time.Now())
	var se *ShallowError
	if !errors.As(err, &se) {
		t.Errorf("Holds in a shallow clone without the base: %v, want a *ShallowError", err)
	}
}

// commitAt commits everything in dir with the committer date given.
func commitAt(t *testing.T, dir string, when time.Time) {
	t.Helper()
	run(t, dir, "add", "-A")
	cmd := exec.Command("git", "-C", dir, "commit", "-q", "-m", "at "+when.String())
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_COMMITTER_DATE="+when.Format(time.RFC3339), "GIT_AUTHOR_DATE="+when.Format(time.RFC3339))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git commit: %v\n%s", err, out)
	}
}

// A version committed after the change was applied (the author applied
// v2, then committed v3) moves the history past it: held. A change a
// branch made to the file before the apply is not.
func TestHoldsAfterALaterVersion(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	dir := t.TempDir()
	run(t, dir, "init", "-q", "-b", "main")
	base := commit(t, dir, "a.img.hcl", "v1")
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	applied := time.Now().Add(-time.Hour)
	if err := os.WriteFile(filepath.Join(dir, "a.img.hcl"), []byte("v2"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := r.Uncommitted(ctx, []string{"a.img.hcl"}, nil)
	if err != nil || len(files) != 1 {
		t.Fatalf("Uncommitted: %v, %v", files, err)
	}

	run(t, dir, "checkout", "-q", "-b", "before")
	if err := os.WriteFile(filepath.Join(dir, "a.img.hcl"), []byte("other"), 0o644); err != nil {
		t.Fatal(err)
	}
	commitAt(t, dir, applied.Add(-time.Hour))
	if r, err = Open(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if ok, err := r.Holds(ctx, base, files, applied); err != nil || ok {
		t.Errorf("a branch that changed the file before the apply: Holds = %v, %v; want false", ok, err)
	}

	run(t, dir, "checkout", "-q", "main")
	if err := os.WriteFile(filepath.Join(dir, "a.img.hcl"), []byte("v3"), 0o644); err != nil {
		t.Fatal(err)
	}
	commitAt(t, dir, applied.Add(time.Minute))
	if r, err = Open(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if ok, err := r.Holds(ctx, base, files, applied); err != nil || !ok {
		t.Errorf("v3 committed after v2 was applied: Holds = %v, %v; want true", ok, err)
	}
}

// Names git quotes, a file edited through a symbolic link, and a
// configuration folder whose name holds glob characters.
func TestUncommittedAwkwardNames(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	top := t.TempDir()
	run(t, top, "init", "-q", "-b", "main")
	dir := filepath.Join(top, "br [v2]")
	if err := os.MkdirAll(filepath.Join(dir, "prompts"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("x.img.hcl", "x")
	write("gone.img.hcl", "gone")
	write("prompts/real.txt", "one")
	write("tab\tname.txt", "one")
	if err := os.Symlink(filepath.Join("prompts", "real.txt"), filepath.Join(dir, "prompt.txt")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	run(t, top, "add", "-A")
	run(t, top, "commit", "-q", "-m", "one")
	base := run(t, top, "rev-parse", "HEAD")

	write("prompt.txt", "two") // through the link
	write("tab\tname.txt", "two")
	if err := os.Remove(filepath.Join(dir, "gone.img.hcl")); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	applied := time.Now().Add(-time.Hour)
	files, err := r.Uncommitted(ctx, []string{"x.img.hcl", "prompt.txt", "tab\tname.txt"}, []string{"*.img.hcl"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"br [v2]/prompts/real.txt", "br [v2]/tab\tname.txt", "br [v2]/gone.img.hcl"} {
		if _, ok := files[want]; !ok {
			t.Errorf("Uncommitted does not report %q: %v", want, files)
		}
	}
	if _, ok := files["br [v2]/x.img.hcl"]; ok {
		t.Errorf("an unchanged file is reported: %v", files)
	}
	// Committed by the same checkout later: held, the quoted name too.
	commitAt(t, top, applied.Add(time.Minute))
	run(t, top, "checkout", "-q", "-b", "later")
	write("tab\tname.txt", "three")
	if r, err = Open(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if ok, err := r.Holds(ctx, base, files, time.Now().Add(time.Hour)); err != nil || !ok {
		t.Errorf("the committed changes, by their blobs: Holds = %v, %v; want true", ok, err)
	}
}
