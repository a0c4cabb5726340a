package spec

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiagnosticsReferences(t *testing.T) {
	runDiagCases(t, map[string]diagCase{
		"undefined variable": {
			src: `-- main.img.hcl --
variable "brand" {
  default = "acme"
}
image "a" {
  prompt = "${var.brnd} logo"
  output = "a.png"
}
`,
			want: []diag{{Summary: "Reference to undeclared variable", File: "main.img.hcl", Line: 5, Detail: `A variable named "brnd" has not been declared. Declare it with a variable "brnd" block. Did you mean "brand"?`}},
		},
		"undefined variable far from any": {
			src: `-- main.img.hcl --
variable "brand" {
  default = "acme"
}
image "a" {
  prompt = var.subject
  output = "a.png"
}
`,
			want: []diag{{Summary: "Reference to undeclared variable", File: "main.img.hcl", Line: 5, Detail: `variable "subject" block.`}},
		},
		"undefined local": {
			src: `-- main.img.hcl --
locals {
  style = "flat"
}
image "a" {
  prompt = local.styl
  output = "a.png"
}
`,
			want: []diag{{Summary: "Reference to undeclared local value", File: "main.img.hcl", Line: 5, Detail: `Did you mean "style"?`}},
		},
		"undefined function": {
			src: `-- main.img.hcl --
image "a" {
  prompt = uper("x")
  output = "a.png"
}
`,
			want: []diag{{Summary: "Call to unknown function", File: "main.img.hcl", Line: 2, Detail: `Did you mean "upper"?`}},
		},
		"unknown root name": {
			src: `-- main.img.hcl --
image "a" {
  prompt = vars.x
  output = "a.png"
}
`,
			want: []diag{{Summary: "Reference to unknown name", File: "main.img.hcl", Line: 2, Detail: `Did you mean "var"?`}},
		},
		"file of a missing file": {
			src: `-- main.img.hcl --
image "a" {
  prompt = file("prompts/a.txt")
  output = "a.png"
}
`,
			want: []diag{{Summary: "Error in function call", File: "main.img.hcl", Line: 2, Detail: `no file exists at "prompts/a.txt"`}},
		},
		"file of a folder": {
			src: `-- main.img.hcl --
image "a" {
  prompt = file("prompts")
  output = "a.png"
}
-- prompts/a.txt --
x
`,
			want: []diag{{Summary: "Error in function call", File: "main.img.hcl", Line: 2, Detail: `cannot read "prompts": it is a folder, not a file`}},
		},
		"file of a device": {
			src: `-- main.img.hcl --
image "a" {
  prompt = file("/dev/zero")
  output = "a.png"
}
`,
			setup: func(t *testing.T, _ string) {
				if _, err := os.Stat("/dev/zero"); err != nil {
					t.Skip("no /dev/zero here")
				}
			},
			want: []diag{{Summary: "Error in function call", File: "main.img.hcl", Line: 2, Detail: "it is not a regular file"}},
		},
		"cycle in locals": {
			src: `-- main.img.hcl --
locals {
  a = local.b
  b = "${local.c}!"
  c = upper(local.a)
}
image "a" {
  prompt = local.a
  output = "a.png"
}
`,
			// Once, naming every member; nothing about the image.
			want: []diag{{Summary: "Cycle in local values", File: "main.img.hcl", Line: 2, Detail: "local.a (DIR/main.img.hcl:2:3) → local.b (DIR/main.img.hcl:3:3) → local.c (DIR/main.img.hcl:4:3) → local.a"}},
		},
		"local depending on an undefined local": {
			src: `-- main.img.hcl --
locals {
  a = local.nope
  b = local.a
}
image "a" {
  prompt = local.b
  output = "a.png"
}
`,
			want: []diag{{Summary: "Reference to undeclared local value", File: "main.img.hcl", Line: 2}},
		},
		"duplicate local": {
			src: `-- a.img.hcl --
locals {
  a = "x"
}
-- b.img.hcl --
locals {
  a = "y"
}
image "a" {
  prompt = local.a
  output = "a.png"
}
`,
			want: []diag{{Summary: "Duplicate local value definition", File: "b.img.hcl", Line: 2, Detail: "already defined at DIR/a.img.hcl:2:3"}},
		},
		"duplicate defaults block": {
			src: `-- a.img.hcl --
defaults {
  scheduler = "DPM++ SDE"
}
-- b.img.hcl --
image "a" {
  prompt = "x"
  output = "a.png"
}
defaults {
  scheduler = "Euler"
}
`,
			want: []diag{{Summary: "Duplicate defaults block", File: "b.img.hcl", Line: 5, Detail: "already declared at DIR/a.img.hcl:1:1"}},
		},
	})
}

