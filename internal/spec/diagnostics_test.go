package spec

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

// diagCase is one broken configuration and the diagnostics it must give.
type diagCase struct {
	// src is a txtar archive of the configuration directory.
	src string
	// vars, varFiles (relative to the directory) and environ are the
	// Options of the run.
	vars, varFiles, environ []string
	// setup, when set, prepares what an archive cannot hold (symlinks).
	setup func(t *testing.T, dir string)
	want  []diag
}

func runDiagCases(t *testing.T, cases map[string]diagCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := writeArchive(t, tc.src)
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			opts := Options{Vars: tc.vars, Environ: tc.environ}
			for _, f := range tc.varFiles {
				opts.VarFiles = append(opts.VarFiles, filepath.Join(dir, f))
			}
			cfg, diags := Load(t.Context(), dir, opts)
			if diff := cmp.Diff(tc.want, summarize(dir, diags, tc.want)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
			checkRenderable(t, cfg, diags)
		})
	}
}

// checkRenderable asserts what every diagnostic owes its reader: a
// diagnostic with a source range names a file whose source the Config
// holds, so that the renderer can show the line, and rendering it works.
func checkRenderable(t *testing.T, cfg *Config, diags hcl.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if d.Summary == "" || d.Detail == "" {
			t.Errorf("diagnostic without summary or detail: %#v", d)
		}
		if d.Subject == nil {
			continue
		}
		if d.Subject.Filename == "" {
			t.Errorf("diagnostic %q has a subject without a file name", d.Summary)
		} else if cfg.Files[d.Subject.Filename] == nil {
			t.Errorf("diagnostic %q names %q, whose source the Config does not hold", d.Summary, d.Subject.Filename)
		}
	}
	var buf bytes.Buffer
	if err := hcl.NewDiagnosticTextWriter(&buf, cfg.Files, 80, false).WriteDiagnostics(diags); err != nil {
		t.Errorf("rendering diagnostics: %v", err)
	}
}

func TestDiagnosticsSyntax(t *testing.T) {
	runDiagCases(t, map[string]diagCase{
		"missing expression": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output =
}
`,
			want: []diag{{Summary: "Invalid expression", File: "main.img.hcl", Line: 3, Detail: "Expected the start of an expression"}},
		},
		"unclosed block": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
-- other.img.hcl --
image "b" {
  prompt = "y"
  output = "b.png"
}
`,
			want: []diag{{Summary: "Unclosed configuration block", File: "main.img.hcl", Line: 1}},
		},
		"syntax error stops before evaluation": {
			// The duplicate output would be reported if evaluation ran.
			src: `-- a.img.hcl --
image "a" {
  prompt = "x"
  output = "same.png"
}
-- b.img.hcl --
image "b" {
  prompt = "x"
  output = "same.png"
}
image "c" {
  prompt = = "x"
}
`,
			want: []diag{{Summary: "Invalid expression", File: "b.img.hcl", Line: 6}},
		},
		"no configuration files": {
			src: `-- README.md --
images live elsewhere
-- images.hcl --
image "a" {}
`,
			want: []diag{{Summary: "No configuration files", Detail: "There are no *.img.hcl files in"}},
		},
	})
}

