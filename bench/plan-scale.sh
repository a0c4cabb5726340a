#!/usr/bin/env bash
# imgform plan from the CLI at catalog scale, with no state: count = 10,000
# and 100,000 images, each run 5 times; min and median wall time, peak
# RSS, and the 100k/10k ratio. Targets: 10k ≤ 0.4 s, 100k ≤ 3.0 s and
# ≤ 1 GB, ratio ≤ 12. Then a for_each over 10,000 keys (≤ 1.0 s, ≤ 300
# MB) and one over 200,000, and 5,000 and 10,000 chained locals (target:
# 10k/5k ≤ 2.6).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/imgform" ./cmd/imgform
echo "cores: $(nproc)"

# run NAME DIR: five plans of DIR, min and median wall, max RSS.
run() {
  local name=$1 d=$2 walls=() rss=0
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f '%e %M' -o "$dir/time" "$dir/imgform" -C "$d" plan > "$d/plan.txt" 2> "$d/err.txt" || true
    read -r wall kb < "$dir/time"
    walls+=("$wall")
    if [ "$kb" -gt "$rss" ]; then rss=$kb; fi
  done
  sorted=$(printf '%s\n' "${walls[@]}" | sort -n)
  min=$(echo "$sorted" | head -n 1)
  median=$(echo "$sorted" | sed -n 3p)
  printf '%-28s min %6.2f s  median %6.2f s  peak RSS %5d MB\n' "$name" "$min" "$median" $((rss / 1024))
  echo "$median" > "$dir/$name.median"
}

count() {
  local n=$1 d="$dir/count$1"
  mkdir -p "$d"
  cat > "$d/tiles.img.hcl" <<HCL
image "tile" {
  count  = $n
  prompt = "seamless texture tile number \${count.index}, stone, top-down"
  output = "tiles/\${count.index}.png"
}
HCL
  run "count=$n" "$d"
}

count 10000
count 100000
awk -v a="$(cat "$dir/count=100000.median")" -v b="$(cat "$dir/count=10000.median")" 'BEGIN { printf "100k/10k ratio: %.1f\n", a / b }'

# foreach N A B: a for_each over N = A × B keys (range() stops at 1,024
# values, as in Terraform, so the keys come from a product).
foreach() {
  local n=$1 d="$dir/foreach$1"
  mkdir -p "$d"
  cat > "$d/tiles.img.hcl" <<HCL
locals {
  keys = { for p in setproduct(range($2), range($3)) : format("k%03d-%04d", p[0], p[1]) => p[0] * $3 + p[1] }
}

image "tile" {
  for_each = local.keys
  prompt   = "catalog item \${each.value}"
  output   = "items/\${each.key}.png"
}
HCL
  run "for_each $n" "$d"
}

foreach 10000 100 100
foreach 200000 200 1000

chain() {
  local n=$1 d="$dir/chain$1"
  mkdir -p "$d"
  {
    echo "locals {"
    echo "  l0 = 0"
    for i in $(seq 1 "$n"); do echo "  l$i = local.l$((i - 1)) + 1"; done
    echo "}"
    echo "image \"end\" {"
    echo "  prompt = \"the end of a chain of \${local.l$n} locals\""
    echo "  output = \"end.png\""
    echo "}"
  } > "$d/chain.img.hcl"
  run "locals chain $n" "$d"
}
chain 5000
chain 10000
awk -v a="$(cat "$dir/locals chain 10000.median")" -v b="$(cat "$dir/locals chain 5000.median")" 'BEGIN { printf "locals 10k/5k ratio: %.1f\n", a / b }'