func TestDiagnosticsVariables(t *testing.T) {
	const steps = `-- main.img.hcl --
variable "steps" {
  type    = number
  default = 7
}
image "a" {
  prompt              = "x"
  num_inference_steps = var.steps
  output              = "a.png"
}
`
	runDiagCases(t, map[string]diagCase{
		"variable without default and without value": {
			src: `-- main.img.hcl --
variable "brand" {}
image "a" {
  prompt = var.brand
  output = "a.png"
}
`,
			// Once: the image that uses it is not reported as well.
			want: []diag{{Summary: "No value for required variable", File: "main.img.hcl", Line: 1, Detail: "Set it with --var brand=VALUE"}},
		},
		"required variable used in for_each and count": {
			src: `-- main.img.hcl --
variable "keys" {
  type = set(string)
}
variable "n" {
  type = number
}
image "a" {
  for_each = var.keys
  prompt   = "x"
  output   = "${each.key}.png"
}
image "b" {
  count  = var.n
  prompt = "x"
  output = "b${count.index}.png"
}
`,
			want: []diag{
				{Summary: "No value for required variable", File: "main.img.hcl", Line: 1},
				{Summary: "No value for required variable", File: "main.img.hcl", Line: 4},
			},
		},
		"required variable used in output": {
			src: `-- main.img.hcl --
variable "dir" {}
image "a" {
  prompt  = "x"
  outputs = ["${var.dir}/a.png"]
}
`,
			want: []diag{{Summary: "No value for required variable", File: "main.img.hcl", Line: 1}},
		},
		"--var for an undeclared variable": {
			src: `-- main.img.hcl --
variable "brand" {
  default = "acme"
}
image "a" {
  prompt = var.brand
  output = "a.png"
}
`,
			vars: []string{"bran=x"},
			want: []diag{{Summary: "Value for undeclared variable", Detail: `"bran" was given with --var, but no variable block declares it. Did you mean "brand"?`}},
		},
		"--var without =": {
			src:  steps,
			vars: []string{"steps"},
			want: []diag{{Summary: "Invalid --var option", Detail: `The value "steps" is not of the form NAME=VALUE`}},
		},
		"--var of the wrong type": {
			src:  steps,
			vars: []string{"steps=[1]"},
			want: []diag{{Summary: "Invalid value for variable", File: "<value for var.steps from --var>", Line: 1, Detail: `The variable "steps" does not accept the value set with --var: number required, but have tuple.`}},
		},
		"environment value that is not an expression": {
			src:     steps,
			environ: []string{"IMGFORM_VAR_steps=many"},
			want:    []diag{{Summary: "Invalid value for variable", File: "<value for var.steps from IMGFORM_VAR_steps>", Line: 1, Detail: `The variable "steps" has type number, so the value set with IMGFORM_VAR_steps is read as an HCL expression`}},
		},
		"variable block inside a var file": {
			src: steps + `-- values.hcl --
variable "steps" {
  default = 5
}
`,
			varFiles: []string{"values.hcl"},
			want:     []diag{{Summary: "Block in a variables file", File: "values.hcl", Line: 1, Detail: "it cannot declare them"}},
		},
		"var-file value of the wrong type": {
			src: steps + `-- values.hcl --

steps = "many"
`,
			varFiles: []string{"values.hcl"},
			want:     []diag{{Summary: "Invalid value for variable", File: "values.hcl", Line: 2, Detail: `The variable "steps" does not accept the value set in DIR/values.hcl: a number is required.`}},
		},
		"var-file value out of range for the parameter": {
			src: steps + `-- values.hcl --
steps = 1000
`,
			varFiles: []string{"values.hcl"},
			want:     []diag{{Summary: "Value out of range", File: "main.img.hcl", Line: 7, Detail: "between 1 and 100 (got 1000)"}},
		},
		"var-file referring to a variable": {
			src: steps + `-- values.hcl --
steps = var.other
`,
			varFiles: []string{"values.hcl"},
			want:     []diag{{Summary: "Variables not allowed", File: "values.hcl", Line: 1}},
		},
		"var-file for an undeclared variable warns": {
			src: steps + `-- values.hcl --
step = 5
`,
			varFiles: []string{"values.hcl"},
			want:     []diag{{Summary: "Value for undeclared variable", File: "values.hcl", Line: 1, Detail: `Did you mean "steps"?`, Warning: true}},
		},
		"missing var file": {
			src:      steps,
			varFiles: []string{"nope.hcl"},
			want:     []diag{{Summary: "Cannot read variables file", Detail: "there is no such file"}},
		},
		"var-file syntax error": {
			src: steps + `-- values.hcl --
steps = 
`,
			varFiles: []string{"values.hcl"},
			want:     []diag{{Summary: "Invalid expression", File: "values.hcl", Line: 1}},
		},
		"duplicate variable": {
			src: `-- a.img.hcl --
variable "x" {
  default = "a"
}
-- b.img.hcl --
image "a" {
  prompt = var.x
  output = "a.png"
}

variable "x" {
  default = "b"
}
`,
			want: []diag{{Summary: "Duplicate variable declaration", File: "b.img.hcl", Line: 6, Detail: "already declared at DIR/a.img.hcl:1:1"}},
		},
		"default of the wrong type": {
			src: `-- main.img.hcl --
variable "n" {
  type    = number
  default = "abc"
}
image "a" {
  prompt              = "x"
  num_inference_steps = var.n
  output              = "a.png"
}
`,
			want: []diag{{Summary: "Invalid value for variable", File: "main.img.hcl", Line: 3, Detail: "does not accept its default value"}},
		},
		"invalid type constraint": {
			src: `-- main.img.hcl --
variable "n" {
  type    = numbr
  default = 3
}
image "a" {
  prompt = "x"
  output = "a.png"
}
`,
			want: []diag{{Summary: "Invalid type specification", File: "main.img.hcl", Line: 2}},
		},
	})
}

