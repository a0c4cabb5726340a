package spec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// instanceDetail matches the start of a diagnostic's detail that names
// the instance it is about ("In image.icon["sword"]: ", see instPrefix).
var instanceDetail = regexp.MustCompile(`^In (image\.[A-Za-z_][A-Za-z0-9_-]*\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\]): `)

// instancesShown is how many instances a merged diagnostic names.
const instancesShown = 3

// dedupe reports each problem once per source range: an error in an
// expression shared by every instance of a for_each (a misspelled
// attribute of each.value, say) would otherwise be reported once per
// key. Diagnostics that name their instance are merged when they have
// the same severity, summary and range, into one that says "(in 20
// instances: ...)"; when their details differ (each instance's own
// value), the first is shown whole. Other repeated diagnostics are
// dropped.
func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	type key struct {
		sev     hcl.DiagnosticSeverity
		summary string
		detail  string // "" for diagnostics merged across instances
		rng     hcl.Range
	}
	type group struct {
		first     *hcl.Diagnostic
		rest      string // the detail without the instance
		same      bool   // every instance's detail is the same but for the instance
		instances []string
		seen      map[string]bool
	}
	groups := map[key]*group{}
	out := diags[:0:0]
	for _, d := range diags {
		k := key{sev: d.Severity, summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.rng = *d.Subject
		}
		m := instanceDetail.FindStringSubmatch(d.Detail)
		if m != nil && d.Subject != nil {
			k.detail = ""
		}
		g, ok := groups[k]
		if !ok {
			g = &group{first: d, same: true, seen: map[string]bool{}}
			if k.detail == "" {
				g.rest = d.Detail[len(m[0]):]
			}
			groups[k] = g
			out = append(out, d)
		}
		if k.detail != "" || g.seen[m[1]] {
			continue
		}
		g.seen[m[1]] = true
		g.instances = append(g.instances, m[1])
		g.same = g.same && d.Detail[len(m[0]):] == g.rest
	}
	for _, g := range groups {
		if len(g.instances) < 2 {
			continue
		}
		merged := *g.first
		detail := merged.Detail
		in := fmt.Sprintf("in %d instances: %s", len(g.instances), listInstances(g.instances))
		if g.same {
			detail = g.rest
		} else {
			in += "; the first is shown, the others' values differ"
		}
		merged.Detail = appendNote(detail, "("+in+")")
		*g.first = merged
	}
	return out
}

// listInstances names the first instances and counts the others.
func listInstances(insts []string) string {
	if len(insts) <= instancesShown {
		return strings.Join(insts, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(insts[:instancesShown], ", "), len(insts)-instancesShown)
}

// appendNote adds a parenthesised note to a detail, before its last
// full stop when it ends with one, so that it stays one sentence.
func appendNote(detail, note string) string {
	if body, ok := strings.CutSuffix(detail, "."); ok {
		return body + " " + note + "."
	}
	return detail + " " + note
}
