package spec

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMovedBlocks(t *testing.T) {
	const icons = `image "icon" {
  for_each = toset(["a", "b"])
  prompt   = each.key
  output   = "icons/${each.key}.png"
}
`
	t.Run("chains are folded", func(t *testing.T) {
		dir := writeArchive(t, `-- main.img.hcl --
`+icons+`moved {
  from = image.first
  to   = image.second
}
moved {
  from = image.second
  to   = image.icon
}
moved {
  from = image.icon["old"]
  to   = image.icon["a"]
}
`)
		cfg, diags := Load(t.Context(), dir, Options{})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var got []string
		for _, m := range cfg.Moves {
			got = append(got, m.From.String()+" -> "+m.To.String())
		}
		want := []string{"image.second -> image.icon", "image.first -> image.icon", `image.icon["old"] -> image.icon["a"]`}
		if diff := cmp.Diff(want, got, cmp.Transformer("sorted", func(in []string) []string { return slices.Sorted(slices.Values(in)) })); diff != "" {
			t.Errorf("moves (-want +got):\n%s", diff)
		}
	})

	runDiagCases(t, map[string]diagCase{
		"a cycle": {
			src: "-- main.img.hcl --\n" + icons + "moved {\n  from = image.x\n  to   = image.y\n}\nmoved {\n  from = image.y\n  to   = image.x\n}\n",
			want: []diag{
				{Summary: "Cyclic moved blocks", File: "main.img.hcl", Line: 6, Detail: "image.x → image.y → image.x"},
				{Summary: "Cyclic moved blocks", File: "main.img.hcl", Line: 10, Detail: "image.y → image.x → image.y"},
			},
		},
		"from still declared": {
			src:  "-- main.img.hcl --\n" + icons + "image \"other\" {\n  prompt = \"x\"\n  output = \"o.png\"\n}\nmoved {\n  from = image.other\n  to   = image.icon\n}\n",
			want: []diag{{Summary: "Moved object still exists", File: "main.img.hcl", Line: 11}},
		},
		"to not declared": {
			src:  "-- main.img.hcl --\n" + icons + "moved {\n  from = image.old\n  to   = image.nowhere\n}\n",
			want: []diag{{Summary: "Moved to an undeclared address", File: "main.img.hcl", Line: 8}},
		},
		"the same from twice": {
			src:  "-- main.img.hcl --\n" + icons + "moved {\n  from = image.old\n  to   = image.icon\n}\nmoved {\n  from = image.old\n  to   = image.icon\n}\n",
			want: []diag{{Summary: "Ambiguous moved blocks", File: "main.img.hcl", Line: 10}},
		},
		"a block to an instance": {
			src:  "-- main.img.hcl --\n" + icons + "moved {\n  from = image.old\n  to   = image.icon[\"a\"]\n}\n",
			want: []diag{{Summary: "Invalid moved block", File: "main.img.hcl", Line: 8}},
		},
		"an address in quotes": {
			src:  "-- main.img.hcl --\n" + icons + "moved {\n  from = \"image.old\"\n  to   = image.icon\n}\n",
			want: []diag{{Summary: "Invalid address in moved block", File: "main.img.hcl", Line: 7}},
		},
		"not an image": {
			src:  "-- main.img.hcl --\n" + icons + "moved {\n  from = var.x\n  to   = image.icon\n}\n",
			want: []diag{{Summary: "Invalid address in moved block", File: "main.img.hcl", Line: 7}},
		},
		"missing to": {
			src:  "-- main.img.hcl --\n" + icons + "moved {\n  from = image.old\n}\n",
			want: []diag{{Summary: "Missing required argument", File: "main.img.hcl", Line: 6}},
		},
	})
}
