package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/plan"
	"github.com/imgform/imgform/spec"
	"github.com/imgform/imgform/state"
)

type importOptions struct {
	lock lockOptions
}

func (o *importOptions) AddFlags(fs *pflag.FlagSet) { o.lock.AddFlags(fs, false) }

func importCommand() *command {
	var o importOptions
	return &command{
		name:  "import",
		args:  "ADDR PATH...",
		short: "Adopt existing files as the outputs of a declared image",
		long: `Record existing files as the outputs of a declared image, one PATH per
sample, so that imgform manages them without generating anything: the
files are hashed and recorded with generator "imported" and the image's
current request. When a PATH is not the image's output path, the next plan
moves the file there.`,
		flags: o.AddFlags,
		nargs: atLeast(2),
		run: func(ctx context.Context, e *env, args []string) error {
			return runImport(ctx, e, o, args[0], args[1:])
		},
	}
}

func runImport(ctx context.Context, e *env, o importOptions, addrArg string, paths []string) error {
	addr, err := spec.ParseAddress(addrArg)
	if err != nil {
		return &usageError{msg: err.Error(), path: "import"}
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
	if _, exists := w.st.Images[addr.String()]; exists {
		return fmt.Errorf("the state already has %s; remove it first with imgform state rm %s", addr, addr)
	}
	if len(paths) != len(img.Outputs) {
		return fmt.Errorf("%s makes %d images (samples = %d); give one PATH for each", addr, len(img.Outputs), img.Request.Samples())
	}
	req, origin, err := plan.ResolveRequest(img, nil, false, nil)
	if err != nil {
		return err
	}
	entry := &state.Entry{InputHash: req.InputHash(), Request: req, SeedOrigin: string(origin), Generator: state.GeneratorImported}
	for _, p := range paths {
		rel, err := configRelative(p)
		if err != nil {
			return err
		}
		out, err := recordFile(rel)
		if err != nil {
			return err
		}
		entry.Outputs = append(entry.Outputs, out)
	}
	w.st.Images[addr.String()] = entry
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

// recordFile hashes a file for the state: a regular file, not a link.
func recordFile(rel string) (state.Output, error) {
	if fi, err := os.Lstat(filepath.FromSlash(rel)); err == nil && !fi.Mode().IsRegular() {
		return state.Output{}, fmt.Errorf("importing: %s is not a regular file (a symbolic link, a folder?); imgform manages the files it records itself", rel)
	}
	f, err := os.Open(filepath.FromSlash(rel))
	if err != nil {
		return state.Output{}, fmt.Errorf("importing: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return state.Output{}, fmt.Errorf("importing: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return state.Output{}, fmt.Errorf("importing: %s is not a regular file", rel)
	}
	sum, n, err := state.SumReader(f)
	if err != nil {
		return state.Output{}, fmt.Errorf("importing %s: %w", rel, err)
	}
	return state.Output{Path: rel, SHA256: sum, Size: n, ModTime: fi.ModTime().UTC()}, nil
}
