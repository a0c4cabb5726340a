package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiagnosticsOutputs(t *testing.T) {
	outside := t.TempDir()
	runDiagCases(t, map[string]diagCase{
		"same output path": {
			src: `-- a.img.hcl --
image "a" {
  prompt = "x"
  output = "assets/a.png"
}
-- b.img.hcl --
image "b" {
  prompt = "y"

  output = "./assets//a.png"
}
`,
			want: []diag{{Summary: "Duplicate output path", File: "b.img.hcl", Line: 4, Detail: `image.b writes "assets/a.png", the output of image.a declared at DIR/a.img.hcl:3:12`}},
		},
		"output paths differing in case": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "Hero.png"
}
image "b" {
  prompt = "y"
  output = "hero.PNG"
}
`,
			want: []diag{{Summary: "Duplicate output path", File: "main.img.hcl", Line: 7, Detail: "differ only in case"}},
		},
		"output shared by every instance": {
			src: `-- main.img.hcl --
image "a" {
  for_each = toset(["x", "y", "z"])
  prompt   = each.key
  output   = "same.png"
}
`,
			want: []diag{{Summary: "Duplicate output path", File: "main.img.hcl", Line: 4, Detail: "does not depend on each.key, so all 3 of its instances"}},
		},
		"absolute output": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "/tmp/a.png"
}
`,
			want: []diag{{Summary: "Absolute output path", File: "main.img.hcl", Line: 3, Detail: `The output path "/tmp/a.png" is absolute`}},
		},
		"output escaping with ..": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "assets/../../a.png"
}
`,
			want: []diag{{Summary: "Output path leaves the configuration directory", File: "main.img.hcl", Line: 3, Detail: "points outside the configuration directory"}},
		},
		"output through a symlink to outside": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "assets/icons/a.png"
}
`,
			setup: func(t *testing.T, dir string) {
				symlink(t, outside, filepath.Join(dir, "assets"))
			},
			want: []diag{{Summary: "Output path leaves the configuration directory", File: "main.img.hcl", Line: 3, Detail: `goes through the symbolic link "assets"`}},
		},
		"output is a dangling symlink to outside": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "a.png"
}
`,
			setup: func(t *testing.T, dir string) {
				symlink(t, filepath.Join(outside, "missing.png"), filepath.Join(dir, "a.png"))
			},
			want: []diag{{Summary: "Output path leaves the configuration directory", File: "main.img.hcl", Line: 3, Detail: `the symbolic link "a.png"`}},
		},
		"output inside .imgform": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = ".imgform/cache/a.png"
}
`,
			want: []diag{{Summary: "Output path inside .imgform", File: "main.img.hcl", Line: 3}},
		},
		"unknown extension": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "a.gif"
}
`,
			want: []diag{{Summary: "Unsupported output format", File: "main.img.hcl", Line: 3, Detail: `the extension ".gif"`}},
		},
		"empty output": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = ""
}
`,
			want: []diag{{Summary: "Invalid output path", File: "main.img.hcl", Line: 3, Detail: "must not be empty"}},
		},
		"output inside .IMGFORM in another case": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = ".IMGFORM/a.png"
}
`,
			want: []diag{{Summary: "Output path inside .imgform", File: "main.img.hcl", Line: 3}},
		},
		"control character in output": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "a\nb.png"
}
`,
			want: []diag{{Summary: "Invalid output path", File: "main.img.hcl", Line: 3, Detail: "contains a control character"}},
		},
		"backslash in output": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "assets\\a.png"
}
`,
			want: []diag{{Summary: "Invalid output path", File: "main.img.hcl", Line: 3, Detail: "contains a backslash"}},
		},
		"output written where another needs a folder": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "icons/home/a.png"
}
image "b" {
  prompt = "y"
  output = "Icons/Home"
}
`,
			want: []diag{{Summary: "Conflicting output paths", File: "main.img.hcl", Line: 7, Detail: `image.b writes the file "Icons/Home", but image.a, declared at DIR/main.img.hcl:3:12, writes "icons/home/a.png" inside a folder of that name.`}},
		},
		"output inside a folder another writes as a file": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "icons"
}
image "b" {
  prompt = "y"
  output = "icons/b.png"
}
`,
			want: []diag{{Summary: "Conflicting output paths", File: "main.img.hcl", Line: 7, Detail: `image.b writes "icons/b.png" inside the folder "icons", but image.a, declared at DIR/main.img.hcl:3:12, writes a file of that name.`}},
		},
		"one bad path among outputs": {
			src: `-- main.img.hcl --
