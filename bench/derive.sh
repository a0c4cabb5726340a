#!/usr/bin/env bash
# Speed of variants (internal/derive), issue 22:
#
#  1. CPU per variant from a 1024×1024 source: BenchmarkDerive (ms-cpu/op;
#     targets: 256 px WebP ≤ 40 ms, 1200×630 JPEG ≤ 40 ms), from a decoded
#     source and from its bytes, and BenchmarkResize (the resampler
#     against golang.org/x/image/draw's kernels).
#  2. The side-by-side: 1,000 sources × 3 variants derived in process on
#     all cores, against a shell loop of vipsthumbnail making the same
#     3,000 files, alternating, 3 rounds, medians
#     (BenchmarkProjectVersusVipsthumbnail; target ≤ 1.5× vipsthumbnail's
#     time). Takes about half an hour on 2 cores, most of it vipsthumbnail.
#
#   bench/derive.sh              # both
#   bench/derive.sh cpu          # only 1
#   bench/derive.sh project      # only 2
#
# Environment: IMGFORM_DERIVE_BENCH_IMAGES (1000), _ROUNDS (3), _SOURCES
# (where the sources are made once and kept; default under TMPDIR),
# _XARGS=1 to also time vipsthumbnail run on all cores by xargs -P.
# Outputs go to TMPDIR: TMPDIR=/dev/shm keeps the disk out of it.
# Needs vipsthumbnail (Debian's libvips-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), $(uname -sm); $(go version); $(vipsthumbnail --vips-version 2>/dev/null || echo 'no vipsthumbnail')"
if [[ $what == all || $what == cpu ]]; then
	go test -run '^$' -bench 'BenchmarkDerive$|BenchmarkResize$' -benchtime 40x -count 3 ./internal/derive/
fi
if [[ $what == all || $what == project ]]; then
	go test -run '^$' -bench 'BenchmarkProjectVersusVipsthumbnail' -benchtime 1x -timeout 3h -v ./internal/derive/
fi
