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

type showOptions struct {
	json     bool
	markdown bool
	cost     bool
}

func (o *showOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print JSON")
	fs.BoolVar(&o.markdown, "markdown", false, "print a saved plan as a markdown summary for a pull request")
	fs.BoolVar(&o.cost, "cost", false, "total what the recorded images cost, per block and overall")
}

func showCommand() *command {
	var o showOptions
	return &command{
		Name:  "show",
		Args:  "[ADDR|PLANFILE]",
		Short: "Show the state, one image, or a saved plan",
		Long:  planview.CommandHelp("show"),
		Flags: o.AddFlags,
		NArgs: cli.AtMost(1),
		Run:   o.run,
	}
}

func (o *showOptions) run(ctx context.Context, e *env, args []string) error {
	if len(args) == 1 {
		// A plan file first: a file named image.plan is also an address.
		if addr, err := spec.ParseAddress(args[0]); err == nil && !plan.IsPlanFile(args[0]) {
			return showImage(ctx, e, addr.String(), o.json)
		}
		p, _, err := plan.Load(args[0])
		if err != nil {
			return fmt.Errorf("%s is neither an image address nor a plan file: %w", args[0], err)
		}
		return writePlan(e, p, o.json, o.markdown, 0)
	}
	if o.markdown {
		return &cli.UsageError{Msg: "--markdown shows a saved plan: imgform show --markdown PLANFILE", Path: "show"}
	}
	st, err := workspace.LoadState(ctx, e.wiring())
	if err != nil {
		return err
	}
	if o.cost {
		candidates, err := candidatesPaid(ctx, e, st)
		if err != nil {
			return err
		}
		return planview.WriteCosts(e.stdout, st, candidates, o.json)
	}
	return planview.WriteState(e.stdout, st, o.json)
}

func showImage(ctx context.Context, e *env, addr string, asJSON bool) error {
	st, err := workspace.LoadState(ctx, e.wiring())
	if err != nil {
		return err
	}
	entry, ok := st.Images[addr]
	if !ok {
		return fmt.Errorf("the state has no image %s", addr)
	}
	return planview.WriteEntry(e.stdout, addr, entry, asJSON)
}
