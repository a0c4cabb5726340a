package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
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
		Long:  planview.CommandHelp("output"),
		Flags: o.AddFlags,
		NArgs: cli.AtMost(1),
		Run:   o.run,
	}
}

func (o *outputOptions) run(ctx context.Context, e *env, args []string) error {
	var sel *spec.Address
	if len(args) == 1 {
		a, err := spec.ParseAddress(args[0])
		if err != nil {
			return &cli.UsageError{Msg: fmt.Sprintf("%q is not an image address: %v", args[0], err), Path: "output"}
		}
		sel = &a
	}
	st, err := workspace.LoadState(ctx, e.wiring())
	if err != nil {
		return err
	}
	addrs, err := plan.SelectRecorded(st, sel)
	if err != nil {
		return err
	}
	m := planview.NewManifest(st, addrs, workspace.RecordedSize)
	for _, w := range m.Warnings {
		newView(e).Warnf("%s", w)
	}
	if o.json {
		return planview.WriteManifestJSON(e.stdout, m)
	}
	return planview.WriteManifestText(e.stdout, m)
}
