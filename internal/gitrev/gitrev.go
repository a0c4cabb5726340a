package gitrev

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
)

// Repo is the history of the git working tree a directory is in.
type Repo struct {
	dir     string
	top     string // the top of the working tree
	head    string
	shallow bool // a shallow clone: older commits may be missing

	mu       sync.Mutex
	ancestor map[string]bool // what IsAncestor answered, by commit
	holds    map[string]bool // what Holds answered, by its question
}

// Open finds the git working tree dir is in and the commit checked out.
// It returns nil, and no error, when there is none: dir is not in a git
// working tree, git is not installed, or the tree has no commit yet.
func Open(ctx context.Context, dir string) (*Repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, nil
	}
	out, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return nil, nil // not a working tree, or no commit yet
	case err != nil:
		return nil, err
	}
	head := strings.TrimSpace(out)
	if head == "" {
		return nil, nil
	}
	r := &Repo{dir: dir, head: head, ancestor: map[string]bool{head: true}, holds: map[string]bool{}}
	out, err = git(ctx, dir, "rev-parse", "--show-toplevel", "--is-shallow-repository")
	if err != nil {
		return nil, fmt.Errorf("asking git where the working tree is: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		return nil, fmt.Errorf("git rev-parse --show-toplevel --is-shallow-repository said %q", out)
	}
	r.top, r.shallow = lines[0], lines[1] == "true"
	return r, nil
}

// ShallowError is a commit a shallow clone does not have: whether it is
// in the history cannot be told until the history is fetched.
type ShallowError struct{ Commit string }

func (e *ShallowError) Error() string {
	return fmt.Sprintf("this clone is shallow and does not have commit %.7s, so it cannot tell whether that commit is in its history: fetch the history (git fetch --unshallow; in GitHub Actions, actions/checkout with fetch-depth: 0)", e.Commit)
}

// ShallowClone says so: what a plan asks an error of its history.
func (e *ShallowError) ShallowClone() bool { return true }

// Head is the commit checked out (its full hash).
func (r *Repo) Head() string { return r.head }

// Shallow reports a shallow clone: commits older than its depth are
// missing, and whether one is in the history cannot be told.
func (r *Repo) Shallow() bool { return r.shallow }

// IsAncestor reports whether commit is HEAD or in its history. A commit
// this clone does not have (a teammate's, not pulled yet) is not. Each
// commit is asked about once.
func (r *Repo) IsAncestor(ctx context.Context, commit string) (bool, error) {
	r.mu.Lock()
	known, ok := r.ancestor[commit]
	r.mu.Unlock()
	if ok {
		return known, nil
	}
	if !isHash(commit) {
		return false, fmt.Errorf("%q is not a commit hash", commit)
	}
	_, err := git(ctx, r.dir, "merge-base", "--is-ancestor", commit, r.head)
	var exit *exec.ExitError
	switch {
	case err == nil:
		known = true
	case errors.As(err, &exit) && exit.ExitCode() == 128 && r.shallow:
		return false, &ShallowError{Commit: commit}
	case errors.As(err, &exit) && (exit.ExitCode() == 1 || exit.ExitCode() == 128):
		// 1: not an ancestor; 128: not a commit of this clone.
		known = false
	default:
		return false, err
	}
	r.mu.Lock()
	r.ancestor[commit] = known
	r.mu.Unlock()
	return known, nil
}

// isHash reports a full or abbreviated hex commit hash: nothing git would
// take for an option or a revision expression.
func isHash(s string) bool {
	if len(s) < 7 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// git runs a git command in dir and returns its standard output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return "", err
		}
		return "", fmt.Errorf("running git %s: %w", args[0], err)
	}
	return stdout.String(), nil
}
