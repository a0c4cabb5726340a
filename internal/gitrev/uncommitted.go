package gitrev

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Uncommitted returns the files among paths (relative to the working
// tree's directory, or absolute) that differ from the commit checked
// out, together with every file matching one of globs (in that directory,
// not below it) that does: each by its path from the top of the
// repository, slash-separated, with the git object id of its content now
// ("" for a file deleted). A file git ignores is none of the
// repository's, and not reported. None is an empty map.
func (r *Repo) Uncommitted(ctx context.Context, paths, globs []string) (map[string]string, error) {
	files := map[string]bool{}
	var patterns []string
	specs := make([]string, 0, len(paths)+len(globs))
	for _, p := range paths {
		for _, rel := range r.repoPaths(p) {
			files[rel] = true
			specs = append(specs, ":(top,literal)"+rel)
		}
	}
	for _, g := range globs {
		// The folder is named as it is, whatever its name holds; only
		// the last element is a pattern.
		if dir, ok := r.fromTop(filepath.Join(filepath.Dir(g), "x")); ok {
			pat := escapeGlob(path.Dir(dir)) + "/" + filepath.Base(g)
			if path.Dir(dir) == "." {
				pat = filepath.Base(g)
			}
			patterns = append(patterns, pat)
			specs = append(specs, ":(top,glob)"+pat)
		}
	}
	changed := map[string]string{}
	if len(specs) == 0 {
		return changed, nil
	}
	// Paths in porcelain output are from the top of the repository. A
	// configuration that reads thousands of files is asked about whole
	// (one listing, filtered here), not with a pathspec per file.
	args := []string{"--no-optional-locks", "-c", "core.quotePath=false", "-C", r.top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"}
	if len(specs) <= maxPathspecs {
		args = append(append(args, "--"), specs...)
	}
	out, err := git(ctx, r.dir, args...)
	if err != nil {
		return nil, fmt.Errorf("asking git which configuration files changed: %w", err)
	}
	wanted := func(p string) bool {
		if files[p] {
			return true
		}
		for _, pat := range patterns {
			if ok, _ := path.Match(pat, p); ok {
				return true
			}
		}
		return false
	}
	var present []string
	for _, rec := range strings.Split(out, "\x00") {
		if len(rec) < 4 {
			continue
		}
		p := rec[3:]
		if !wanted(p) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(r.top, filepath.FromSlash(p))); err != nil {
			changed[p] = ""
			continue
		}
		present = append(present, p)
	}
	ids, err := r.objectIDs(ctx, present)
	if err != nil {
		return nil, err
	}
	for i, p := range present {
		changed[p] = ids[i]
	}
	return changed, nil
}

// fromTop is p (relative to the directory the Repo was opened in, or
// absolute) from the top of the working tree, slash-separated; false for
// a path outside it (a file() of a file elsewhere), which is none of the
// repository's.
func (r *Repo) fromTop(p string) (string, bool) {
	if !filepath.IsAbs(p) {
		dir, err := filepath.Abs(r.dir)
		if err != nil {
			return "", false
		}
		p = filepath.Join(dir, p)
	}
	top := r.top
	if resolved, err := filepath.EvalSymlinks(top); err == nil {
		top = resolved
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		p = filepath.Join(d, filepath.Base(p))
	}
	rel, err := filepath.Rel(top, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// repoPaths are the paths from the top of the repository that hold the
// file at p: its own, and, when it is a symbolic link, the file it leads
// to (which git sees change when it is edited through the link). None
// when it is outside the repository.
func (r *Repo) repoPaths(p string) []string {
	var out []string
	if rel, ok := r.fromTop(p); ok {
		out = append(out, rel)
	}
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(r.dir, p)
	}
	abs, _ = filepath.Abs(abs)
	if target, err := filepath.EvalSymlinks(abs); err == nil {
		if rel, ok := r.fromTop(target); ok && !slices.Contains(out, rel) {
			out = append(out, rel)
		}
	}
	return out
}

// escapeGlob escapes what a glob (git's, and path.Match) would take for
// a pattern in a literal path.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// maxPathspecs is the most files Uncommitted names to git one by one.
const maxPathspecs = 256

// objectIDs are the git object ids of the files at paths (from the top
// of the repository) as they are now, as git would store them (its
// filters applied).
func (r *Repo) objectIDs(ctx context.Context, paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	cmd := exec.CommandContext(ctx, "git", "-C", r.top, "hash-object", "--stdin-paths")
	cmd.Stdin = strings.NewReader(strings.Join(paths, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("hashing configuration files: %w", err)
	}
	ids := strings.Fields(string(out))
	if len(ids) != len(paths) {
		return nil, fmt.Errorf("git hash-object gave %d ids for %d files", len(ids), len(paths))
	}
	return ids, nil
}

// Holds reports whether this checkout holds the changes files describes
// (as Uncommitted returned them, made on top of commit base at the time
// since): each file is as it was then in the working tree, or a commit of
// this checkout's history since base has it as it was then, or changed it
// later than since (the history moved past the change: a version
// committed after it). A checkout that committed the changes holds them,
// even a later version of them, and so does one that pulled that commit,
// even after changing the files again; one at base, or on a branch that
// changed a file before the change was made, does not. In a shallow
// clone that lacks base, a *ShallowError says it cannot tell.
func (r *Repo) Holds(ctx context.Context, base string, files map[string]string, since time.Time) (bool, error) {
	if !isHash(base) {
		return false, fmt.Errorf("%q is not a commit hash", base)
	}
	key := holdsKey(base, files) + "\x00" + since.UTC().Format(time.RFC3339Nano)
	r.mu.Lock()
	known, ok := r.holds[key]
	r.mu.Unlock()
	if ok {
		return known, nil
	}
	known, err := r.holdsNow(ctx, base, files, since)
	if err != nil {
		return false, err
	}
	r.mu.Lock()
	r.holds[key] = known
	r.mu.Unlock()
	return known, nil
}

func (r *Repo) holdsNow(ctx context.Context, base string, files map[string]string, since time.Time) (bool, error) {
	// In the working tree as they were?
	var present, missing []string
	for p, id := range files {
		if !cleanRepoPath(p) {
			return false, fmt.Errorf("%q is not a path inside the repository", p)
		}
		if _, err := os.Lstat(filepath.Join(r.top, filepath.FromSlash(p))); err != nil {
			if id != "" {
				missing = append(missing, p)
			}
			continue
		}
		present = append(present, p)
	}
	sort.Strings(present)
	ids, err := r.objectIDs(ctx, present)
	if err != nil {
		return false, err
	}
	want := map[string]bool{} // files not as they were
	for _, p := range missing {
		want[p] = true
	}
	for i, p := range present {
		if files[p] != ids[i] {
			want[p] = true
		}
	}
	if len(want) == 0 {
		return true, nil
	}
	// Or committed since base, in this checkout's history.
	if ok, err := r.hasCommit(ctx, base); err != nil || !ok {
		return false, err
	}
	// -z: paths as they are (git quotes a tab or a quote otherwise);
	// %x01%ct marks each commit with its committer time.
	args := []string{"log", "-z", "--no-renames", "--raw", "--no-abbrev", "--format=%x01%ct", base + ".." + r.head, "--"}
	for p := range want {
		args = append(args, ":(top,literal)"+p)
	}
	out, err := git(ctx, r.dir, args...)
	if err != nil {
		return false, fmt.Errorf("reading the history of the configuration files: %w", err)
	}
	var when time.Time // the committer time of the commit being read
	tokens := strings.Split(out, "\x00")
	for i := 0; i < len(tokens); i++ {
		tok := strings.TrimLeft(tokens[i], "\n")
		switch {
		case strings.HasPrefix(tok, "\x01"):
			if sec, err := strconv.ParseInt(tok[1:], 10, 64); err == nil {
				when = time.Unix(sec, 0)
			}
		case strings.HasPrefix(tok, ":") && i+1 < len(tokens):
			// :100644 100644 <old id> <new id> M, then the path
			i++
			p := tokens[i]
			f := strings.Fields(tok)
			if !want[p] || len(f) < 5 {
				continue
			}
			id := f[3]
			if strings.Trim(id, "0") == "" {
				id = "" // deleted
			}
			if id == files[p] || when.After(since) {
				delete(want, p)
			}
		}
	}
	return len(want) == 0, nil
}

// hasCommit reports whether this clone has commit c. A shallow clone
// that lacks it cannot tell what its history holds: a *ShallowError.
func (r *Repo) hasCommit(ctx context.Context, c string) (bool, error) {
	if in, err := r.IsAncestor(ctx, c); err != nil || in {
		return in, err
	}
	if _, err := git(ctx, r.dir, "cat-file", "-e", c+"^{commit}"); err != nil {
		return false, nil
	}
	return true, nil
}

// cleanRepoPath reports a relative, slash-separated path that stays in
// the repository: what a state may name, and git may be asked about.
func cleanRepoPath(p string) bool {
	return p != "" && !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "-") && !slices.Contains(strings.Split(p, "/"), "..") && filepath.ToSlash(filepath.Clean(filepath.FromSlash(p))) == p
}

func holdsKey(base string, files map[string]string) string {
	keys := make([]string, 0, len(files))
	for p := range files {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(base)
	for _, p := range keys {
		b.WriteString("\x00" + p + "\x00" + files[p])
	}
	return b.String()
}