image "a" {
  prompt  = "x"
  samples = 2
  outputs = ["a.png",
  "../b.png"]
}
`,
			want: []diag{{Summary: "Output path leaves the configuration directory", File: "main.img.hcl", Line: 5}},
		},
	})
}

// symlink makes link point at target, skipping the test where the system
// does not allow it.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot create a symbolic link: %v", err)
	}
}

func TestSymlinkInsideIsAllowed(t *testing.T) {
	dir := writeArchive(t, `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "latest/a.png"
}
-- real/keep --
`)
	symlink(t, "real", filepath.Join(dir, "latest"))
	cfg, diags := Load(t.Context(), dir, Options{})
	if diags.HasErrors() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if diff := cmp.Diff([]string{"latest/a.png"}, cfg.Images[0].Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestDiagnosticsExpansion(t *testing.T) {
	runDiagCases(t, map[string]diagCase{
		"for_each set of numbers": {
			src: `-- main.img.hcl --
image "a" {
  for_each = toset([1, 2])
  prompt   = "x"
  output   = "${each.key}.png"
}
`,
			want: []diag{{Summary: "Invalid for_each argument", File: "main.img.hcl", Line: 2, Detail: "a set of number. A set used in for_each must hold strings"}},
		},
		"for_each over a list": {
			src: `-- main.img.hcl --
image "a" {
  for_each = ["a", "b"]
  prompt   = "x"
  output   = "${each.key}.png"
}
`,
			want: []diag{{Summary: "Invalid for_each argument", File: "main.img.hcl", Line: 2, Detail: "Use toset()"}},
		},
		"for_each over a string": {
			src: `-- main.img.hcl --
image "a" {
  for_each = "a"
  prompt   = "x"
  output   = "${each.key}.png"
}
`,
			want: []diag{{Summary: "Invalid for_each argument", File: "main.img.hcl", Line: 2, Detail: "is a string. A map, or a set of strings, is allowed."}},
		},
		"for_each null": {
			src: `-- main.img.hcl --
image "a" {
  for_each = null
  prompt   = "x"
  output   = "${each.key}.png"
}
`,
			want: []diag{{Summary: "Invalid for_each argument", File: "main.img.hcl", Line: 2, Detail: "is null"}},
		},
		"for_each set with null": {
			src: `-- main.img.hcl --
image "a" {
  for_each = toset(["a", null])
  prompt   = "x"
  output   = "${each.key}.png"
}
`,
			want: []diag{{Summary: "Invalid for_each argument", File: "main.img.hcl", Line: 2, Detail: "holds a null value"}},
		},
		"count negative": {
			src: `-- main.img.hcl --
image "a" {
  count  = -1
  prompt = "x"
  output = "${count.index}.png"
}
`,
			want: []diag{{Summary: "Invalid count argument", File: "main.img.hcl", Line: 2, Detail: "is negative"}},
		},
		"count fractional": {
			src: `-- main.img.hcl --
image "a" {
  count  = 1.5
  prompt = "x"
  output = "${count.index}.png"
}
`,
			want: []diag{{Summary: "Invalid count argument", File: "main.img.hcl", Line: 2, Detail: "is 1.5. A whole number is required."}},
		},
		"count not a number": {
			src: `-- main.img.hcl --
image "a" {
  count  = "two"
  prompt = "x"
  output = "${count.index}.png"
}
`,
			want: []diag{{Summary: "Invalid count argument", File: "main.img.hcl", Line: 2, Detail: "is a string"}},
		},
		"count too large": {
			src: `-- main.img.hcl --
image "a" {
  count  = 1e7
  prompt = "x"
  output = "${count.index}.png"
}
`,
			want: []diag{{Summary: "Invalid count argument", File: "main.img.hcl", Line: 2, Detail: "at most 1000000"}},
		},
		"count and for_each together": {
			src: `-- main.img.hcl --
