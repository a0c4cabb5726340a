package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/spec"
)

var update = flag.Bool("update", false, "rewrite the generated sections of README.md and the golden files")

// The README's generated sections: the CLI reference comes from the flag
// definitions, the parameter table from the model's schema, the function
// list from the language's function table. The test fails when the README
// and the code disagree; -update rewrites the README.
func TestREADME(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	sections := []struct {
		begin, end string
		body       string
	}{
		{"<!-- BEGIN LANGUAGE PARAMETERS", "<!-- END LANGUAGE PARAMETERS -->", parameterTable()},
		{"<!-- BEGIN FUNCTIONS", "<!-- END FUNCTIONS -->", functionList()},
		{"<!-- BEGIN VARIANT ARGUMENTS", "<!-- END VARIANT ARGUMENTS -->", variantTable()},
		{"<!-- BEGIN CLI REFERENCE", "<!-- END CLI REFERENCE -->", cliReference()},
	}
	want := readme
	for _, s := range sections {
		var err error
		want, err = replaceSection(want, s.begin, s.end, s.body)
		if err != nil {
			t.Fatal(err)
		}
	}
	if want == readme {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md is out of date with the code; run go test ./cmd/imgform -run TestREADME -update (-README +code):\n%s", cmp.Diff(readme, want))
}

func replaceSection(doc, begin, end, body string) (string, error) {
	i := strings.Index(doc, begin)
	if i < 0 {
		return "", fmt.Errorf("README.md has no %q marker", begin)
	}
	i += strings.Index(doc[i:], "\n") + 1
	j := strings.Index(doc[i:], end)
	if j < 0 {
		return "", fmt.Errorf("README.md has no %q marker", end)
	}
	return doc[:i] + body + doc[i+j:], nil
}

func parameterTable() string {
	var b strings.Builder
	b.WriteString("| attribute | type | default | allowed |\n| --- | --- | --- | --- |\n")
	for _, p := range model.Default.ImageParams() {
		def := "required"
		switch d := p.Default; d.Kind() {
		case model.KindString:
			def = strconv.Quote(d.Str())
		case model.KindInteger, model.KindNumber:
			def = d.Canonical()
		}
		if p.Role == model.RoleSeed {
			def = "derived from the address"
		}
		allowed := ""
		switch {
		case p.Ranged:
			allowed = fmt.Sprintf("%s to %s", strconv.FormatFloat(p.Min, 'f', -1, 64), strconv.FormatFloat(p.Max, 'f', -1, 64))
		case len(p.AllowedInts) > 0:
			var vs []string
			for _, v := range p.AllowedInts {
				vs = append(vs, strconv.FormatInt(v, 10))
			}
			allowed = strings.Join(vs, ", ")
		case len(p.Allowed) > 0:
			var vs []string
			for _, s := range p.Allowed {
				vs = append(vs, "`"+s+"`")
			}
			allowed = strings.Join(vs, ", ")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", p.Name, p.Kind, mdCell(def), allowed)
	}
	b.WriteString("| `output` | string | one of `output`/`outputs` is required, unless the image has variants | a relative path ending in `.png`, `.jpg` or `.jpeg` |\n")
	b.WriteString("| `outputs` | list of strings | | one path per sample, when `samples` > 1 |\n")
	b.WriteString("| `for_each` | map, or set of strings | | one image per key: `each.key`, `each.value` |\n")
	b.WriteString("| `count` | number | | that many images: `count.index` |\n")
	return b.String()
}

// variantTable lists the variant block's arguments, from the language's
// own table of them.
func variantTable() string {
	var b strings.Builder
	b.WriteString("| argument | type | default | meaning |\n| --- | --- | --- | --- |\n")
	for _, a := range spec.VariantArguments() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", a.Name, a.Type, mdCell(a.Default), mdCell(a.Doc))
	}
	return b.String()
}

func functionList() string {
	names := spec.FunctionNames()
	sort.Strings(names)
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + n + "`"
	}
	return strings.Join(quoted, ", ") + ".\n"
}

func cliReference() string {
	var b strings.Builder
	var g globals
	global := pflag.NewFlagSet("global", pflag.ContinueOnError)
	g.AddFlags(global)
	b.WriteString("Global flags:\n\n")
	writeFlagTable(&b, global)
	for _, c := range program().Commands {
		writeCommandReference(&b, c, c.Name)
	}
	return b.String()
}

func writeCommandReference(b *strings.Builder, c *command, name string) {
	if c.Run != nil {
		usage := "imgform " + name
		if c.Args != "" {
			usage += " " + c.Args
		}
		fmt.Fprintf(b, "\n#### `%s`\n\n%s.\n", usage, c.Short)
		if c.Flags != nil {
			fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
			fs.SortFlags = false
			c.Flags(fs)
			b.WriteString("\n")
			writeFlagTable(b, fs)
		}
	}
	for _, s := range c.Sub {
		writeCommandReference(b, s, name+" "+s.Name)
	}
}

func writeFlagTable(b *strings.Builder, fs *pflag.FlagSet) {
	b.WriteString("| flag | default | meaning |\n| --- | --- | --- |\n")
	fs.VisitAll(func(f *pflag.Flag) {
		varname, usage := pflag.UnquoteUsage(f)
		name := "`--" + f.Name
		if f.Shorthand != "" {
			name = "`-" + f.Shorthand + "`, " + name
		}
		if varname != "" && f.Value.Type() != "bool" {
			name += " " + varname
		}
		name += "`"
		def := f.DefValue
		switch {
		case def == "[]" || def == "" || (f.Value.Type() == "bool" && def == "false"):
			def = ""
		default:
			def = "`" + def + "`"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", name, def, mdCell(usage))
	})
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
