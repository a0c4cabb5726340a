#!/usr/bin/env bash
# imgform apply's variants against sharp, the library a web team would
# otherwise use (issue 30), side by side on one machine: N photographic-
# like 1024² sources (default 25; bench/variants-sources.go writes them,
# the same files every run), imported into a project, each with
#
#   NNNN-social.jpg   1200×630 cover crop (centre), JPEG q85
#   NNNN-512.webp     512 wide, WebP q80
#   NNNN-256.avif     256 wide, AVIF q60
#   NNNN-64.png       64 wide, PNG
#
# Each round (ROUNDS, default 3) deletes the variants and times, one after
# the other (which goes first alternates from round to round):
#
#   imgform apply --offline --auto-approve   the whole command: plan,
#                                            derive the 4 × N files, state
#   node variants-sharp.js derive            sharp at imgform's effort (WebP
#                                            effort 2, AVIF effort 0), one
#                                            node process, 2 sources at a time
#
# with /usr/bin/time: wall, CPU (user + system) and peak RSS; the medians
# and the ratios imgform/sharp are printed, then the bytes of each format
# and their mean PSNR (variants-sharp.js says how it is computed), of the
# last round's files. One untimed run of each goes first (it fills the
# page cache and imgform's compilation cache, as any run after a
# team's first would find them).
#
#   bench/variants-sharp.sh             # N=25, 3 rounds
#   N=100 bench/variants-sharp.sh       # the issue's size
#   DETAIL=3 bench/variants-sharp.sh    # busier sources: more grain and fine detail
#
# Needs node and npm (sharp is installed from npm into the work folder:
# the reference, never a dependency of imgform) and /usr/bin/time. Work
# files go to TMPDIR (TMPDIR=/dev/shm keeps the disk out of it); KEEP=1
# keeps them. IMGFORM=path/to/imgform measures that binary instead of one
# built from this tree (an earlier commit's, say).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-25}
ROUNDS=${ROUNDS:-3}
SHARP=${SHARP:-0.35.6}
command -v node >/dev/null && command -v npm >/dev/null || { echo "needs node and npm" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/imgform-sharp.XXXXXX")
[[ ${KEEP:-} ]] && echo "work files in $work" || trap 'rm -rf "$work"' EXIT
if [[ ${IMGFORM:-} ]]; then cp "$IMGFORM" "$work/imgform"; else go build -o "$work/imgform" ./cmd/imgform; fi
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent "sharp@$SHARP" >/dev/null)
export NODE_PATH="$work/node_modules"
# imgform's cache folder (the compiled codecs among what it keeps) is the
# work folder's, not the user's.
export XDG_CACHE_HOME="$work/cache"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), $(uname -sm); $(go version | cut -d' ' -f3); node $(node --version); sharp $(node -p 'JSON.parse(require("fs").readFileSync(process.env.NODE_PATH + "/sharp/package.json")).version')"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "project: $N sources × 4 variants (detail ${DETAIL:-1}); $ROUNDS rounds, alternating"

go run bench/variants-sources.go "$work/src" "$N" "${DETAIL:-1}"
mkdir -p "$work/p"
cp "$work"/src/*.png "$work/p/"
cat >"$work/p/bench.img.hcl" <<EOF
image "p" {
  count  = $N
  prompt = "bench \${count.index}"
  output = format("%04d.png", count.index)
  variant "social" {
    output  = format("v/%04d-social.jpg", count.index)
    width   = 1200
    height  = 630
    fit     = "cover"
    upscale = true
    quality = 85
  }
  variant "web" {
    output  = format("v/%04d-512.webp", count.index)
    width   = 512
    quality = 80
  }
  variant "avif" {
    output  = format("v/%04d-256.avif", count.index)
    width   = 256
    quality = 60
  }
  variant "icon" {
    output = format("v/%04d-64.png", count.index)
    width  = 64
  }
}
EOF
for ((i = 0; i < N; i++)); do
	"$work/imgform" -C "$work/p" import "image.p[$i]" "$(printf '%04d.png' "$i")" >/dev/null
done

run_imgform() {
	rm -rf "$work/p/v"
	"$work/imgform" -C "$work/p" apply --offline --auto-approve
}
run_sharp() {
	rm -rf "$work/s"
	node bench/variants-sharp.js derive "$work/s" "$work"/src/*.png
}
measure() { # name → "wall cpu rss_mb" on stdout, the command's output to the log
	/usr/bin/time -f '%e %U %S %M' -o "$work/time" bash -c "run_$1" >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
	if [[ $1 == imgform ]] && ! grep -q "Apply complete! $((4 * N)) variants derived" "$work/log"; then
		echo "imgform did not derive $((4 * N)) variants:" >&2
		tail -5 "$work/log" >&2
		exit 1
	fi
	[[ $1 == sharp ]] && [[ $(ls "$work/s" | wc -l) != $((4 * N)) ]] && { echo "sharp did not write $((4 * N)) files" >&2; exit 1; }
	awk '{printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024}' "$work/time"
}
export -f run_imgform run_sharp
export work N

measure imgform >/dev/null
measure sharp >/dev/null
declare -a iw ic im sw sc sm
for r in $(seq 1 "$ROUNDS"); do
	order=(imgform sharp)
	((r % 2)) || order=(sharp imgform)
	for tool in "${order[@]}"; do
		read -r w c m < <(measure "$tool")
		if [[ $tool == imgform ]]; then iw+=("$w") ic+=("$c") im+=("$m"); else sw+=("$w") sc+=("$c") sm+=("$m"); fi
	done
	echo "round $r: imgform ${iw[-1]} s wall, ${ic[-1]} s CPU, ${im[-1]} MB; sharp ${sw[-1]} s wall, ${sc[-1]} s CPU, ${sm[-1]} MB"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
a=$(median "${iw[@]}") b=$(median "${sw[@]}")
echo "median wall:     imgform $a s, sharp $b s; ratio $(ratio "$a" "$b") (target ≤ 1.2)"
a=$(median "${ic[@]}") b=$(median "${sc[@]}")
echo "median CPU:      imgform $a s, sharp $b s; ratio $(ratio "$a" "$b") (target ≤ 1.2)"
a=$(median "${im[@]}") b=$(median "${sm[@]}")
echo "median peak RSS: imgform $a MB, sharp $b MB (target: imgform ≤ 300 MB at N=100, ≤ 1.3 × its N=25 figure)"

echo "bytes and mean PSNR per format (the last round's files):"
node bench/variants-sharp.js psnr "$work/src" "$work/p/v" "$work/s" >"$work/psnr"
awk -F'\t' -v iv="$work/p/v" '
	$1 == iv { ib[$2] = $3; ip[$2] = $4; next }
	{ sb[$2] = $3; sp[$2] = $4; order[++n] = $2 }
	END {
		printf "  %-5s %14s %14s %7s %12s %12s %8s\n", "", "imgform bytes", "sharp bytes", "ratio", "imgform dB", "sharp dB", "Δ dB"
		for (i = 1; i <= n; i++) { f = order[i]
			printf "  %-5s %14d %14d %7.3f %12.2f %12.2f %+8.2f\n", f, ib[f], sb[f], ib[f] / sb[f], ip[f], sp[f], ip[f] - sp[f] }
		print "  (target: webp and avif ≤ 1.03 × the bytes at ≥ −0.3 dB)"
	}' "$work/psnr"
