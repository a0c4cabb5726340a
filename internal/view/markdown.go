package view

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/imgform/imgform/internal/plan"
)

// maxMarkdownValue bounds a value shown in a markdown table cell; a long
// prompt is cut with an ellipsis (the full text is in plan --json).
const maxMarkdownValue = 120

// WriteMarkdown renders a compact summary for a pull request: a table of
// the changes with why and what they cost, and the total. It shows only
// what the plan holds: there is no secret in a plan to leak.
func WriteMarkdown(w io.Writer, p *plan.Plan, opts TextOptions) error {
	bw := bufio.NewWriter(w)
	markdownChanges(bw, p, opts)
	markdownHistory(bw, p)
	if len(p.Unpicked) > 0 {
		fmt.Fprintf(bw, "\n**Candidates** (`imgform preview` shows them; `imgform pick ADDRESS K` keeps one):\n\n")
		for _, u := range p.Unpicked {
			fmt.Fprintf(bw, "- %s\n", mdEscape(u.Message()))
		}
	}
	return bw.Flush()
}

// markdownChanges is the table of changes and the cost line.
func markdownChanges(bw *bufio.Writer, p *plan.Plan, opts TextOptions) {
	fmt.Fprintf(bw, "### imgform plan\n\n")
	if !p.HasChanges() {
		fmt.Fprintf(bw, "**No changes.** Your images match the configuration.\n")
		return
	}
	fmt.Fprintf(bw, "**Plan:** %s\n\n", summaryCounts(p.Summary))
	fmt.Fprintf(bw, "| Image | Action | Why | Parameters (old → new) | Cost |\n")
	fmt.Fprintf(bw, "| --- | --- | --- | --- | ---: |\n")
	for _, c := range p.Changes {
		var why []string
		for _, r := range c.Reasons {
			why = append(why, r.Message)
		}
		var params []string
		for _, d := range c.Diff {
			old, new := changedPart(d.Old, shownValue(c, d.Name, d.New))
			params = append(params, fmt.Sprintf("`%s`: %s → %s", d.Name, mdCode(old), mdCode(new)))
		}
		if kept := pickedSeedKept(c); kept != "" {
			params = append(params, fmt.Sprintf("`seed`: %s", mdEscape(kept)))
		}
		for _, m := range c.Moves {
			params = append(params, fmt.Sprintf("%s → %s", mdCode(m.From), mdCode(m.To)))
		}
		for _, vd := range c.VariantDiffs {
			for _, d := range vd.Diff {
				params = append(params, fmt.Sprintf("variant `%s` `%s`: %s → %s", vd.Name, d.Name, mdCode(orNone(d.Old)), mdCode(orNone(d.New))))
			}
		}
		for _, i := range c.Derive {
			v := c.Variants[i]
			params = append(params, fmt.Sprintf("derive %s (%s)", mdCode(v.Path), mdEscape(DescribeVariant(v))))
		}
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", mdCode(c.Address), c.Action, mdEscape(strings.Join(why, "; ")), strings.Join(params, "<br>"), costCell(c))
	}
	fmt.Fprintf(bw, "\n%s\n", CostLine(p, opts.RatePerMinute))
}

// costCell is what a change costs, in dollars at the model's price, and
// why it costs nothing when it does not.
func costCell(c *plan.Change) string {
	switch {
	case c.Cost > 0 && c.Request != nil:
		return fmt.Sprintf("$%.3f", float64(c.Cost)*c.Request.Schema().PriceUSD)
	case c.Cached:
		return "$0 (cache)"
	case c.Resumes:
		return "$0 (paid job resumed)"
	case c.SameRequestAs != "":
		return "$0 (same request)"
	case c.FromOutput:
		return "$0 (from the output)"
	}
	return "$0"
}

// diffContext is how much of the unchanged text around a change in a long
// value (a prompt) the markdown shows.
const diffContext = 40

// changedPart shortens two long values to the part that differs, with
// some context and an ellipsis where text was left out, so that a one-word
// change at the end of a long prompt is what the reviewer sees. Values
// that fit are shown whole.
func changedPart(old, new string) (string, string) {
	a, b := []rune(old), []rune(new)
	if len(a) <= maxMarkdownValue && len(b) <= maxMarkdownValue {
		return old, new
	}
	prefix := 0
	for prefix < len(a) && prefix < len(b) && a[prefix] == b[prefix] {
		prefix++
	}
	suffix := 0
	for suffix < len(a)-prefix && suffix < len(b)-prefix && a[len(a)-1-suffix] == b[len(b)-1-suffix] {
		suffix++
	}
	start := max(0, prefix-diffContext)
	cut := func(r []rune) string {
		end := min(len(r), len(r)-suffix+diffContext)
		if end-start > maxMarkdownValue+2*diffContext {
			end = start + maxMarkdownValue + 2*diffContext
		}
		s := string(r[start:end])
		if start > 0 {
			s = "…" + s
		}
		if end < len(r) {
			s += "…"
		}
		return s
	}
	return cut(a), cut(b)
}

// mdCode shows s as code in a table cell. A backtick in s would end a
// code span delimited by one, so the span is delimited by a run of
// backticks longer than any in s (with spaces inside, which markdown
// strips), as CommonMark provides.
func mdCode(s string) string {
	s = mdEscape(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if longest == 0 {
		return "`" + s + "`"
	}
	fence := strings.Repeat("`", longest+1)
	return fence + " " + s + " " + fence
}

// mdEscape keeps a value inside its table cell.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", " ")
}

// markdownLeftAlone lists the images a newer configuration changed and
// the plan leaves alone.
func markdownLeftAlone(bw *bufio.Writer, p *plan.Plan) {
	if len(p.LeftAlone) == 0 {
		return
	}
	fmt.Fprintf(bw, "\n**Left alone** (a newer configuration changed them; pull first):\n\n")
	for _, l := range p.LeftAlone {
		fmt.Fprintf(bw, "- %s\n", mdEscape(l.Message()))
	}
}

// markdownHistory adds what the checkout's history decided besides the
// images left alone: a shallow clone's skipped check, and the images
// whose uncommitted changes are committed now.
func markdownHistory(bw *bufio.Writer, p *plan.Plan) {
	markdownLeftAlone(bw, p)
	for _, line := range []string{uncheckedLine(p), committedLine(p), pendingUploadsLine(p)} {
		if line != "" {
			fmt.Fprintf(bw, "\n%s\n", mdEscape(line))
		}
	}
}
