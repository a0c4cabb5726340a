package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

type cachePushOptions struct {
	all bool
}

func (o *cachePushOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.all, "all", false, "upload every entry of this machine's cache, not only those the state refers to")
}

func cachePushCommand() *command {
	var o cachePushOptions
	return &command{
		Name:  "push",
		Args:  "[ADDR...]",
		Short: "Upload this machine's cache entries to the shared cache",
		Long: `Upload to the shared cache (the cache "s3" block) the entries of this
machine's cache that the state refers to (or only those of the images
ADDR selects; --all for every entry): after a team adopts a shared cache,
or from a runner that had none, so that teammates restore those images
instead of paying for them again. Each entry is checked against its
hashes before it is uploaded (a damaged one is skipped, and said), and
uploads are create-only: an entry the shared cache holds is left as it is.
The images an earlier run kept here because the shared cache could not
take them then are uploaded first.`,
		Flags: o.AddFlags,
		NArgs: cli.AtLeast(0),
		Run: func(ctx context.Context, e *env, args []string) error {
			return runCacheCopy(ctx, e, args, o.all, true)
		},
	}
}

func cachePullCommand() *command {
	return &command{
		Name:  "pull",
		Args:  "[ADDR...]",
		Short: "Download the shared cache's entries the state refers to",
		Long: `Download from the shared cache into this machine's cache the entries the
state refers to (or those of the images ADDR selects), each checked
against its hashes: ahead of an apply that restores them, or before
working offline.`,
		NArgs: cli.AtLeast(0),
		Run: func(ctx context.Context, e *env, args []string) error {
			return runCacheCopy(ctx, e, args, false, false)
		},
	}
}

// runCacheCopy pushes (or pulls) the entries the state refers to, of the
// images addrs select, or every local entry (all).
func runCacheCopy(ctx context.Context, e *env, addrs []string, all, push bool) error {
	targets, err := parseArgAddresses(addrs)
	if err != nil {
		return err
	}
	w, err := openWorkspace(ctx, e, workspaceOptions{cache: true})
	if err != nil {
		return err
	}
	defer w.close()
	if len(w.cache.Stores()) < 2 {
		return fmt.Errorf("no shared cache is configured: add a cache \"s3\" block to the imgform block (see the README's section on teams)")
	}
	var hashes []state.Hash
	names := map[state.Hash]string{}
	if all {
		if hashes, err = w.cache.Stores()[0].List(ctx); err != nil {
			return err
		}
	} else if hashes, err = stateHashes(w.st, targets, names); err != nil {
		return err
	}
	var mu sync.Mutex
	progress := func(c cache.Copied) {
		mu.Lock()
		defer mu.Unlock()
		if line := copiedLine(c, names[c.Hash], push); line != "" {
			fmt.Fprintln(e.stdout, line)
		}
	}
	copyAll := w.cache.Pull
	var sum cache.CopySummary
	if push {
		copyAll = w.cache.Push
		// First what an earlier run could not upload.
		if sum, err = w.cache.UploadPending(ctx, progress); err != nil {
			fmt.Fprintln(e.stdout, copySummary(sum, push))
			return err
		}
	}
	more, err := copyAll(ctx, hashes, progress)
	sum.Add(more)
	fmt.Fprintln(e.stdout, copySummary(sum, push))
	return err
}

// stateHashes are the input hashes of the images the state records that
// targets select (all without targets), with their addresses in names.
func stateHashes(st *state.State, targets []spec.Address, names map[state.Hash]string) ([]state.Hash, error) {
	seen := map[state.Hash]bool{}
	var out []state.Hash
	for _, addr := range st.Addresses() {
		if len(targets) > 0 && !selectsAny(targets, addr) {
			continue
		}
		h := st.Images[addr].InputHash
		if _, ok := names[h]; !ok {
			names[h] = addr
		}
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	if len(targets) > 0 && len(out) == 0 {
		return nil, fmt.Errorf("the state records no image that %s selects", joinAddresses(targets))
	}
	sort.Slice(out, func(i, j int) bool { return names[out[i]] < names[out[j]] })
	return out, nil
}

// copiedLine says what a copy did with one entry; "" for an entry that
// was there already.
func copiedLine(c cache.Copied, addr string, push bool) string {
	what := addr
	if what == "" && c.Entry != nil {
		what = c.Entry.Address
	}
	if what == "" {
		what = c.Hash.Short()
	}
	switch c.Outcome {
	case cache.CopyDone:
		verb := "downloaded"
		if push {
			verb = "uploaded"
		}
		return fmt.Sprintf("%s %s (%s)", verb, what, humanSize(c.Entry.Size()))
	case cache.CopyMissing:
		if push {
			return fmt.Sprintf("%s: not in this machine's cache", what)
		}
		return fmt.Sprintf("%s: not in the shared cache", what)
	case cache.CopyDamaged:
		return fmt.Sprintf("%s: skipped, %v", what, c.Err)
	}
	return ""
}

// copySummary is the line that ends a push or a pull.
func copySummary(s cache.CopySummary, push bool) string {
	verb, where := "Downloaded", "here"
	if push {
		verb, where = "Uploaded", "there"
	}
	parts := []string{fmt.Sprintf("%s %d %s", verb, s.Done, pluralWord(s.Done, "entry", "entries")), fmt.Sprintf("%d already %s", s.There, where)}
	if s.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d missing", s.Missing))
	}
	if s.Damaged > 0 {
		parts = append(parts, fmt.Sprintf("%d damaged, skipped", s.Damaged))
	}
	return strings.Join(parts, ", ") + ", " + humanSize(s.Bytes) + "."
}

// parseArgAddresses reads addresses given as arguments.
func parseArgAddresses(raw []string) ([]spec.Address, error) {
	var out []spec.Address
	for _, r := range raw {
		a, err := spec.ParseAddress(r)
		if err != nil {
			return nil, &cli.UsageError{Msg: err.Error()}
		}
		out = append(out, a)
	}
	return out, nil
}

// selectsAny reports whether one of targets selects the address addr.
func selectsAny(targets []spec.Address, addr string) bool {
	a, err := spec.ParseAddress(addr)
	if err != nil {
		return false
	}
	for _, t := range targets {
		if t.Contains(a) {
			return true
		}
	}
	return false
}

// joinAddresses lists addresses for a message.
func joinAddresses(as []spec.Address) string {
	var s []string
	for _, a := range as {
		s = append(s, a.String())
	}
	return strings.Join(s, ", ")
}
