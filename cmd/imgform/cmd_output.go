package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/spec"
	planview "github.com/imgform/imgform/internal/view"
)

type outputOptions struct {
	json bool
}

func (o *outputOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print one JSON document for build tools (see docs/output-json.md)")
}

func outputCommand() *command {
	var o outputOptions
	return &command{
		Name:  "output",
		Args:  "[ADDR]",
		Short: "List the files the state records, with sizes and hashes, for build tools",
		Long: `List every image the state records and its files (outputs and variants),
grouped by image: path, format, width and height, bytes and SHA-256, and
per media type a srcset list of the image's files by width. With an
address, only that image (image.NAME: all its instances). With --json, one
stable document for build tools, as terraform output -json (see
docs/output-json.md). Widths and heights are read from the files' headers;
nothing is decoded and nothing is checked against the files' content (imgform
plan does that).`,
		Flags: o.AddFlags,
		NArgs: cli.AtMost(1),
		Run: func(ctx context.Context, e *env, args []string) error {
			return runOutput(ctx, e, o, args)
		},
	}
}

func runOutput(ctx context.Context, e *env, o outputOptions, args []string) error {
	var sel *spec.Address
	if len(args) == 1 {
		a, err := spec.ParseAddress(args[0])
		if err != nil {
			return &cli.UsageError{Msg: fmt.Sprintf("%q is not an image address: %v", args[0], err), Path: "output"}
		}
		sel = &a
	}
	st, err := loadState(ctx, e)
	if err != nil {
		return err
	}
	all := st.Addresses()
	addrs := all
	if sel != nil {
		addrs = nil
		for _, addr := range all {
			if a, err := spec.ParseAddress(addr); err == nil && sel.Contains(a) {
				addrs = append(addrs, addr)
			}
		}
		if len(addrs) == 0 {
			return fmt.Errorf("the state has no image %s%s", sel, spec.DidYouMeanAddress(sel.String(), all))
		}
	}
	m := planview.NewManifest(st, addrs, readSize)
	for _, w := range m.Warnings {
		newView(e).warnf("%s", w)
	}
	if o.json {
		return planview.WriteManifestJSON(e.stdout, m)
	}
	return planview.WriteManifestText(e.stdout, m)
}

// readSize reads the size of a file the state records, under the
// configuration folder, from its header.
func readSize(rel string) (int, int, error) {
	if err := safepath.Check(".", rel); err != nil {
		return 0, 0, err
	}
	f, err := os.Open(filepath.FromSlash(rel))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	info, err := imagecheck.ReadSize(f)
	if err != nil {
		return 0, 0, err
	}
	return info.Width, info.Height, nil
}
