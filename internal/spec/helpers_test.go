package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/rogpeppe/go-internal/txtar"
)

// writeArchive writes the files of a txtar archive (-- NAME -- headers
// followed by the file's text) into a new temporary directory and returns
// the directory.
func writeArchive(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range txtar.Parse([]byte(src)).Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// diag is the part of a diagnostic a test asserts: its summary, the file
// (relative to the configuration directory, "" for a sourceless one), the
// line, and a phrase its detail must contain.
type diag struct {
	Summary string
	File    string
	Line    int
	Detail  string // a phrase of the detail; "" asserts nothing about it
	Warning bool
}

// summarize turns diagnostics into diags comparable with want: a got
// detail that contains the wanted phrase at the same position is replaced
// by that phrase, so that cmp.Diff shows only real differences (and the
// whole detail when the phrase is missing). The directory is written DIR
// in details.
func summarize(dir string, diags hcl.Diagnostics, want []diag) []diag {
	var got []diag
	for i, d := range diags {
		detail := strings.ReplaceAll(d.Detail, dir, "DIR")
		g := diag{Summary: d.Summary, Detail: detail, Warning: d.Severity == hcl.DiagWarning}
		if d.Subject != nil {
			g.File = relName(dir, d.Subject.Filename)
			g.Line = d.Subject.Start.Line
		}
		if i < len(want) && strings.Contains(detail, want[i].Detail) {
			g.Detail = want[i].Detail
		}
		got = append(got, g)
	}
	return got
}

// relName shows a file name relative to dir when it is inside it.
func relName(dir, name string) string {
	if rel, err := filepath.Rel(dir, name); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return name
}
