#!/usr/bin/env bash
# Throughput of apply against the emulator with the real model's latency:
# 32 async images, --latency 3s, --max-concurrency 8 (ideal: 12 s), at
# --parallelism 8 and 32. Prints the wall time as a multiple of the ideal
# (x-ideal; targets ≤ 1.15 and ≤ 1.30) and the status polls per image
# (polls/image; target ≤ 4). Takes about half a minute per repetition.
#
#   bench/throughput.sh          # once
#   bench/throughput.sh 5        # five repetitions, e.g. for benchstat
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1}
go test -run '^$' -bench 'BenchmarkThroughput' -benchtime 1x -count "$count" ./apply/
