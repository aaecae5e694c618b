#!/usr/bin/env bash
# The promise of the scalar level: a training run gives the same bytes on x86-64 and on aarch64.
#   tests/cross/same_bits.sh HOST_HQC HOST_MAKE_IDX TARGET_HQC...
# HOST_HQC and HOST_MAKE_IDX are the host's binaries; TARGET_HQC is the other CPU's hqc with the
# command that runs it (e.g. qemu-aarch64 -L /usr/aarch64-linux-gnu build-aarch64/apps/hqc). Both
# train both MNIST-shaped models, and the CIFAR-10 hybrid (its 32 > 64 layer in Winograd's 4x4 tiles,
# its 64 > 128 one in 2x2 tiles), for one epoch at HQC_SIMD=scalar, one thread, on the same synthetic
# data; metrics.csv and checkpoint.hqc must be byte-identical.
set -euo pipefail
host_hqc=$1 make_idx=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$make_idx" "$tmp/data" 640 200 7 >/dev/null
"$make_idx" "$tmp/cifar" 64 32 7 cifar10 >/dev/null
fail=0
for model in hybrid classical cifar-hybrid; do
  if [[ $model == cifar-hybrid ]]; then
    args=(train --model hybrid --dataset cifar10 --data "$tmp/cifar" --seed 3 --threads 1 --augment off --limit 64
          --test-limit 32 --epochs 1)
  else
    args=(train --model "$model" --dataset mnist --data "$tmp/data" --seed 3 --threads 1 --augment off --limit 640
          --test-limit 200 --epochs 1)
  fi
  HQC_SIMD=scalar "$host_hqc" "${args[@]}" --out "$tmp/host-$model" >/dev/null 2>&1
  HQC_SIMD=scalar "$@" "${args[@]}" --out "$tmp/target-$model" >/dev/null 2>&1
  for f in metrics.csv checkpoint.hqc; do
    if cmp -s "$tmp/host-$model/$f" "$tmp/target-$model/$f"; then
      echo "ok: $model $f identical on both CPUs"
    else
      echo "FAIL: $model $f differs between the two CPUs"
      diff "$tmp/host-$model/metrics.csv" "$tmp/target-$model/metrics.csv" | head -5 || true
      fail=1
    fi
  done
done
exit $fail
