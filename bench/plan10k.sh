#!/usr/bin/env bash
# imgform plan from the CLI on one for_each of 10,000 images with no
# state: wall time and peak memory (targets: ≤ 1.0 s, ≤ 300 MB RSS).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/imgform" ./cmd/imgform
cat > "$dir/tiles.img.hcl" <<'HCL'
locals {
  # range() stops at 1024 values (as in Terraform): 100 × 100 tiles.
  tiles = { for p in setproduct(range(100), range(100)) : format("tile-%02d-%02d", p[0], p[1]) => p[0] * 100 + p[1] }
}

image "tile" {
  for_each = local.tiles
  prompt   = "seamless texture tile number ${each.value}, stone, top-down"
  output   = "tiles/${each.key}.png"
}
HCL
/usr/bin/time -v "$dir/imgform" -C "$dir" plan > "$dir/plan.txt" 2> "$dir/time.txt" || true
grep -E 'Elapsed \(wall clock\)|Maximum resident set size' "$dir/time.txt"
tail -n 2 "$dir/plan.txt"
