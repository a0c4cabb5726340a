#!/usr/bin/env bash
# Re-deriving a project's variants through imgform apply, against a shell
# loop of vipsthumbnail making the same files (issue 22): a project of N
# images (default 1,000) × 3 variants (a 256 px WebP q82, a 1200×630 JPEG
# cover crop q85, a 128 px PNG), applied once offline; then each round
# changes one attribute of every variant (the quality of the WebP and the
# JPEG, the width of the PNG: 3 × N files to derive again) and times
#
#   imgform apply --offline --auto-approve    (the whole command: plan,
#                                             derive on all cores, state)
#   a shell loop of vipsthumbnail             (one call per file, as a
#                                             team's script does)
#
# alternating, ROUNDS rounds (default 3), with /usr/bin/time; the medians
# and their ratio are printed (target: imgform ≤ 1.5 × vipsthumbnail).
# Both read the same sources: the images apply wrote (p/NNNN.png).
#
#   bench/variants-apply.sh            # N=1000, 3 rounds
#   N=200 ROUNDS=1 bench/variants-apply.sh
#
# Needs vipsthumbnail (Debian's libvips-tools). Work files go to TMPDIR
# (TMPDIR=/dev/shm keeps the disk out of it).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
ROUNDS=${ROUNDS:-3}
command -v vipsthumbnail >/dev/null || { echo "needs vipsthumbnail: apt-get install -y libvips-tools" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/imgform-variants.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/imgform" ./cmd/imgform
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), $(uname -sm); $(go version); $(vipsthumbnail --vips-version)"
echo "project: $N images × 3 variants; $ROUNDS rounds, alternating"

# config Q W writes the project with the WebP and JPEG at quality Q and
# the PNG W pixels wide.
config() {
	cat >"$work/p/bench.img.hcl" <<EOF
image "p" {
  count  = $N
  prompt = "bench \${count.index}"
  output = format("src/%04d.png", count.index)
  variant "thumb" {
    output  = format("v/%04d-thumb.webp", count.index)
    width   = 256
    quality = $1
  }
  variant "social" {
    output  = format("v/%04d-social.jpg", count.index)
    width   = 1200
    height  = 630
    upscale = true
    quality = $1
  }
  variant "icon" {
    output = format("v/%04d-icon.png", count.index)
    width  = $2
  }
}
EOF
}

mkdir -p "$work/p" "$work/vips"
config 82 128
"$work/imgform" -C "$work/p" apply --offline --auto-approve >/dev/null

# The shell loop: the same three files of every source, one vipsthumbnail
# call each, at the round's attributes.
cat >"$work/vips.sh" <<'EOF'
#!/usr/bin/env bash
set -e
q=$1 w=$2 src=$3 out=$4
for f in "$src"/*.png; do
	n=$(basename "$f" .png)
	vipsthumbnail "$f" -s 256x -o "$out/$n-thumb.webp[Q=$q]"
	vipsthumbnail "$f" -s 1200x630 --smartcrop centre -o "$out/$n-social.jpg[Q=$q]"
	vipsthumbnail "$f" -s "${w}x" -o "$out/$n-icon.png"
done
EOF
chmod +x "$work/vips.sh"

elapsed() { # command… → wall seconds on stdout, the command's output to the log
	/usr/bin/time -f %e -o "$work/time" "$@" >>"$work/log" 2>&1
	cat "$work/time"
}
imgform_t=() vips_t=()
for r in $(seq 1 "$ROUNDS"); do
	if ((r % 2)); then q=80 w=120; else q=82 w=128; fi
	config "$q" "$w"
	t=$(elapsed "$work/imgform" -C "$work/p" apply --offline --auto-approve)
	grep -q "Apply complete! $((3 * N)) variants derived" "$work/log" || { echo "imgform did not derive $((3 * N)) variants:" >&2; tail -5 "$work/log" >&2; exit 1; }
	: >"$work/log"
	imgform_t+=("$t")
	v=$(elapsed "$work/vips.sh" "$q" "$w" "$work/p/src" "$work/vips")
	vips_t+=("$v")
	echo "round $r: imgform apply $t s, vipsthumbnail loop $v s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mi=$(median "${imgform_t[@]}") mv=$(median "${vips_t[@]}")
echo "medians: imgform apply $mi s, vipsthumbnail loop $mv s; ratio $(awk -v a="$mi" -v b="$mv" 'BEGIN {printf "%.2f", a/b}') (target ≤ 1.5)"
