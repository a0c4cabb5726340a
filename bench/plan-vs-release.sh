#!/usr/bin/env bash
# imgform plan against the first release (ebe48de), side by side on this
# machine: both are built here, from that commit and from the working
# tree, and plan the same catalog (a count of N images whose output is a
# format() call) with --offline, as text and as --json. The runs
# alternate (old, new, old, new, ...) so that a change in the machine's
# load falls on both; each figure is the median of ROUNDS runs: wall
# time, CPU time (user + system) and peak RSS, with new/old ratios.
# Targets at 100,000 images: wall ≤ 0.6 × the first release's, peak RSS
# ≤ 1.0 ×, for text and --json.
#
#   bench/plan-vs-release.sh                  # N=100000, ROUNDS=5
#   N=10000 ROUNDS=9 bench/plan-vs-release.sh
#   BUSY=1 bench/plan-vs-release.sh           # GOMAXPROCS=2 while another
#                                             # process keeps one core busy
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
ROUNDS=${ROUNDS:-5}
RELEASE=${RELEASE:-ebe48de}

dir=$(mktemp -d)
busy=""
cleanup() {
  if [ -n "$busy" ]; then kill "$busy" 2>/dev/null || true; fi
  git worktree remove --force "$dir/release" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

echo "building $RELEASE and the working tree"
git worktree add --quiet --detach "$dir/release" "$RELEASE"
(cd "$dir/release" && go build -o "$dir/old" ./cmd/imgform)
go build -o "$dir/new" ./cmd/imgform

mkdir -p "$dir/catalog"
cat > "$dir/catalog/catalog.img.hcl" <<HCL
image "p" {
  count  = $N
  prompt = "seamless texture tile number \${count.index}, stone, top-down"
  output = format("p/%06d.jpg", count.index)
}
HCL

if [ "${BUSY:-0}" = 1 ]; then
  export GOMAXPROCS=2
  (while :; do :; done) &
  busy=$!
  echo "GOMAXPROCS=2, one core kept busy by another process"
fi
echo "machine: $(nproc) cores, $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
echo "catalog: count = $N; $ROUNDS rounds, alternating"

# one BIN MODE: one plan; appends "wall cpu rss_mb" to $dir/BIN.MODE.
one() {
  local bin=$1 mode=$2 flags=(--offline)
  if [ "$mode" = json ]; then flags+=(--json); fi
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time" "$dir/$bin" -C "$dir/catalog" plan "${flags[@]}" > "$dir/out.$bin.$mode"
  read -r wall user sys kb < "$dir/time"
  awk -v w="$wall" -v u="$user" -v s="$sys" -v k="$kb" 'BEGIN { printf "%s %.2f %d\n", w, u + s, k / 1024 }' >> "$dir/$bin.$mode"
}

for _ in $(seq "$ROUNDS"); do
  for mode in text json; do
    one old "$mode"
    one new "$mode"
  done
done

# median FILE COLUMN
median() { cut -d' ' -f"$2" "$1" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '\n%-6s %-8s %9s %9s %9s\n' mode build wall_s cpu_s rss_MB
for mode in text json; do
  for bin in old new; do
    printf '%-6s %-8s %9s %9s %9s\n' "$mode" "$bin" "$(median "$dir/$bin.$mode" 1)" "$(median "$dir/$bin.$mode" 2)" "$(median "$dir/$bin.$mode" 3)"
  done
  awk -v m="$mode" -v w1="$(median "$dir/old.$mode" 1)" -v w2="$(median "$dir/new.$mode" 1)" \
      -v c1="$(median "$dir/old.$mode" 2)" -v c2="$(median "$dir/new.$mode" 2)" \
      -v r1="$(median "$dir/old.$mode" 3)" -v r2="$(median "$dir/new.$mode" 3)" \
      'BEGIN { printf "%-6s new/old  wall %.2f×  cpu %.2f×  rss %.2f×\n", m, w2 / w1, c2 / c1, r2 / r1 }'
done
