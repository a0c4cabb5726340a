package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

type pickOptions struct {
	seed  int64
	clear bool
}

func (o *pickOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Int64Var(&o.seed, "seed", -1, "pick this seed instead of a candidate's (a seed found elsewhere)")
	fs.BoolVar(&o.clear, "clear", false, "remove the image's pick: candidate 1 is used again")
}

func pickCommand() *command {
	var o pickOptions
	return &command{
		Name:  "pick",
		Args:  "ADDRESS [K]",
		Short: "Pick one of an image's candidates: its seed becomes the image's",
		Long:  planview.CommandHelp("pick"),
		Flags: o.AddFlags,
		NArgs: func(n int) bool { return n == 1 || n == 2 },
		Run:   o.run,
	}
}

func (o *pickOptions) run(ctx context.Context, e *env, args []string) error {
	// The picks file is what pick rewrites: a pick the configuration no
	// longer allows (candidates lowered) must not keep pick from fixing it.
	cfg, err := workspace.LoadConfig(ctx, e.wiring(), spec.Options{IgnorePicks: true})
	if err != nil {
		return err
	}
	k := 0
	switch {
	case o.clear && (len(args) == 2 || o.seed >= 0):
		return &cli.UsageError{Msg: "--clear takes an address alone", Path: "pick"}
	case o.clear:
	case len(args) == 2 && o.seed >= 0:
		return &cli.UsageError{Msg: "give a candidate K or --seed S, not both", Path: "pick"}
	case len(args) == 2:
		if k, err = strconv.Atoi(args[1]); err != nil {
			return &cli.UsageError{Msg: fmt.Sprintf("the candidate %q is not a number", args[1]), Path: "pick"}
		}
	case o.seed < 0:
		return &cli.UsageError{Msg: "give a candidate K (imgform pick ADDRESS K) or --seed S", Path: "pick"}
	}
	seed := &o.seed
	if o.seed < 0 {
		seed = nil
	}
	msg, err := spec.RecordPick(cfg, ".", args[0], k, seed, o.clear)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, msg)
	return nil
}
