package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/spec"
)

type importOptions struct {
	lock lockOptions
}

func (o *importOptions) AddFlags(fs *pflag.FlagSet) { o.lock.AddFlags(fs, false) }

func importCommand() *command {
	var o importOptions
	return &command{
		Name:  "import",
		Args:  "ADDR PATH...",
		Short: "Adopt existing files as the outputs of a declared image",
		Long: `Record existing files as the outputs of a declared image, one PATH per
sample, so that imgform manages them without generating anything: the
files are hashed and recorded with generator "imported" and the image's
current request. When a PATH is not the image's output path, the next plan
moves the file there.`,
		Flags: o.AddFlags,
		NArgs: cli.AtLeast(2),
		Run: func(ctx context.Context, e *env, args []string) error {
			return runImport(ctx, e, o, args[0], args[1:])
		},
	}
}

func runImport(ctx context.Context, e *env, o importOptions, addrArg string, paths []string) error {
	addr, err := spec.ParseAddress(addrArg)
	if err != nil {
		return &cli.UsageError{Msg: err.Error(), Path: "import"}
	}
	w, err := openWorkspace(ctx, e, workspaceOptions{config: true, operation: "import", lock: o.lock})
	if err != nil {
		return err
	}
	defer w.close()
	img := w.cfg.Lookup(addr)
	if img == nil {
		return fmt.Errorf("no image %s is declared in the configuration; declare it first, then import its file", addr)
	}
	rels := make([]string, len(paths))
	for i, p := range paths {
		if rels[i], err = configRelative(p); err != nil {
			return err
		}
	}
	if _, err := apply.Import(".", w.st, img, rels); err != nil {
		return err
	}
	if _, err := w.backend.Save(ctx, w.st); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Imported %s from %s.\n", addr, strings.Join(paths, ", "))
	return nil
}

// configRelative turns a path given on the command line into the
// slash-separated path relative to the configuration directory that the
// state records; it must not leave that directory.
func configRelative(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the configuration directory; imgform manages only files below it", p)
	}
	rel = path.Clean(filepath.ToSlash(rel))
	// A file reached through a symbolic link that leads out of the
	// directory is not below it: a later delete would remove it there.
	if err := safepath.Check(".", rel); err != nil {
		return "", fmt.Errorf("cannot import %s: %w", p, err)
	}
	return rel, nil
}