image "a" {
  count    = 2
  for_each = toset(["a"])
  prompt   = "x"
  output   = "${each.key}.png"
}
`,
			want: []diag{{Summary: `Invalid combination of "count" and "for_each"`, File: "main.img.hcl", Line: 3, Detail: "mutually exclusive"}},
		},
		"each without for_each": {
			src: `-- main.img.hcl --
image "a" {
  prompt = each.key
  output = "a.png"
}
`,
			want: []diag{{Summary: `Reference to "each" in context without for_each`, File: "main.img.hcl", Line: 2, Detail: `here it is used in image "a"`}},
		},
		"each in a local": {
			src: `-- main.img.hcl --
locals {
  name = each.key
}
image "a" {
  for_each = toset(["x"])
  prompt   = local.name
  output   = "a.png"
}
`,
			want: []diag{{Summary: `Reference to "each" in context without for_each`, File: "main.img.hcl", Line: 2, Detail: "in a locals block"}},
		},
		"count.index with for_each": {
			src: `-- main.img.hcl --
image "a" {
  for_each = toset(["x"])
  prompt   = "${count.index}"
  output   = "a.png"
}
`,
			want: []diag{{Summary: `Reference to "count" in context without count`, File: "main.img.hcl", Line: 3}},
		},
		"each with a wrong attribute": {
			src: `-- main.img.hcl --
image "a" {
  for_each = toset(["x"])
  prompt   = each.name
  output   = "a.png"
}
`,
			want: []diag{{Summary: "Invalid reference", File: "main.img.hcl", Line: 3, Detail: "each.key and each.value"}},
		},
		"instance address in the detail": {
			src: `-- main.img.hcl --
image "a" {
  for_each = {
    small = 10
    huge  = 200
  }
  prompt              = "x"
  num_inference_steps = each.value
  output              = "${each.key}.png"
}
`,
			want: []diag{{Summary: "Value out of range", File: "main.img.hcl", Line: 7, Detail: `In image.a["huge"]: num_inference_steps must be between 1 and 100 (got 200).`}},
		},
		"instance address for a bad output": {
			src: `-- main.img.hcl --
image "a" {
  count  = 2
  prompt = "x"
  output = "${count.index == 1 ? "/abs" : "rel"}.png"
}
`,
			want: []diag{{Summary: "Absolute output path", File: "main.img.hcl", Line: 4, Detail: "In image.a[1]: "}},
		},
		"instance address for an evaluation error": {
			src: `-- main.img.hcl --
image "a" {
  for_each = {
    a = { prompt = "x" }
    b = {}
  }
  prompt = each.value.prompt
  output = "${each.key}.png"
}
`,
			want: []diag{{Summary: "Unsupported attribute", File: "main.img.hcl", Line: 6, Detail: `In image.a["b"]: `}},
		},
		"constant bad value in a for_each block is reported once": {
			src: `-- main.img.hcl --
image "a" {
  for_each            = toset(["a", "b", "c"])
  prompt              = "x ${each.key}"
  num_inference_steps = 500
  output              = "${each.key}.png"
}
`,
			want: []diag{{Summary: "Value out of range", File: "main.img.hcl", Line: 4, Detail: "num_inference_steps must be between 1 and 100 (got 500)."}},
		},
		"missing prompt in a count block is reported once": {
			src: `-- main.img.hcl --
image "a" {
  count  = 3
  output = "${count.index}.png"
}
`,
			want: []diag{{Summary: "Missing required argument", File: "main.img.hcl", Line: 1}},
		},
	})
}

// Output names that Windows cannot check out are refused: a team's
// repository is checked out there too.
func TestDiagnosticsWindowsNames(t *testing.T) {
	cases := map[string]diagCase{}
	for _, name := range []string{"CON.png", "aux/x.png", "art/nul.jpg", "com1.png", "lpt9/a.png", "a./b.png", "a /b.png", "a:b.png", `a?.png`, "trailing./x.png"} {
		cases[name] = diagCase{
			src:  "-- main.img.hcl --\nimage \"a\" {\n  prompt = \"x\"\n  output = \"" + name + "\"\n}\n",
			want: []diag{{Summary: "Output path not portable", File: "main.img.hcl", Line: 3}},
		}
	}
	cases["fine names"] = diagCase{src: "-- main.img.hcl --\nimage \"a\" {\n  prompt = \"x\"\n  output = \"console/auxiliary.png\"\n}\n"}
	runDiagCases(t, cases)
}
