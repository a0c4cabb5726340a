package spec

import "testing"

// A problem in an expression every instance evaluates is reported once
// for its source range, with the instances it is in.
func TestDiagnosticsOncePerRange(t *testing.T) {
	runDiagCases(t, map[string]diagCase{
		"a misspelled attribute in a 20-key for_each": {
			src: `-- main.img.hcl --
locals {
  items = { for i in range(20) : format("k%02d", i) => { name = "item ${i}" } }
}
image "icon" {
  for_each = local.items
  prompt   = "an icon of ${each.value.nmae}"
  output   = "icons/${each.key}.png"
}
`,
			want: []diag{{Summary: "Unsupported attribute", File: "main.img.hcl", Line: 6,
				Detail: `This object does not have an attribute named "nmae" (in 20 instances: image.icon["k00"], image.icon["k01"], image.icon["k02"] and 17 more).`}},
		},
		"each instance its own value: the first shown": {
			src: `-- main.img.hcl --
image "a" {
  for_each            = { a = 200, b = 300, c = 5 }
  prompt              = "x"
  num_inference_steps = each.value
  output              = "${each.key}.png"
}
`,
			want: []diag{{Summary: "Value out of range", File: "main.img.hcl", Line: 4,
				Detail: `In image.a["a"]: num_inference_steps must be between 1 and 100 (got 200) (in 2 instances: image.a["a"], image.a["b"]; the first is shown, the others' values differ).`}},
		},
		"two ranges, two diagnostics": {
			src: `-- main.img.hcl --
image "a" {
  count  = 2
  prompt = "${count.index}${local.nope}"
  output = "${count.index}${local.nope}.png"
}
`,
			want: []diag{
				{Summary: "Reference to undeclared local value", File: "main.img.hcl", Line: 3},
				{Summary: "Reference to undeclared local value", File: "main.img.hcl", Line: 4},
			},
		},
		"one instance: no count": {
			src: `-- main.img.hcl --
image "a" {
  for_each = { a = { prompt = "x" }, b = {} }
  prompt   = each.value.prompt
  output   = "${each.key}.png"
}
`,
			want: []diag{{Summary: "Unsupported attribute", File: "main.img.hcl", Line: 3, Detail: `In image.a["b"]: This object does not have an attribute named "prompt".`}},
		},
	})
}
