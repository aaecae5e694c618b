#!/usr/bin/env bash
# cli_checks.sh HQC — the hqc commands end to end: exit codes of CLI.md for bad input, and the same
# seed and thread count giving the same metrics.csv bit for bit. Needs Fashion-MNIST (Debian's
# dataset-fashion-mnist) for the training part; exits 77 (skipped) without it.
set -u
hqc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect CODE DESCRIPTION COMMAND...
  local want=$1 what=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; cat "$tmp/err"; fail=1
  elif [ "$want" -ne 0 ] && ! grep -q "^hqc: error: " "$tmp/err"; then
    echo "FAIL: $what: no 'hqc: error:' line"; cat "$tmp/err"; fail=1
  fi
}
expect 2 "unknown flag" "$hqc" train --model hybrid --dataset mnist --bogus
expect 2 "bad model" "$hqc" summary --model resnet --dataset mnist
expect 2 "bad qubits" "$hqc" summary --model hybrid --dataset mnist --qubits 0
expect 1 "missing checkpoint" "$hqc" eval --checkpoint "$tmp/none.hqc"
expect 1 "missing dataset" env HQC_DATA="$tmp" "$hqc" train --model classical --dataset cifar100 --data "$tmp/nowhere" --epochs 1
grep -q "nowhere" "$tmp/err" || { echo "FAIL: missing dataset error does not say where it looked"; fail=1; }
echo "not an image" >"$tmp/bad.png"
expect 0 "summary" "$hqc" summary --model classical --dataset mnist --json
grep -q '"parameters": 151754' "$tmp/out" || { echo "FAIL: summary parameters"; fail=1; }
expect 2 "bench unknown model" "$hqc" bench --models mnist-resnet --no-gemm --no-quantum
expect 0 "bench" "$hqc" bench --json --models mnist-hybrid --warmup 0 --windows 1 --window-seconds 0.01 \
  --memory-steps 1 --no-gemm --no-quantum
for key in '"schema": "hqc-bench/1"' '"train_images_per_s"' '"latency_ms"' '"batch_prep_ms"' \
  '"batch_prep_augmented_ms"' '"peak_rss_mb"'; do
  grep -q "$key" "$tmp/out" || { echo "FAIL: bench JSON has no $key"; fail=1; }
done

if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ ! -d "${HQC_DATA:-/nonexistent}/fashion-mnist" ] && [ ! -d data/fashion-mnist ]; then
  echo "fashion-mnist not installed: training checks skipped"; [ $fail -eq 0 ] && exit 77 || exit 1
fi
for run in a b; do
  expect 0 "train $run" "$hqc" train --model classical --dataset fashion-mnist --epochs 2 --limit 320 --test-limit 64 \
    --seed 3 --threads 2 --out "$tmp/$run" --json
done
cmp -s "$tmp/a/metrics.csv" "$tmp/b/metrics.csv" || { echo "FAIL: metrics.csv differs between identical runs"; fail=1; }
expect 1 "unreadable image" "$hqc" predict --checkpoint "$tmp/a/checkpoint.hqc" "$tmp/bad.png"
grep -q "bad.png" "$tmp/err" || { echo "FAIL: image error does not name the file"; fail=1; }
expect 0 "eval" "$hqc" eval --checkpoint "$tmp/a/checkpoint.hqc" --limit 64 --json
grep -q '"confusion"' "$tmp/out" || { echo "FAIL: eval JSON has no confusion"; fail=1; }
expect 0 "attack" "$hqc" attack --checkpoint "$tmp/a/checkpoint.hqc" --attack fgsm --eps 0.1 --test-limit 64 --json
grep -q '"robust_accuracy"' "$tmp/out" || { echo "FAIL: attack JSON"; fail=1; }
exit $fail
