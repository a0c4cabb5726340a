package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/spec"
)

// Starter is a starter configuration imgform init --example writes.
type Starter struct {
	File    string // its name: main.img.hcl
	Content []byte
}

// InitOptions say what Init does beside its checks.
type InitOptions struct {
	// Example, when set, writes the starter first, into a folder with no
	// configuration; Starter is named in the advice either way.
	Example bool
	Starter Starter
	// Ignored are the .gitignore entries imgform's files need.
	Ignored []string
}

// Init prepares a checkout to plan and apply, as terraform init does,
// changing only what is missing: it writes the starter when asked,
// checks the configuration, adds imgform's entries to .gitignore,
// readies the store the settings name and reads the selected workspace's
// state from it, and opens the content cache. say hears of each step.
// It returns the settings, and whether a local state file is left where
// a shared backend keeps the state (to be pushed there).
func Init(ctx context.Context, wr Wiring, o InitOptions, say func(format string, args ...any)) (_ *spec.Settings, localLeft bool, _ error) {
	files, err := spec.ConfigFiles(".")
	if err != nil {
		return nil, false, err
	}
	switch {
	case o.Example && len(files) > 0:
		names := make([]string, len(files))
		for i, f := range files {
			names[i] = filepath.Base(f)
		}
		return nil, false, fmt.Errorf("init --example writes a starter configuration into a folder that has none, and this one has %s; edit it instead", strings.Join(names, ", "))
	case o.Example:
		if err := atomicfile.WriteFile(o.Starter.File, o.Starter.Content, 0o644); err != nil {
			return nil, false, fmt.Errorf("writing %s: %w", o.Starter.File, err)
		}
		say("Wrote a starter configuration to %s: one image and a variant. Edit it, then run imgform plan --offline.\n", o.Starter.File)
	}
	if _, err := LoadConfig(ctx, wr, spec.Options{}); err != nil {
		var de *spec.DiagnosticsError
		if len(files) == 0 && errors.As(err, &de) {
			// "No configuration files", and how to begin.
			for _, d := range de.Diagnostics {
				d.Detail += fmt.Sprintf(" To begin from a starter, run imgform init --example: it writes %s, one image and a variant to edit.", o.Starter.File)
			}
		}
		return nil, false, err
	}
	say("The configuration is valid.\n")

	added, err := atomicfile.AddGitignoreEntries(".gitignore", "imgform: its cache, journal and local files, the review page, and the state's backup and lock", o.Ignored)
	if err != nil {
		return nil, false, err
	}
	if len(added) > 0 {
		say("Added to .gitignore: %s.\n", strings.Join(added, ", "))
	} else {
		say(".gitignore has imgform's entries.\n")
	}

	settings, err := LoadSettings()
	if err != nil {
		return nil, false, err
	}
	ws, err := wr.Selected()
	if err != nil {
		return nil, false, err
	}
	// A shared backend's schema is made by its first write, or here.
	if err := wr.Store(settings).Prepare(ctx); err != nil {
		return nil, false, err
	}
	b, err := openBackend(ctx, wr, settings, ws, true)
	if err != nil {
		return nil, false, err
	}
	_, err = b.Load(ctx)
	b.Close()
	if err != nil {
		return nil, false, err
	}
	if settings.Backend == nil {
		say("The state is kept in %s (workspace %s).\n", wr.LocalStatePath(ws), ws)
	} else {
		say("The state is kept in %s: ready.\n", b)
	}
	c, err := wr.Cache(ctx, settings)
	if err != nil {
		return nil, false, err
	}
	say("The content cache is %s: ready.\n", c)
	if settings.Backend == nil {
		return settings, false, nil
	}
	fi, err := os.Stat(wr.StatePath)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.IsDir()) {
		return settings, false, nil
	}
	return settings, err == nil, err
}
