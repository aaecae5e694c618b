#!/usr/bin/env bash
# noise_study.sh BUILD_DIR OUT_DIR — the study's hybrid on hardware-like terms (docs/results/noise/).
#
# Trains the hybrid on Fashion-MNIST's short schedule (3 epochs, the first 12,000 training images
# split 80/20, seed 0, one thread) three times: on the ideal circuit, and with depolarizing(0.01)
# and depolarizing(0.05) after every gate. Evaluates each on the full test set ideally, under depolarizing 0.001 / 0.01 / 0.05,
# with 100 / 1,000 / 10,000 shots (shot seeds 0, 1, 2), and with depolarizing 0.01 and 1,000 shots
# together; attacks each with PGD (eps 0.1, 500 images) ideally and under depolarizing 0.01.
# Writes OUT_DIR/results.csv (trained, noise, shots, seed, accuracy, loss), OUT_DIR/attacks.csv and
# the runs' folders; tools/plot_noise.py draws the figure from results.csv.
set -euo pipefail
build=${1:-build}
out=${2:-runs/noise}
hqc="$build/apps/hqc"
py=/usr/bin/python3
mkdir -p "$out"
common=(--model hybrid --dataset fashion-mnist --epochs 3 --limit 12000 --seed 0 --threads 1)
field() { "$py" -c 'import json, sys; d = json.load(sys.stdin); print(",".join(str(d[k]) for k in sys.argv[1:]))' "$@"; }

echo "noise_study: training the ideal hybrid" >&2
"$hqc" train "${common[@]}" --out "$out/ideal" --overwrite --json >"$out/ideal.json"
for p in 0.01 0.05; do
  echo "noise_study: training the hybrid under depolarizing=$p" >&2
  "$hqc" train "${common[@]}" --noise depolarizing=$p --out "$out/depolarizing-$p" --overwrite --json >"$out/depolarizing-$p.json"
done

csv="$out/results.csv"
echo "trained,noise,shots,seed,accuracy,loss" >"$csv"
evaluate() {  # evaluate TRAINED NOISE SHOTS SEED
  local r
  r=$("$hqc" eval --checkpoint "$out/$1/checkpoint.hqc" --noise "$2" --shots "$3" --seed "$4" --threads 1 --json 2>/dev/null |
      field accuracy loss)
  echo "$1,$2,$3,$4,$r" | tee -a "$csv" >&2
}
for trained in ideal depolarizing-0.01 depolarizing-0.05; do
  evaluate $trained none exact 0
  for p in 0.001 0.01 0.05; do evaluate $trained depolarizing=$p exact 0; done
  for shots in 100 1000 10000; do
    for seed in 0 1 2; do evaluate $trained none $shots $seed; done
  done
  for seed in 0 1 2; do evaluate $trained depolarizing=0.01 1000 $seed; done
done

acsv="$out/attacks.csv"
echo "trained,noise,clean_accuracy,robust_accuracy,count" >"$acsv"
for trained in ideal depolarizing-0.01 depolarizing-0.05; do
  for noise in none depolarizing=0.01; do
    r=$("$hqc" attack --checkpoint "$out/$trained/checkpoint.hqc" --noise $noise --test-limit 500 --threads 1 --json 2>/dev/null |
        field clean_accuracy robust_accuracy count)
    echo "$trained,$noise,$r" | tee -a "$acsv" >&2
  done
done
echo "noise_study: wrote $csv and $acsv" >&2
