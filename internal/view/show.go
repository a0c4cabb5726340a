package view

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
)

// WriteState writes what the state records of every image, as imgform
// show does (an empty state says so), or (asJSON) the state as its file
// holds it.
func WriteState(w io.Writer, st *state.State, asJSON bool) error {
	if asJSON {
		data, err := state.Marshal(st)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	if len(st.Images) == 0 {
		_, err := fmt.Fprintln(w, "The state is empty: no image has been generated yet.")
		return err
	}
	bw := bufio.NewWriter(w)
	for i, addr := range st.Addresses() {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		writeEntry(bw, addr, st.Images[addr])
	}
	return bw.Flush()
}

// WriteEntry writes what the state records of the image at addr, as text
// or (asJSON) as the state file holds it.
func WriteEntry(w io.Writer, addr string, e *state.Entry, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(e)
	}
	bw := bufio.NewWriter(w)
	writeEntry(bw, addr, e)
	return bw.Flush()
}

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

// WriteCosts writes what the state's images cost, and the candidates
// paid for beside them, per block and overall, as text or JSON.
func WriteCosts(w io.Writer, st *state.State, candidates []plan.Paid, asJSON bool) error {
	blocks, total := plan.Costs(st, candidates)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Blocks []plan.BlockCost `json:"blocks"`
			Total  plan.BlockCost   `json:"total"`
		}{blocks, total})
	}
	bw := bufio.NewWriter(w)
	width := len("total")
	for _, b := range blocks {
		width = max(width, len(b.Block))
	}
	fmt.Fprintf(bw, "%-*s  %7s  %10s\n", width, "block", "images", "cost")
	for _, b := range append(blocks, total) {
		fmt.Fprintf(bw, "%-*s  %7d  %10s\n", width, b.Block, b.Images, fmt.Sprintf("$%.3f", b.CostUSD))
	}
	if total.Candidates > 0 {
		fmt.Fprintf(bw, "\n%d of these %s preview generated and not picked (in the cache: imgform pick chooses among them for free).\n", total.Candidates, Plural(total.Candidates, "is a candidate", "are candidates"))
	}
	if total.Unknown > 0 {
		fmt.Fprintf(bw, "\n%d %s made by the API before imgform recorded costs count as $0 here.\n", total.Unknown, Plural(total.Unknown, "image", "images"))
	}
	return bw.Flush()
}

// Plural is one or many, as n asks: the word alone.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// WriteWorkspaces lists the workspaces, the current one marked with *,
// as terraform workspace list does.
func WriteWorkspaces(w io.Writer, names []string, current string) error {
	bw := bufio.NewWriter(w)
	for _, n := range names {
		mark := " "
		if n == current {
			mark = "*"
		}
		fmt.Fprintf(bw, "%s %s\n", mark, n)
	}
	return bw.Flush()
}

// WriteMoved says what imgform state mv moved (old address → new), one
// line each, sorted.
func WriteMoved(w io.Writer, moved map[string]string) error {
	var lines []string
	for from, to := range moved {
		lines = append(lines, fmt.Sprintf("Moved %s to %s", from, to))
	}
	slices.Sort(lines)
	_, err := fmt.Fprintln(w, strings.Join(lines, "\n"))
	return err
}
