#!/usr/bin/env bash
# threads_checks.sh HQC MAKE_SYNTHETIC_IDX — the thread count does not change a bit: a 2-epoch
# `hqc train` of the hybrid and the classical MNIST models writes the same metrics.csv and
# checkpoint.hqc with --threads 1, 2, 3 and 4 (every sum over a batch runs over fixed chunks of
# samples and a fixed tree; nn/README.md). A batch of 36 leaves a short last chunk. Trains on a
# synthetic MNIST-shaped dataset written by make_synthetic_idx: never skipped.
set -u
hqc=$1
make_idx=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
flunk() { echo "FAIL: $*"; fail=1; }

"$make_idx" "$tmp/data" 400 100 >/dev/null || { echo "FAIL: make_synthetic_idx"; exit 1; }
for m in hybrid classical; do
  for t in 1 2 3 4; do
    "$hqc" train --model "$m" --dataset mnist --data "$tmp/data" --epochs 2 --batch 36 --seed 3 --threads "$t" \
      --out "$tmp/$m-$t" >/dev/null 2>"$tmp/err" || { flunk "$m --threads $t: exit $?"; cat "$tmp/err"; }
  done
  for t in 2 3 4; do
    cmp -s "$tmp/$m-1/metrics.csv" "$tmp/$m-$t/metrics.csv" || flunk "$m: metrics.csv with --threads $t differs from --threads 1"
    cmp -s "$tmp/$m-1/checkpoint.hqc" "$tmp/$m-$t/checkpoint.hqc" ||
      flunk "$m: checkpoint.hqc with --threads $t differs from --threads 1"
  done
done
exit $fail
