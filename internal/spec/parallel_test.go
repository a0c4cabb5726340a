package spec

import (
	"context"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// Instances are evaluated in parallel: the images and the diagnostics,
// in their order, are those of evaluating them one after another. The
// blocks are large enough to be split across workers, and their errors
// are per instance, shared, and between instances (a duplicate output
// is reported at the second one, naming the first).
func TestParallelEvaluationIsSequential(t *testing.T) {
	dir := writeArchive(t, `
-- main.img.hcl --
image "tile" {
  count  = 3000
  prompt = count.index % 100 == 3 ? null : "tile ${count.index}"
  num_inference_steps = count.index % 97 == 5 ? "many" : 8
  output = count.index % 110 == 7 ? "tiles/7.png" : "tiles/${count.index}.png"
}

image "item" {
  for_each = { for i in range(1000) : format("k%04d", i) => i }
  prompt   = "item ${each.value}"
  outputs  = each.value % 333 == 1 ? ["items/${each.key}.png"] : ["items/${each.key}.png", "items/${each.key}-b.png"]
  samples  = 2
}
`)
	load := func(procs int) (*Config, hcl.Diagnostics) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return Load(context.Background(), dir, Options{})
	}
	seqCfg, seqDiags := load(1)
	parCfg, parDiags := load(4)
	if len(seqDiags) < 8 {
		t.Fatalf("the configuration gave %d diagnostics, fewer than it has errors: %v", len(seqDiags), seqDiags)
	}
	if n := len(seqCfg.Images); n < 3800 || n > 3950 {
		t.Fatalf("sequential evaluation kept %d images", n)
	}
	if diff := cmp.Diff(summarize(dir, seqDiags, nil), summarize(dir, parDiags, nil)); diff != "" {
		t.Errorf("diagnostics (-sequential +parallel):\n%s", diff)
	}
	if diff := cmp.Diff(seqCfg.Images, parCfg.Images, cmpopts.IgnoreUnexported(Image{}), cmp.Comparer(func(a, b hcl.Range) bool { return a == b })); diff != "" {
		t.Errorf("images (-sequential +parallel):\n%s", diff)
	}
}
