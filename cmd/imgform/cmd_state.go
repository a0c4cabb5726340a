package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/plan"
	"github.com/imgform/imgform/spec"
	"github.com/imgform/imgform/state"
)

func stateCommand() *command {
	var lock lockOptions
	lockFlags := func(fs *pflag.FlagSet) { lock.AddFlags(fs, false) }
	return &command{
		name:  "state",
		short: "Inspect and edit the state",
		long: `Inspect and edit the state file. Edits take the state lock, keep the
previous file as imgform.state.json.backup and bump the serial; they never
touch the image files themselves.`,
		sub: []*command{
			{
				name:  "list",
				args:  "[ADDR-PATTERN]",
				short: "List the images the state records",
				long: `List the addresses the state records, one per line. A pattern selects
some: an address (image.NAME selects all its instances) or a shell glob
such as 'image.icon*'.`,
				nargs: atMost(1),
				run: func(ctx context.Context, e *env, args []string) error {
					return runStateList(ctx, e, args)
				},
			},
			{
				name:  "show",
				args:  "ADDR",
				short: "Show one image the state records",
				nargs: exactly(1),
				run: func(ctx context.Context, e *env, args []string) error {
					addr, err := spec.ParseAddress(args[0])
					if err != nil {
						return &usageError{msg: err.Error(), path: "state show"}
					}
					return showImage(ctx, e, addr.String(), false)
				},
			},
			{
				name:  "rm",
				args:  "ADDR...",
				short: "Forget images (their files stay on disk)",
				long: `Remove images from the state. Their files stay on disk; a later plan
sees images that are still declared as new. image.NAME removes every
instance of the block.`,
				flags: lockFlags,
				nargs: atLeast(1),
				run: func(ctx context.Context, e *env, args []string) error {
					return runStateRm(ctx, e, lock, args)
				},
			},
			{
				name:  "mv",
				args:  "SRC DST",
				short: "Give a recorded image another address",
				long: `Move an image's record to another address, so that renaming an image
in the configuration costs no regeneration: rename the block, then
"imgform state mv image.old image.new". Moving image.NAME moves every
instance of the block. The recorded seed moves with it.`,
				flags: lockFlags,
				nargs: exactly(2),
				run: func(ctx context.Context, e *env, args []string) error {
					return runStateMv(ctx, e, lock, args[0], args[1])
				},
			},
		},
	}
}

// matchAddresses returns the state's addresses that pattern selects: an
// address, or a glob.
func matchAddresses(st *state.State, pattern string) ([]string, error) {
	var out []string
	if a, err := spec.ParseAddress(pattern); err == nil {
		for _, addr := range st.Addresses() {
			if b, err := spec.ParseAddress(addr); err == nil && a.Contains(b) {
				out = append(out, addr)
			}
		}
		return out, nil
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, &usageError{msg: fmt.Sprintf("%q is neither an address nor a valid pattern", pattern)}
	}
	for _, addr := range st.Addresses() {
		if ok, _ := path.Match(pattern, addr); ok {
			out = append(out, addr)
		}
	}
	return out, nil
}

func runStateList(ctx context.Context, e *env, args []string) error {
	st, err := loadState(ctx, e)
	if err != nil {
		return err
	}
	addrs := st.Addresses()
	if len(args) == 1 {
		if addrs, err = matchAddresses(st, args[0]); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(e.stdout)
	for _, a := range addrs {
		fmt.Fprintln(bw, a)
	}
	return bw.Flush()
}

// editState runs edit on the locked state and saves the result.
func editState(ctx context.Context, e *env, lock lockOptions, op string, edit func(st *state.State) error) error {
	w, err := openWorkspace(ctx, e, workspaceOptions{operation: op, lock: lock})
	if err != nil {
		return err
	}
	defer w.close()
	if err := edit(w.st); err != nil {
		return err
	}
	_, err = w.backend.Save(ctx, w.st)
	return err
}

func runStateRm(ctx context.Context, e *env, lock lockOptions, patterns []string) error {
	return editState(ctx, e, lock, "state rm", func(st *state.State) error {
		var removed []string
		for _, p := range patterns {
			addr, err := spec.ParseAddress(p)
			if err != nil {
				return &usageError{msg: err.Error(), path: "state rm"}
			}
			matched, _ := matchAddresses(st, addr.String())
			if len(matched) == 0 {
				return fmt.Errorf("the state has no image %s", addr)
			}
			for _, m := range matched {
				delete(st.Images, m)
				removed = append(removed, m)
			}
		}
		for _, r := range removed {
			fmt.Fprintf(e.stdout, "Removed %s\n", r)
		}
		fmt.Fprintf(e.stdout, "Removed %d %s from the state; the files stay on disk.\n", len(removed), pluralWord(len(removed), "image", "images"))
		return nil
	})
}

func runStateMv(ctx context.Context, e *env, lock lockOptions, srcArg, dstArg string) error {
	src, err := spec.ParseAddress(srcArg)
	if err != nil {
		return &usageError{msg: err.Error(), path: "state mv"}
	}
	dst, err := spec.ParseAddress(dstArg)
	if err != nil {
		return &usageError{msg: err.Error(), path: "state mv"}
	}
	return editState(ctx, e, lock, "state mv", func(st *state.State) error {
		moved, err := plan.MoveInState(st, src, dst)
		if errors.Is(err, plan.ErrMoveKinds) {
			return &usageError{msg: err.Error(), path: "state mv"}
		}
		if err != nil {
			return err
		}
		var lines []string
		for from, to := range moved {
			lines = append(lines, fmt.Sprintf("Moved %s to %s", from, to))
		}
		sort.Strings(lines)
		fmt.Fprintln(e.stdout, strings.Join(lines, "\n"))
		return nil
	})
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
