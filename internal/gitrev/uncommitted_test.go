package gitrev

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
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
	if ok, err := author.Holds(ctx, base, files); err != nil || !ok {
		t.Errorf("the author's own tree: Holds = %v, %v; want true", ok, err)
	}

	mate, err := Open(ctx, filepath.Join(teammate, "art"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := mate.Holds(ctx, base, files); err != nil || ok {
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
	if ok, err := mate.Holds(ctx, base, files); err != nil || !ok {
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
	if ok, err := author.Holds(ctx, author.Head(), files4); err != nil || ok {
		t.Errorf("after git stash: Holds = %v, %v; want false", ok, err)
	}
	run(t, origin, "stash", "pop", "-q")
	author, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := author.Holds(ctx, author.Head(), files4); err != nil || !ok {
		t.Errorf("after git stash pop: Holds = %v, %v; want true", ok, err)
	}

	// A path that leaves the repository is refused, not asked about.
	if _, err := author.Holds(ctx, base, map[string]string{"../x": ""}); err == nil {
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
	_, err = r.Holds(ctx, base, map[string]string{"a.img.hcl": "0123456789012345678901234567890123456789"})
	var se *ShallowError
	if !errors.As(err, &se) {
		t.Errorf("Holds in a shallow clone without the base: %v, want a *ShallowError", err)
	}
}
