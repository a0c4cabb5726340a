package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
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
		Long: `Without an argument, show every image the state records: its request,
what made it, and its outputs with their hashes. With an address, show that
image. With a plan file saved by plan --out, show the plan. With --cost,
total what the recorded images cost when they were made, per block
(image.NAME and all its instances) and overall.`,
		Flags: o.AddFlags,
		NArgs: cli.AtMost(1),
		Run: func(ctx context.Context, e *env, args []string) error {
			return runShow(ctx, e, o, args)
		},
	}
}

func runShow(ctx context.Context, e *env, o showOptions, args []string) error {
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
	st, err := loadState(ctx, e)
	if err != nil {
		return err
	}
	if o.cost {
		candidates, err := candidatesPaid(ctx, e, st)
		if err != nil {
			return err
		}
		return writeCosts(e.stdout, st, candidates, o.json)
	}
	if o.json {
		data, err := state.Marshal(st)
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(data)
		return err
	}
	if len(st.Images) == 0 {
		_, err := fmt.Fprintln(e.stdout, "The state is empty: no image has been generated yet.")
		return err
	}
	bw := bufio.NewWriter(e.stdout)
	for i, addr := range st.Addresses() {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		writeEntry(bw, addr, st.Images[addr])
	}
	return bw.Flush()
}

func showImage(ctx context.Context, e *env, addr string, asJSON bool) error {
	st, err := loadState(ctx, e)
	if err != nil {
		return err
	}
	entry, ok := st.Images[addr]
	if !ok {
		return fmt.Errorf("the state has no image %s", addr)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(entry)
	}
	bw := bufio.NewWriter(e.stdout)
	writeEntry(bw, addr, entry)
	return bw.Flush()
}

// writeEntry prints what the state records of one image.
func writeEntry(w io.Writer, addr string, e *state.Entry) {
	fmt.Fprintf(w, "# %s\n", addr)
	fmt.Fprintf(w, "    made by     %s\n", e.Generator)
	if e.Endpoint != "" {
		fmt.Fprintf(w, "    endpoint    %s\n", e.Endpoint)
	}
	if e.Placeholder {
		fmt.Fprintf(w, "    placeholder yes (an emulator's, not SDXL output)\n")
	}
	fmt.Fprintf(w, "    input hash  %s\n", e.InputHash)
	fmt.Fprintf(w, "    seed origin %s\n", e.SeedOrigin)
	if e.CostUSD > 0 {
		fmt.Fprintf(w, "    cost        $%.3f\n", e.CostUSD)
	}
	fmt.Fprintf(w, "    model       %s\n", e.Request.Model())
	params := e.Request.DisplayParams()
	width := 0
	for _, p := range params {
		width = max(width, len(p.Name))
	}
	for _, p := range params {
		fmt.Fprintf(w, "    %-*s = %s\n", width, p.Name, p.Value)
	}
	for _, o := range e.Outputs {
		fmt.Fprintf(w, "    output %s\n", o.Path)
		fmt.Fprintf(w, "        sha256 %s, %d bytes, modified %s\n", o.SHA256, o.Size, o.ModTime.Format("2006-01-02 15:04:05 MST"))
		if o.RequestID != "" {
			fmt.Fprintf(w, "        request %s, inference %.2fs\n", o.RequestID, o.InferenceTime)
		}
	}
	for _, v := range e.Variants {
		fmt.Fprintf(w, "    variant %s (sample %d) %s\n", v.Name, v.Sample, v.Path)
		fmt.Fprintf(w, "        sha256 %s, %d bytes, modified %s\n", v.SHA256, v.Size, v.ModTime.Format("2006-01-02 15:04:05 MST"))
		fmt.Fprintf(w, "        %s\n", variantAttributes(v.Attributes))
	}
}

// variantAttributes lists a recorded variant's attributes, those that
// apply, in the language's order.
func variantAttributes(attrs map[string]string) string {
	var parts []string
	for _, name := range []string{"width", "height", "fit", "anchor", "background", "format", "quality", "lossless"} {
		if v := attrs[name]; v != "" && !(name == "lossless" && v == "false") {
			parts = append(parts, name+" "+v)
		}
	}
	return strings.Join(parts, ", ")
}
