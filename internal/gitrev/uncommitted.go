package gitrev

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
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
		if rel, ok := r.fromTop(p); ok {
			files[rel] = true
			specs = append(specs, ":(top,literal)"+rel)
		}
	}
	for _, g := range globs {
		if rel, ok := r.fromTop(g); ok {
			patterns = append(patterns, rel)
			specs = append(specs, ":(top,glob)"+rel)
		}
	}
	changed := map[string]string{}
	if len(specs) == 0 {
		return changed, nil
	}
	// Paths in porcelain output are from the top of the repository. A
	// configuration that reads thousands of files is asked about whole
	// (one listing, filtered here), not with a pathspec per file.
	args := []string{"-c", "core.quotePath=false", "-C", r.top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"}
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

// maxPathspecs is the most files Uncommitted names to git one by one.
const maxPathspecs = 256

// objectIDs are the git object ids of the files at paths (from the top
// of the repository) as they are now, as git would store them (its
// filters applied).
func (r *Repo) objectIDs(ctx context.Context, paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	out, err := git(ctx, r.top, append([]string{"hash-object", "--"}, paths...)...)
	if err != nil {
		return nil, fmt.Errorf("hashing configuration files: %w", err)
	}
	ids := strings.Fields(out)
	if len(ids) != len(paths) {
		return nil, fmt.Errorf("git hash-object gave %d ids for %d files", len(ids), len(paths))
	}
	return ids, nil
}

// Holds reports whether this checkout holds the changes files describes
// (as Uncommitted returned them, made on top of commit base): each file
// is as it was then, now in the working tree or in a commit of this
// checkout's history since base. A checkout that committed the changes
// holds them, and so does one that pulled that commit, even after
// changing the files again. In a shallow clone that lacks base, a
// *ShallowError says it cannot tell.
func (r *Repo) Holds(ctx context.Context, base string, files map[string]string) (bool, error) {
	if !isHash(base) {
		return false, fmt.Errorf("%q is not a commit hash", base)
	}
	key := holdsKey(base, files)
	r.mu.Lock()
	known, ok := r.holds[key]
	r.mu.Unlock()
	if ok {
		return known, nil
	}
	known, err := r.holdsNow(ctx, base, files)
	if err != nil {
		return false, err
	}
	r.mu.Lock()
	r.holds[key] = known
	r.mu.Unlock()
	return known, nil
}

func (r *Repo) holdsNow(ctx context.Context, base string, files map[string]string) (bool, error) {
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
	args := []string{"-c", "core.quotePath=false", "log", "--no-renames", "--raw", "--no-abbrev", "--format=", base + ".." + r.head, "--"}
	for p := range want {
		args = append(args, ":(top,literal)"+p)
	}
	out, err := git(ctx, r.dir, args...)
	if err != nil {
		return false, fmt.Errorf("reading the history of the configuration files: %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		// :100644 100644 <old id> <new id> M<TAB>path
		meta, path, ok := strings.Cut(sc.Text(), "\t")
		if !ok || !want[path] {
			continue
		}
		f := strings.Fields(meta)
		if len(f) < 5 {
			continue
		}
		id := f[3]
		if strings.Trim(id, "0") == "" {
			id = "" // deleted
		}
		if id == files[path] {
			delete(want, path)
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
