package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/plan"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

// planningOptions are the flags that shape a plan, shared by plan and
// apply.
type planningOptions struct {
	targets        []string
	replace        []string
	offline        bool
	verify         bool
	overwriteNewer bool
}

func (o *planningOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.targets, "target", nil, "limit the plan to `ADDR` (image.NAME selects all its instances); repeatable")
	fs.StringArrayVar(&o.replace, "replace", nil, "generate `ADDR` anew even if nothing changed; repeatable")
	fs.BoolVar(&o.offline, "offline", false, "plan for offline generation: placeholders from the built-in renderer, no key, no network")
	fs.BoolVar(&o.verify, "verify", false, "re-hash every output instead of trusting size and modification time")
	fs.BoolVar(&o.overwriteNewer, "overwrite-newer", false, "delete, replace or move images that a newer configuration (a commit this checkout does not have) changed; they are left alone otherwise")
}

type planOptions struct {
	planning planningOptions
	limits   limitOptions
	lock     lockOptions
	json     bool
	markdown bool
	out      string
	detailed bool
}

func (o *planOptions) AddFlags(fs *pflag.FlagSet) {
	o.planning.AddFlags(fs)
	o.limits.AddFlags(fs)
	fs.BoolVar(&o.json, "json", false, "print the plan as one JSON document (see docs/plan-json.md)")
	fs.BoolVar(&o.markdown, "markdown", false, "print a compact markdown summary for a pull request")
	fs.StringVar(&o.out, "out", "", "save the plan to `FILE` for imgform apply FILE")
	fs.BoolVar(&o.detailed, "detailed-exitcode", false, "exit 0 when there is nothing to do, 2 when there are changes, 1 on error")
	o.lock.AddFlags(fs, true)
}

func planCommand() *command {
	var o planOptions
	return &command{
		Name:  "plan",
		Short: "Show what apply would generate, move, restore or delete",
		Long:  planview.CommandHelp("plan"),
		Flags: o.AddFlags,
		Run:   o.run,
	}
}

func (o *planOptions) run(ctx context.Context, e *env, _ []string) error {
	if o.json && o.markdown {
		return &cli.UsageError{Msg: "--json and --markdown exclude each other", Path: "plan"}
	}
	w, err := workspace.Open(ctx, e.wiring(), workspace.Need{Config: true, Cache: true, Operation: "plan", NoLock: !o.lock.lock, LockTimeout: o.lock.timeout})
	if err != nil {
		return err
	}
	defer w.Close()
	client, err := newClient(e, nil) // only for the endpoint's canonical form
	if err != nil {
		return err
	}
	lim, err := plan.ResolveLimits(o.limits.sources(e), w.Settings)
	if err != nil {
		return err
	}
	p, err := preparePlan(ctx, w, o.planning, "", client.BaseURL())
	if err != nil {
		return err
	}
	if o.out != "" {
		// A saved plan sends exactly what it shows: its random seeds are
		// fixed now.
		p.PinSeeds()
	}
	if err := writePlan(e, p, o.json, o.markdown, lim.RatePerMinute); err != nil {
		return err
	}
	// A plan over budget is shown, then refused (exit 1), and not saved.
	if err := lim.CheckBudget(p); err != nil {
		return err
	}
	if o.out != "" {
		if err := w.SavePlan(o.out, p); err != nil {
			return err
		}
	}
	if o.out != "" && !o.json && !o.markdown {
		fmt.Fprintf(e.stdout, "\nSaved the plan to %s. Run \"imgform apply %s\" to apply exactly this plan.\n", o.out, o.out)
	}
	if o.detailed && p.HasChanges() {
		return cli.WithExitCode(exitChanges, nil)
	}
	return nil
}

// preparePlan prepares the plan of a run on the workspace (see
// workspace.Workspace.Plan) with the planning flags.
func preparePlan(ctx context.Context, w *workspace.Workspace, o planningOptions, savedPlan, endpoint string) (*plan.Plan, error) {
	targets, err := workspace.ParseAddresses("target", o.targets)
	if err != nil {
		return nil, err
	}
	replace, err := workspace.ParseAddresses("replace", o.replace)
	if err != nil {
		return nil, err
	}
	return w.Plan(ctx, apply.Planning{Targets: targets, Replace: replace, Offline: o.offline, Verify: o.verify, OverwriteNewer: o.overwriteNewer}, savedPlan, endpoint)
}

// writePlan prints a plan on stdout in the form asked for.
func writePlan(e *env, p *plan.Plan, asJSON, asMarkdown bool, ratePerMinute float64) error {
	switch {
	case asJSON:
		return planview.WriteJSON(e.stdout, p)
	case asMarkdown:
		return planview.WriteMarkdown(e.stdout, p, planview.TextOptions{RatePerMinute: ratePerMinute})
	}
	return planview.WriteText(e.stdout, p, planview.TextOptions{Color: e.colorOn(e.stdout), RatePerMinute: ratePerMinute})
}
