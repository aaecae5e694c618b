#!/usr/bin/env bash
# demo.sh BUILD_DIR — `make demo`: the study on real data in a few minutes.
#
# Trains the hybrid and the classical MNIST-shaped models with the original's recipes on a short
# schedule and prints the comparison table: on MNIST when it is in data/mnist (or $HQC_DATA/mnist),
# otherwise on Fashion-MNIST from Debian's dataset-fashion-mnist package. Set DEMO_EPOCHS,
# DEMO_LIMIT (training images before the 80/20 split), DEMO_TEST_LIMIT, DEMO_THREADS to change it.
# Each run replaces the previous demo's files in its folder (--overwrite; hqc's own files only).
set -euo pipefail
build=${1:-build}
hqc="$build/apps/hqc"
if [ ! -x "$hqc" ]; then
  echo "demo: $hqc not found; build first (make demo does)" >&2
  exit 1
fi
has_mnist() {
  local d=$1
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -e "$d/$f" ] || [ -e "$d/$f.gz" ] || return 1
  done
}
if has_mnist "${HQC_DATA:-/nonexistent}/mnist" || has_mnist data/mnist; then
  dataset=mnist
else
  dataset=fashion-mnist
  echo "demo: no MNIST in data/mnist; using Fashion-MNIST (Debian's dataset-fashion-mnist)."
  echo "      For MNIST, put its four files in data/mnist (see README.md) and run make demo again."
fi
epochs=${DEMO_EPOCHS:-3}
limit=${DEMO_LIMIT:-12000}
test_limit=${DEMO_TEST_LIMIT:-10000}
out=${DEMO_OUT:-runs/demo-$dataset}
threads=()
[ -n "${DEMO_THREADS:-}" ] && threads=(--threads "$DEMO_THREADS")
echo "demo: hqc compare --dataset $dataset --models hybrid,classical --epochs $epochs --limit $limit" \
     "--test-limit $test_limit --attack-limit 500 --out $out --overwrite"
start=$(date +%s)
"$hqc" compare --dataset "$dataset" --models hybrid,classical --epochs "$epochs" --limit "$limit" \
  --test-limit "$test_limit" --attack-limit 500 --out "$out" --overwrite "${threads[@]}"
echo "demo: finished in $(( $(date +%s) - start )) s. Open $out/report.md for the table and the plots."
