#!/usr/bin/env bash
# What saving the state costs at catalog scale (issue 23):
#
#  1. PostgreSQL: the WAL written by adding 50 images to a catalog of
#     10,000 and of 100,000 images in 25 checkpoints (an apply at 2 s per
#     image on 4 workers), full page writes on and a checkpoint first:
#     BenchmarkCatalogAdd50 (WAL-B/op, ns/op), and TestCatalogAdd50WAL,
#     which holds the 10k case to ≤ 4 MB. Needs PostgreSQL (Debian's
#     /usr/lib/postgresql/*/bin, started by internal/testsvc) or
#     IMGFORM_TEST_PG_URL (then with that server's own settings).
#  2. The state file: a save of 100,000 images of which 50 changed, and
#     of which 1 changed (BenchmarkStateSave100k*: ns/op, B/op). The
#     checkpoint interval adapts to it (apply waits ten times a save's
#     cost before the next), so saving takes under a tenth of an apply.
#
#   bench/state-writes.sh          # both
#   bench/state-writes.sh pg       # only 1
#   bench/state-writes.sh local    # only 2
#
# BENCHTIME (2x) is per catalog size in 1.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), $(uname -sm); $(go version); load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
if [[ $what == all || $what == pg ]]; then
	CI=true go test -run '^TestCatalogAdd50WAL$' -v -bench 'BenchmarkCatalogAdd50' -benchmem -benchtime "${BENCHTIME:-2x}" -timeout 60m ./internal/state/pg/ |
		grep -E 'bytes of WAL|^Benchmark|^(--- )?(PASS|FAIL|ok)'
fi
if [[ $what == all || $what == local ]]; then
	go test -run '^$' -bench 'BenchmarkStateSave100k' -benchmem -benchtime 5x ./internal/state/local/
fi
