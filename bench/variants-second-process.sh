#!/usr/bin/env bash
# What deriving 2 small variants (a 256 px WebP and a 128 px AVIF) of one
# imported 1024² source costs a process (issue 30): imgform apply after
# the variants were deleted, with /usr/bin/time, ROUNDS times (default 5),
# medians of CPU (user + system) and wall. "first" empties the compilation
# cache (.imgform/cache/wazero) before each run, as a first run finds it;
# "second" runs with the cache a run before it filled (target ≤ 0.6
# CPU-s).
#
#   bench/variants-second-process.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/imgform-second.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/imgform" ./cmd/imgform
go run bench/variants-sources.go "$work/src" 1
mkdir -p "$work/p"
cp "$work/src/0000.png" "$work/p/hero.png"
cat >"$work/p/main.img.hcl" <<'HCL'
image "hero" {
  prompt = "bench"
  output = "hero.png"
  variant "thumb" {
    output  = "v/hero-256.webp"
    width   = 256
    quality = 80
  }
  variant "icon" {
    output  = "v/hero-128.avif"
    width   = 128
    quality = 60
  }
}
HCL
"$work/imgform" -C "$work/p" import image.hero hero.png >/dev/null
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # first|second → "cpu wall"
	rm -rf "$work/p/v"
	[[ $1 == first ]] && rm -rf "$work/p/.imgform/cache/wazero"
	/usr/bin/time -f '%U %S %e' -o "$work/time" "$work/imgform" -C "$work/p" apply --offline --auto-approve >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
	grep -q "Apply complete! 2 variants derived" "$work/log" || { cat "$work/log" >&2; exit 1; }
	awk '{printf "%.2f %.2f\n", $1 + $2, $3}' "$work/time"
}
run second >/dev/null # fills the cache
declare -a fc fw sc sw
for _ in $(seq 1 "$ROUNDS"); do
	read -r c w < <(run first); fc+=("$c") fw+=("$w")
	read -r c w < <(run second); sc+=("$c") sw+=("$w")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "first process (compiles the codecs): median $(median "${fc[@]}") CPU-s, $(median "${fw[@]}") s wall (${fc[*]})"
echo "second process (compilation cache):  median $(median "${sc[@]}") CPU-s, $(median "${sw[@]}") s wall (${sc[*]}) (target ≤ 0.6 CPU-s)"