func TestDiagnosticsSchema(t *testing.T) {
	runDiagCases(t, map[string]diagCase{
		"unknown block": {
			src: `-- main.img.hcl --
imag "a" {
  prompt = "x"
}
`,
			want: []diag{{Summary: "Unsupported block type", File: "main.img.hcl", Line: 1, Detail: `Did you mean "image"?`}},
		},
		"unknown attribute": {
			src: `-- main.img.hcl --
image "a" {
  promt  = "x"
  output = "a.png"
}
`,
			// No "missing prompt" on top: the misspelling is the cause.
			want: []diag{{Summary: "Unsupported argument", File: "main.img.hcl", Line: 2, Detail: `Did you mean "prompt"?`}},
		},
		"unknown attribute in defaults": {
			src: `-- main.img.hcl --
defaults {
  schedular = "DPM++ SDE"
}
image "a" {
  prompt = "x"
  output = "a.png"
}
`,
			want: []diag{{Summary: "Unsupported argument", File: "main.img.hcl", Line: 2, Detail: `Did you mean "scheduler"?`}},
		},
		"A1111 names in an image": {
			src: `-- main.img.hcl --
image "a" {
  prompt    = "x"
  output    = "a.png"
  steps     = 9
  cfg_scale = 2
  negative  = "blur"
  sampler   = "Euler a"
  width     = 1024
  variant "small" {
    output = "a-256.webp"
    width  = 256
    height = 256
  }
}
`,
			// width and height are a variant's own: no diagnostic there.
			want: []diag{
				{Summary: "Unsupported argument", File: "main.img.hcl", Line: 4, Detail: `"steps" is not expected here. Did you mean "num_inference_steps"?`},
				{Summary: "Unsupported argument", File: "main.img.hcl", Line: 5, Detail: `Did you mean "guidance_scale"?`},
				{Summary: "Unsupported argument", File: "main.img.hcl", Line: 6, Detail: `Did you mean "negative_prompt"?`},
				{Summary: "Unsupported argument", File: "main.img.hcl", Line: 7, Detail: `Did you mean "scheduler"?`},
				{Summary: "Unsupported argument", File: "main.img.hcl", Line: 8, Detail: `Did you mean "img_width"?`},
			},
		},
		"A1111 names in defaults": {
			src: `-- main.img.hcl --
defaults {
  cfg          = 2
  height       = 1024
  sampler_name = "Euler a"
}
image "a" {
  prompt = "x"
  output = "a.png"
}
`,
			want: []diag{
				{Summary: "Unsupported argument", File: "main.img.hcl", Line: 2, Detail: `Did you mean "guidance_scale"?`},
				{Summary: "Unsupported argument", File: "main.img.hcl", Line: 3, Detail: `Did you mean "img_height"?`},
				{Summary: "Unsupported argument", File: "main.img.hcl", Line: 4, Detail: `Did you mean "scheduler"?`},
			},
		},
		"output in defaults": {
			src: `-- main.img.hcl --
defaults {
  output = "a.png"
}
image "a" {
  prompt = "x"
  output = "a.png"
}
`,
			want: []diag{{Summary: "Argument not allowed in defaults", File: "main.img.hcl", Line: 2, Detail: `"output" cannot be inherited`}},
		},
		"for_each in defaults": {
			src: `-- main.img.hcl --
defaults {
  for_each = toset(["a"])
}
image "a" {
  prompt = "x"
  output = "a.png"
}
`,
			want: []diag{{Summary: "Argument not allowed in defaults", File: "main.img.hcl", Line: 2, Detail: "how many images one block declares"}},
		},
		"top-level argument": {
			src: `-- main.img.hcl --
prompt = "x"
`,
			want: []diag{{Summary: "Unsupported argument", File: "main.img.hcl", Line: 1}},
		},
		"missing image name": {
			src: `-- main.img.hcl --
image {
  prompt = "x"
  output = "a.png"
}
`,
			want: []diag{{Summary: "Missing name for image", File: "main.img.hcl", Line: 1}},
		},
		"invalid image name": {
			src: `-- main.img.hcl --
image "hero banner" {
  prompt = "x"
  output = "a.png"
}
`,
			want: []diag{{Summary: "Invalid image name", File: "main.img.hcl", Line: 1, Detail: "must start with a letter or underscore"}},
		},
		"duplicate image name": {
			src: `-- a.img.hcl --
image "hero" {
  prompt = "x"
  output = "a.png"
}
-- b.img.hcl --
# the same name again

image "hero" {
  prompt = "y"
  output = "b.png"
}
`,
			want: []diag{{Summary: "Duplicate image block", File: "b.img.hcl", Line: 3, Detail: "already declared at " + "DIR/a.img.hcl:1:1"}},
		},
		"depends_on is reserved": {
			src: `-- main.img.hcl --
image "a" {
  prompt     = "x"
  output     = "a.png"
  depends_on = []
}
`,
			want: []diag{{Summary: "Reserved argument name in image block", File: "main.img.hcl", Line: 4, Detail: `"depends_on" is reserved`}},
		},
		"lifecycle is reserved": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "a.png"
  lifecycle {}
}
`,
			want: []diag{{Summary: "Reserved block type in image block", File: "main.img.hcl", Line: 4}},
		},
		"missing prompt": {
			src: `-- main.img.hcl --
image "a" {
  output = "a.png"
}
`,
			want: []diag{{Summary: "Missing required argument", File: "main.img.hcl", Line: 1, Detail: `The argument "prompt" is required`}},
		},
		"missing output": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
}
`,
			want: []diag{{Summary: "Missing output path", File: "main.img.hcl", Line: 1, Detail: `output = "assets/NAME.png"`}},
		},
		"output and outputs": {
			src: `-- main.img.hcl --
image "a" {
  prompt  = "x"
  output  = "a.png"
  outputs = ["b.png"]
}
`,
			want: []diag{{Summary: "Conflicting output arguments", File: "main.img.hcl", Line: 4}},
		},
	})
}

