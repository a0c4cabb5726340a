package view

import (
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Secrets never reach the terminal or a log: a diagnostic's source line
// that is part of a secret's attribute (conn_str, *_key, secret, password,
// token) shows its strings as "****", and a URL with a password in it, in
// any line or message, shows "user:****@".

// mask replaces a secret.
const mask = "****"

// urlPassword is the password part of a URL: scheme://user:PASSWORD@host.
var urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@"'` + "`" + `]*:)([^\s@/"'` + "`" + `]+)@`)

// redactText masks the passwords of the URLs in a message.
func redactText(s string) string {
	return urlPassword.ReplaceAllString(s, "${1}"+mask+"@")
}

// isSecretName reports an attribute, or a log attribute, whose value is
// a secret.
func isSecretName(name string) bool {
	name = strings.ToLower(name)
	return name == "conn_str" || strings.HasSuffix(name, "_key") || name == "key" ||
		strings.Contains(name, "secret") || strings.Contains(name, "password") || strings.Contains(name, "token")
}

// secretLines returns the lines of a file that belong to a secret's
// attribute, however the expression is spread over lines.
func secretLines(f *hcl.File) map[int]bool {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	lines := map[int]bool{}
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		for name, attr := range b.Attributes {
			if !isSecretName(name) {
				continue
			}
			r := attr.SrcRange
			for l := r.Start.Line; l <= r.End.Line; l++ {
				lines[l] = true
			}
		}
		for _, blk := range b.Blocks {
			walk(blk.Body)
		}
	}
	walk(body)
	return lines
}

// stringLiteral is a quoted string on one line (escapes included).
var stringLiteral = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// redactLine masks what is secret in a source line: every string of a
// line of a secret's attribute, and URL passwords anywhere. It returns
// the line and a function that maps a byte offset of the original line
// to the redacted one (an offset inside what is masked goes to the
// mask's start, or its end when it ends a range), so that the range
// under it stays marked.
func redactLine(line string, secret bool) (string, func(i int, end bool) int) {
	type cut struct{ start, end int }
	var cuts []cut
	if secret {
		for _, m := range stringLiteral.FindAllStringIndex(line, -1) {
			lit := line[m[0]:m[1]]
			// A URL whose password is masked below still says where it
			// leads; any other string of a secret is masked whole ("" hides
			// nothing).
			if m[1]-m[0] > 2 && !urlPassword.MatchString(lit) {
				cuts = append(cuts, cut{m[0] + 1, m[1] - 1})
			}
		}
	}
	for _, m := range urlPassword.FindAllStringSubmatchIndex(line, -1) {
		cuts = append(cuts, cut{m[4], m[5]})
	}
	if len(cuts) == 0 {
		return line, func(i int, _ bool) int { return i }
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].start < cuts[j].start })
	merged := cuts[:1]
	for _, c := range cuts[1:] {
		last := &merged[len(merged)-1]
		if c.start <= last.end {
			last.end = max(last.end, c.end)
			continue
		}
		merged = append(merged, c)
	}
	var b strings.Builder
	prev := 0
	for _, c := range merged {
		b.WriteString(line[prev:c.start])
		b.WriteString(mask)
		prev = c.end
	}
	b.WriteString(line[prev:])
	return b.String(), func(i int, end bool) int {
		shift := 0
		for _, c := range merged {
			switch {
			case i <= c.start:
				return i + shift
			case i < c.end && end:
				return c.start + shift + len(mask)
			case i < c.end:
				return c.start + shift
			}
			shift += len(mask) - (c.end - c.start)
		}
		return i + shift
	}
}