// TestVariableValues covers how values given from outside are read: the
// text of a string or untyped variable is taken as it is, any other type
// is read as an HCL expression.
func TestVariableValues(t *testing.T) {
	const src = `-- main.img.hcl --
variable "subject" {
  default = "default subject"
}
variable "steps" {
  type    = number
  default = 3
}
image "a" {
  prompt              = var.subject
  num_inference_steps = var.steps
  output              = "a.png"
}
`
	type result struct {
		Prompt string
		Steps  int
	}
	cases := map[string]struct {
		opts Options
		want result
	}{
		"defaults":                       {want: result{Prompt: "default subject", Steps: 3}},
		"spaces around the name":         {opts: Options{Vars: []string{" subject =x "}}, want: result{Prompt: "x ", Steps: 3}},
		"value with =":                   {opts: Options{Vars: []string{"subject=a=b"}}, want: result{Prompt: "a=b", Steps: 3}},
		"untyped text is not parsed":     {opts: Options{Vars: []string{`subject=["a"]`}}, want: result{Prompt: `["a"]`, Steps: 3}},
		"untyped null is text":           {opts: Options{Vars: []string{"subject=null"}}, want: result{Prompt: "null", Steps: 3}},
		"number as an expression":        {opts: Options{Vars: []string{"steps=2 * 4"}}, want: result{Prompt: "default subject", Steps: 8}},
		"quoted number is converted":     {opts: Options{Vars: []string{`steps="5"`}}, want: result{Prompt: "default subject", Steps: 5}},
		"null number is unset":           {opts: Options{Vars: []string{"steps=null"}}, want: result{Prompt: "default subject", Steps: 7}},
		"environment":                    {opts: Options{Environ: []string{"IMGFORM_VAR_subject=env", "IMGFORM_VAR_steps=9"}}, want: result{Prompt: "env", Steps: 9}},
		"environment without a name":     {opts: Options{Environ: []string{"IMGFORM_VAR_=x", "IMGFORM_VAR_subject", "imgform_var_subject=lower"}}, want: result{Prompt: "default subject", Steps: 3}},
		"--var wins over environment":    {opts: Options{Environ: []string{"IMGFORM_VAR_steps=9"}, Vars: []string{"steps=10"}}, want: result{Prompt: "default subject", Steps: 10}},
		"the last of two --var wins":     {opts: Options{Vars: []string{"steps=10", "steps=11"}}, want: result{Prompt: "default subject", Steps: 11}},
		"the last of two env wins":       {opts: Options{Environ: []string{"IMGFORM_VAR_steps=9", "IMGFORM_VAR_steps=12"}}, want: result{Prompt: "default subject", Steps: 12}},
		"empty text is a value":          {opts: Options{Vars: []string{"subject=", "subject=y"}}, want: result{Prompt: "y", Steps: 3}},
		"unicode and template text kept": {opts: Options{Vars: []string{"subject=${x} café"}}, want: result{Prompt: "${x} café", Steps: 3}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := writeArchive(t, src)
			cfg, diags := Load(t.Context(), dir, tc.opts)
			if diags.HasErrors() {
				t.Fatalf("unexpected diagnostics:\n%s", diags.Error())
			}
			got := result{Prompt: cfg.Images[0].Request.Prompt(), Steps: int(cfg.Images[0].Request.Get("num_inference_steps").Integer())}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("resolved (-want +got):\n%s", diff)
			}
		})
	}
}