func TestDiagnosticsValues(t *testing.T) {
	runDiagCases(t, map[string]diagCase{
		"wrong type": {
			src: `-- main.img.hcl --
image "a" {
  prompt              = "x"
  num_inference_steps = "many"
  output              = "a.png"
}
`,
			want: []diag{{Summary: "Incorrect attribute value type", File: "main.img.hcl", Line: 3, Detail: `"num_inference_steps": a number is required, but got string`}},
		},
		"wrong type for prompt": {
			src: `-- main.img.hcl --
image "a" {
  prompt = ["x"]
  output = "a.png"
}
`,
			want: []diag{{Summary: "Incorrect attribute value type", File: "main.img.hcl", Line: 2, Detail: "a string is required, but got tuple"}},
		},
		"empty prompt": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "  "
  output = "a.png"
}
`,
			want: []diag{{Summary: "Invalid parameter value", File: "main.img.hcl", Line: 2, Detail: "prompt must not be empty"}},
		},
		"value out of range": {
			src: `-- main.img.hcl --
image "a" {
  prompt         = "x"
  guidance_scale = 30
  output         = "a.png"
}
`,
			want: []diag{{Summary: "Value out of range", File: "main.img.hcl", Line: 3, Detail: "guidance_scale must be between 1 and 25 (got 30)"}},
		},
		"seed out of range": {
			src: `-- main.img.hcl --
image "a" {
  prompt = "x"
  seed   = -2
  output = "a.png"
}
`,
			want: []diag{{Summary: "Value out of range", File: "main.img.hcl", Line: 3, Detail: "between -1 and 999999999999999"}},
		},
		"samples not whole": {
			src: `-- main.img.hcl --
image "a" {
  prompt  = "x"
  samples = 2.5
  output  = "a.png"
}
`,
			want: []diag{{Summary: "Invalid parameter value", File: "main.img.hcl", Line: 3, Detail: "samples must be a whole number (got 2.5)"}},
		},
		"out of range in defaults": {
			src: `-- main.img.hcl --
defaults {
  num_inference_steps = 0
}
image "a" {
  prompt = "x"
  output = "a.png"
}
image "b" {
  prompt = "y"
  output = "b.png"
}
`,
			// Once, at the defaults block, not once per image.
			want: []diag{{Summary: "Value out of range", File: "main.img.hcl", Line: 2, Detail: "between 1 and 100 (got 0)"}},
		},
		"number beyond float64": {
			src: `-- main.img.hcl --
image "a" {
  prompt    = "x"
  img_width = 1e400
  output    = "a.png"
}
`,
			want: []diag{{Summary: "Value out of range", File: "main.img.hcl", Line: 3, Detail: "img_width = 1e+400 is far outside what this model accepts. It must be 1024."}},
		},
		"infinite number": {
			src: `-- main.img.hcl --
image "a" {
  prompt         = "x"
  guidance_scale = 1 / 0
  output         = "a.png"
}
`,
			want: []diag{{Summary: "Invalid parameter value", File: "main.img.hcl", Line: 3, Detail: "guidance_scale must be a finite number."}},
		},
		"unknown scheduler": {
			src: `-- main.img.hcl --
image "a" {
  prompt    = "x"
  scheduler = "DPM++ SDE Karas"
  output    = "a.png"
}
`,
			want: []diag{{Summary: "Unknown scheduler", File: "main.img.hcl", Line: 3, Detail: `Did you mean "DPM++ SDE Karras"?`}},
		},
		"scheduler far from any": {
			src: `-- main.img.hcl --
image "a" {
  prompt    = "x"
  scheduler = "completely different thing"
  output    = "a.png"
}
`,
			want: []diag{{Summary: "Unknown scheduler", File: "main.img.hcl", Line: 3, Detail: `Accepted: "DPM++ SDE", `}},
		},
		"image size": {
			src: `-- main.img.hcl --
image "a" {
  prompt     = "x"
  img_width  = 512
  img_height = 768
  output     = "a.png"
}
`,
			want: []diag{
				{Summary: "Unsupported image size", File: "main.img.hcl", Line: 3, Detail: "img_width must be 1024 for this model (got 512)"},
				{Summary: "Unsupported image size", File: "main.img.hcl", Line: 4, Detail: "img_height must be 1024 for this model (got 768)"},
			},
		},
		"samples with one output": {
			src: `-- main.img.hcl --
image "a" {
  prompt  = "x"
  samples = 2
  output  = "a.png"
}
`,
			want: []diag{{Summary: "Too few output paths", File: "main.img.hcl", Line: 4, Detail: `samples = 2 makes 2 images, but "output" names one file`}},
		},
		"outputs length differs from samples": {
			src: `-- main.img.hcl --
image "a" {
  prompt  = "x"
  samples = 3
  outputs = ["a.png", "b.png"]
}
`,
			want: []diag{{Summary: "Wrong number of output paths", File: "main.img.hcl", Line: 4, Detail: `"outputs" has 2 paths but samples = 3`}},
		},
		"outputs default to one sample": {
			src: `-- main.img.hcl --
image "a" {
  prompt  = "x"
  outputs = ["a.png", "b.png"]
}
`,
			want: []diag{{Summary: "Wrong number of output paths", File: "main.img.hcl", Line: 3, Detail: "samples = 1"}},
		},
		"outputs not a list": {
			src: `-- main.img.hcl --
image "a" {
  prompt  = "x"
  outputs = "a.png"
}
`,
			want: []diag{{Summary: "Incorrect attribute value type", File: "main.img.hcl", Line: 3, Detail: "a list of strings is required"}},
		},
		"null in outputs": {
			src: `-- main.img.hcl --
image "a" {
  prompt  = "x"
  samples = 2
  outputs = [
    "a.png",
    null,
  ]
}
`,
			want: []diag{{Summary: "Invalid output path", File: "main.img.hcl", Line: 6, Detail: "must not be null"}},
		},
	})
}

// Input that nests deeper than maxNesting is refused before it is parsed
// (100,000 opening brackets used to end in a stack overflow), with the
// file and line, in a configuration file, a variables file (HCL or JSON)
// and a --var value.
func TestDiagnosticsNesting(t *testing.T) {
	deep := func(open, close string, n int) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	const image = "image \"a\" {\n  prompt = \"x\"\n  output = \"a.png\"\n}\n"
	runDiagCases(t, map[string]diagCase{
		"100,000 brackets": {
			src:  "-- main.img.hcl --\nlocals {\n  x = " + deep("[", "]", 100000) + "\n}\n" + image,
			want: []diag{{Summary: "Nesting too deep", File: "main.img.hcl", Line: 2}},
		},
		"parentheses on the third line": {
			src:  "-- main.img.hcl --\n" + image + "locals {\n  x = " + deep("(", ")", 300) + "\n}\n",
			want: []diag{{Summary: "Nesting too deep", File: "main.img.hcl", Line: 6}},
		},
		"templates": {
			src:  "-- main.img.hcl --\nlocals {\n  x = " + strings.Repeat(`"${`, 200) + "1" + strings.Repeat(`}"`, 200) + "\n}\n" + image,
			want: []diag{{Summary: "Nesting too deep", File: "main.img.hcl", Line: 2}},
		},
		"objects in a variables file": {
			src:      "-- main.img.hcl --\nvariable \"v\" {\n  default = 1\n}\n" + image + "-- vals.hcl --\nv = " + deep("{a=", "}", 1000) + "\n",
			varFiles: []string{"vals.hcl"},
			want:     []diag{{Summary: "Nesting too deep", File: "vals.hcl", Line: 1}},
		},
		"arrays in a JSON variables file": {
			src:      "-- main.img.hcl --\nvariable \"v\" {\n  default = 1\n}\n" + image + "-- vals.json --\n{\n\"v\": " + deep("[", "]", 1000) + "}\n",
			varFiles: []string{"vals.json"},
			want:     []diag{{Summary: "Nesting too deep", File: "vals.json", Line: 2}},
		},
		"a --var value": {
			src:  "-- main.img.hcl --\nvariable \"v\" {\n  type = list(any)\n}\n" + image,
			vars: []string{"v=" + deep("[", "]", 1000)},
			want: []diag{{Summary: "Nesting too deep", File: "<value for var.v from --var>", Line: 1}},
		},
		"deep but within the limit": {
			src:  "-- main.img.hcl --\nlocals {\n  x = " + deep("[", "]", 100) + "\n}\n" + image,
			want: nil,
		},
	})
}

// A prompt holding a character the PNG text chunk that records it cannot
// hold (NUL, other control characters) is refused by validate, with the
// file and line, before anything is paid for.
func TestDiagnosticsControlCharacters(t *testing.T) {
	runDiagCases(t, map[string]diagCase{
		"NUL in the prompt": {
			src:  "-- main.img.hcl --\nimage \"a\" {\n  prompt = \"a\\u0000b\"\n  output = \"a.png\"\n}\n",
			want: []diag{{Summary: "Invalid character in text", File: "main.img.hcl", Line: 2, Detail: "contains the control character U+0000 at byte 1"}},
		},
		"an escape in the negative prompt": {
			src:  "-- main.img.hcl --\nimage \"a\" {\n  prompt          = \"x\"\n  negative_prompt = \"\\u001b[31m\"\n  output          = \"a.png\"\n}\n",
			want: []diag{{Summary: "Invalid character in text", File: "main.img.hcl", Line: 3, Detail: "U+001B"}},
		},
		"a NUL read with file()": {
			src:  "-- main.img.hcl --\nimage \"a\" {\n  prompt = file(\"p.txt\")\n  output = \"a.png\"\n}\n-- p.txt --\nbad\x00prompt\n",
			want: []diag{{Summary: "Invalid character in text", File: "main.img.hcl", Line: 2}},
		},
		"tabs and line breaks are fine": {
			src: "-- main.img.hcl --\nimage \"a\" {\n  prompt = \"line one\\r\\n\\tline two\"\n  output = \"a.png\"\n}\n",
		},
	})
}

// A directory whose HCL files are not named *.img.hcl gets a hint.
func TestDiagnosticsOnlyOtherHCLFiles(t *testing.T) {
	runDiagCases(t, map[string]diagCase{
		"only main.hcl": {
			src:  "-- main.hcl --\nimage \"a\" {\n  prompt = \"x\"\n  output = \"a.png\"\n}\n",
			want: []diag{{Summary: "No configuration files", Detail: "There is main.hcl here, which imgform does not read: if it declares images, rename it, as in main.hcl → main.img.hcl."}},
		},
	})
}
