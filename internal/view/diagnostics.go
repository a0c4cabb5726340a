package view

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/imgform/imgform/internal/spec"
)

// Diagnostics renders configuration diagnostics the way terraform
// validate does, with the position as FILE:LINE:COLUMN:
//
//	Error: Unsupported argument
//
//	  on main.img.hcl:3:3, in image "hero":
//	   3:   promt = "castle"
//	          ^^^^^
//
//	An argument named "promt" is not expected here. Did you mean "prompt"?
//
// What is secret (a secret attribute's strings, a URL's password) is
// masked.
type Diagnostics struct {
	Color bool // ANSI colour (a terminal, colour allowed)
	Width int  // wrap the details at this width; 0 does not wrap
}

// Write writes diags, with the source lines of files.
func (v Diagnostics) Write(out io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	for _, d := range diags {
		v.writeDiagnostic(w, d, files)
	}
}

func (v Diagnostics) writeDiagnostic(w io.Writer, d *hcl.Diagnostic, files map[string]*hcl.File) {
	label, color := "Error:", ansiRed
	if d.Severity == hcl.DiagWarning {
		label, color = "Warning:", ansiYellow
	}
	fmt.Fprintf(w, "\n%s %s\n", paint(v.Color, label, ansiBold, color), paint(v.Color, redactText(d.Summary), ansiBold))
	if d.Subject != nil {
		rng := *d.Subject
		ctx := ""
		if f := files[rng.Filename]; f != nil {
			if nav, ok := f.Nav.(interface{ ContextString(int) string }); ok {
				if c := nav.ContextString(rng.Start.Byte); c != "" {
					ctx = ", in " + c
				}
			}
		}
		fmt.Fprintf(w, "\n  on %s:%d:%d%s:\n", rng.Filename, rng.Start.Line, rng.Start.Column, ctx)
		if f := files[rng.Filename]; f != nil {
			v.writeSnippet(w, f.Bytes, rng, secretLines(f)[rng.Start.Line])
		}
	}
	if d.Detail != "" {
		fmt.Fprintf(w, "\n%s\n", wrap(redactText(d.Detail), v.Width))
	}
}

// writeSnippet prints the first source line of rng with the range marked:
// underlined in colour, or with carets beneath it otherwise. What is
// secret in it (the strings of a secret's attribute, a URL's password) is
// masked.
func (v Diagnostics) writeSnippet(w io.Writer, src []byte, rng hcl.Range, secret bool) {
	raw := sourceLine(src, rng.Start.Line)
	if raw == "" && rng.Start.Line > 1 {
		return
	}
	start := byteColumn(raw, rng.Start.Column)
	end := len(raw)
	if rng.End.Line == rng.Start.Line {
		end = byteColumn(raw, rng.End.Column)
	}
	line, mapOffset := redactLine(raw, secret)
	start, end = mapOffset(start, false), mapOffset(end, true)
	if end <= start {
		end = start + 1
		if end > len(line) {
			line += " "
		}
	}
	prefix := fmt.Sprintf("  %3d: ", rng.Start.Line)
	if v.Color {
		fmt.Fprintf(w, "%s%s%s%s\n", prefix, line[:start], paint(true, line[start:end], ansiUnderline), line[end:])
		return
	}
	fmt.Fprintf(w, "%s%s\n", prefix, line)
	var marks strings.Builder
	marks.WriteString(strings.Repeat(" ", len(prefix)))
	for _, r := range line[:start] {
		if r == '\t' {
			marks.WriteByte('\t')
		} else {
			marks.WriteByte(' ')
		}
	}
	marks.WriteString(strings.Repeat("^", utf8.RuneCountInString(line[start:end])))
	fmt.Fprintf(w, "%s\n", marks.String())
}

func sourceLine(src []byte, n int) string {
	for i := 1; i < n; i++ {
		nl := bytes.IndexByte(src, '\n')
		if nl < 0 {
			return ""
		}
		src = src[nl+1:]
	}
	if nl := bytes.IndexByte(src, '\n'); nl >= 0 {
		src = src[:nl]
	}
	return strings.TrimRight(string(src), "\r")
}

// byteColumn converts HCL's 1-based character column to a byte offset in
// line, clamped to the line.
func byteColumn(line string, col int) int {
	off := 0
	for i := 1; i < col && off < len(line); i++ {
		_, size := utf8.DecodeRuneInString(line[off:])
		off += size
	}
	return off
}

// jsonDiagnostics is the machine-readable form of validate --json, shaped
// like terraform validate -json.
type jsonDiagnostics struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []jsonDiagnostic `json:"diagnostics"`
}

type jsonDiagnostic struct {
	Severity string       `json:"severity"`
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail,omitempty"`
	Range    *jsonRange   `json:"range,omitempty"`
	Snippet  *jsonSnippet `json:"snippet,omitempty"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type jsonSnippet struct {
	Context   string `json:"context,omitempty"`
	Code      string `json:"code"`
	StartLine int    `json:"start_line"`
}

// WriteJSONDiagnostics writes diags as validate --json does, shaped
// like terraform validate -json.
func WriteJSONDiagnostics(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) error {
	out := jsonDiagnostics{FormatVersion: "1.0", Diagnostics: []jsonDiagnostic{}}
	for _, d := range diags {
		jd := jsonDiagnostic{Severity: "error", Summary: redactText(d.Summary), Detail: redactText(d.Detail)}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
			out.WarningCount++
		} else {
			out.ErrorCount++
		}
		if s := d.Subject; s != nil {
			jd.Range = &jsonRange{
				Filename: s.Filename,
				Start:    jsonPos{Line: s.Start.Line, Column: s.Start.Column, Byte: s.Start.Byte},
				End:      jsonPos{Line: s.End.Line, Column: s.End.Column, Byte: s.End.Byte},
			}
			if f := files[s.Filename]; f != nil {
				code, _ := redactLine(sourceLine(f.Bytes, s.Start.Line), secretLines(f)[s.Start.Line])
				sn := &jsonSnippet{Code: code, StartLine: s.Start.Line}
				if nav, ok := f.Nav.(interface{ ContextString(int) string }); ok {
					sn.Context = nav.ContextString(s.Start.Byte)
				}
				jd.Snippet = sn
			}
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	out.Valid = out.ErrorCount == 0
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteValid says that the configuration cfg is valid, as imgform
// validate does, and which variables had no value (checked without).
func WriteValid(w io.Writer, cfg *spec.Config) error {
	n := len(cfg.Images)
	if _, err := fmt.Fprintf(w, "Success! The configuration is valid: %d %s.\n", n, Plural(n, "image", "images")); err != nil {
		return err
	}
	if len(cfg.Unset) == 0 {
		return nil
	}
	names := make([]string, len(cfg.Unset))
	for i, v := range cfg.Unset {
		names[i] = "var." + v
	}
	_, err := fmt.Fprintf(w, "%s %s no value: the images that depend on %s were checked as far as they can be without %s (plan and apply need a value).\n",
		strings.Join(names, ", "), Plural(len(names), "has", "have"), Plural(len(names), "it", "them"), Plural(len(names), "it", "them"))
	return err
}
