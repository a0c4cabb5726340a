package spec

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFunctions evaluates each expression as an image's prompt and checks
// the result: the functions a Terraform user reaches for behave as there.
func TestFunctions(t *testing.T) {
	cases := map[string]struct {
		expr string
		want string
	}{
		"format":            {expr: `format("%s-%03d", "frame", 7)`, want: "frame-007"},
		"formatlist":        {expr: `join(",", formatlist("<%s>", ["a", "b"]))`, want: "<a>,<b>"},
		"join":              {expr: `join(", ", ["a", "b"])`, want: "a, b"},
		"lower upper title": {expr: `"${lower("AB")} ${upper("cd")} ${title("ef gh")}"`, want: "ab CD Ef Gh"},
		"replace literal":   {expr: `replace("a.b.c", ".", "/")`, want: "a/b/c"},
		"replace regex":     {expr: `replace("a1b22c", "/[0-9]+/", "-")`, want: "a-b-c"},
		"replace group":     {expr: `replace("ab", "/(a)(b)/", "$2$1")`, want: "ba"},
		"regex_replace":     {expr: `regex_replace("a1b", "[0-9]", "")`, want: "ab"},
		"trimspace":         {expr: `trimspace("  x \n")`, want: "x"},
		"trim functions":    {expr: `"${trimprefix("img_a", "img_")}${trimsuffix("b.png", ".png")}${trim("--c--", "-")}"`, want: "abc"},
		"split":             {expr: `split(",", "a,b")[1]`, want: "b"},
		"substr strrev":     {expr: `"${substr("hello", 1, 3)} ${strrev("abc")}"`, want: "ell cba"},
		"predicates":        {expr: `"${startswith("ab", "a")} ${endswith("ab", "a")} ${strcontains("abc", "b")}"`, want: "true false true"},
		"length":            {expr: `"${length("café")} ${length([1, 2])} ${length({a = 1})}"`, want: "4 2 1"},
		"merge lookup":      {expr: `lookup(merge({a = "x"}, {a = "y", b = "z"}), "a", "none")`, want: "y"},
		"lookup default":    {expr: `lookup({a = "x"}, "b", "none")`, want: "none"},
		"concat":            {expr: `join("", concat(["a"], ["b", "c"]))`, want: "abc"},
		"range":             {expr: `join(",", range(3))`, want: "0,1,2"},
		"toset sort":        {expr: `join(",", sort(toset(["b", "a", "b"])))`, want: "a,b"},
		"tomap keys":        {expr: `join(",", keys(tomap({b = "1", a = "2"})))`, want: "a,b"},
		"object keys":       {expr: `join(",", keys({b = 1, a = "2"}))`, want: "a,b"},
		"object values":     {expr: `join(",", values({b = "1", a = "2"}))`, want: "2,1"},
		"coalesce null":     {expr: `coalesce(null, "", "z")`, want: "z"},
		"coalesce number":   {expr: `coalesce(null, 0, 1)`, want: "0"},
		"distinct flatten":  {expr: `join(",", distinct(flatten([["a"], ["a", "b"]])))`, want: "a,b"},
		"element contains":  {expr: `"${element(["a", "b"], 3)} ${contains(["a"], "a")}"`, want: "b true"},
		"coalesce compact":  {expr: `"${coalesce("", "x")} ${length(compact(["", "y"]))}"`, want: "x 1"},
		"zipmap values":     {expr: `join(",", values(zipmap(["k1", "k2"], ["v1", "v2"])))`, want: "v1,v2"},
		"numeric":           {expr: `"${max(1, 5)} ${min(1, 5)} ${abs(-2)} ${ceil(1.2)} ${floor(1.8)} ${pow(2, 3)} ${parseint("ff", 16)}"`, want: "5 1 2 2 1 8 255"},
		"sha256":            {expr: `sha256("abc")`, want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		"md5 sha1":          {expr: `"${md5("")} ${sha1("")}"`, want: "d41d8cd98f00b204e9800998ecf8427e da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		"base64":            {expr: `base64decode(base64encode("café"))`, want: "café"},
		"json":              {expr: `jsonencode({a = [1, "b"]})`, want: `{"a":[1,"b"]}`},
		"jsondecode":        {expr: `jsondecode("{\"a\": \"b\"}").a`, want: "b"},
		"urlencode":         {expr: `urlencode("a b&c")`, want: "a+b%26c"},
		"conversions":       {expr: `"${tostring(1)} ${tonumber("2") + 1} ${tobool("true")}"`, want: "1 3 true"},
		"try can":           {expr: `"${try(tonumber("x"), "fallback")} ${can(tonumber("x"))}"`, want: "fallback false"},
		"path":              {expr: `"${path.root} ${path.module}"`, want: ". ."},
		"chomp indent":      {expr: `"${chomp("a\n")}${indent(1, "b\nc")}"`, want: "ab\n c"},
		"heredoc":           {expr: "<<-EOT\n    two\n      lines\n    EOT", want: "two\n  lines\n"},
		"for expression":    {expr: `join(" ", [for s in ["a", "b"] : upper(s)])`, want: "A B"},
		"conditional":       {expr: `1 > 2 ? "no" : "yes"`, want: "yes"},
		"escapes":           {expr: `"$${not} %%{not} \"q\" \\ \u00e9"`, want: `${not} %{not} "q" \ é`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := writeArchive(t, "-- main.img.hcl --\nimage \"a\" {\n  prompt = "+tc.expr+"\n  output = \"a.png\"\n}\n")
			cfg, diags := Load(t.Context(), dir, Options{})
			if diags.HasErrors() {
				t.Fatalf("unexpected diagnostics:\n%s", diags.Error())
			}
			if diff := cmp.Diff(tc.want, cfg.Images[0].Request.Prompt()); diff != "" {
				t.Errorf("prompt (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFunctionNames(t *testing.T) {
	names := FunctionNames()
	for _, want := range []string{"file", "fileexists", "format", "join", "lower", "upper", "replace", "trimspace", "merge", "concat", "lookup", "length", "sha256", "range", "toset", "tomap"} {
		if !slices.Contains(names, want) {
			t.Errorf("FunctionNames() lacks %q", want)
		}
	}
	// Functions whose result changes from run to run would make every
	// plan show changes.
	for _, banned := range []string{"timestamp", "uuid", "bcrypt"} {
		if slices.Contains(names, banned) {
			t.Errorf("FunctionNames() offers %q", banned)
		}
	}
}
