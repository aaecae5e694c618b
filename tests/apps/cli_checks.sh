#!/usr/bin/env bash
# cli_checks.sh HQC [MAKE_SYNTHETIC_IDX] — the hqc commands end to end: exit codes of CLI.md for bad
# input; output folders (one run at a time, another run's files kept unless --overwrite, no writing
# through planted links) on a small synthetic dataset; and the same seed and thread count giving the
# same metrics.csv bit for bit. Needs Fashion-MNIST (Debian's dataset-fashion-mnist) for the last
# part; exits 77 (skipped) without it.
set -u
hqc=$1
synthetic=${2:-}
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

# Output folders, on a synthetic MNIST-shaped dataset (trains in about a second).
if [ -n "$synthetic" ]; then
  syn="$tmp/syn"
  "$synthetic" "$syn" 400 100 >/dev/null || { echo "FAIL: make_synthetic_idx"; fail=1; }
  train=("$hqc" train --model classical --dataset mnist --data "$syn" --epochs 1 --threads 1 --json)
  expect 0 "train into a new folder" "${train[@]}" --out "$tmp/o1"
  echo "mine" >"$tmp/o1/notes.txt"
  expect 1 "train into a folder holding another run's files" "${train[@]}" --out "$tmp/o1"
  grep -q "already holds another run's files.*--overwrite" "$tmp/err" || { echo "FAIL: no hint at --overwrite"; cat "$tmp/err"; fail=1; }
  # --overwrite replaces hqc's files only, and a link planted at an output name is replaced, not followed.
  echo "precious" >"$tmp/victim"
  rm "$tmp/o1/curves.png"
  ln -s "$tmp/victim" "$tmp/o1/curves.png"
  ln -s "$tmp/victim" "$tmp/o1/checkpoint.hqc.tmp"
  expect 0 "train --overwrite" "${train[@]}" --out "$tmp/o1" --overwrite
  [ "$(cat "$tmp/victim")" = precious ] || { echo "FAIL: a run wrote through a link planted in --out"; fail=1; }
  [ -L "$tmp/o1/curves.png" ] && { echo "FAIL: curves.png is still a link"; fail=1; }
  [ "$(cat "$tmp/o1/notes.txt")" = mine ] || { echo "FAIL: --overwrite touched a file that is not hqc's"; fail=1; }
  ls -A "$tmp/o1" | grep -v '^checkpoint.hqc.tmp$' | grep -q '\.tmp$' &&
    { echo "FAIL: temporaries left in the folder"; ls -A "$tmp/o1"; fail=1; }
  expect 0 "eval the overwritten run's checkpoint" "$hqc" eval --checkpoint "$tmp/o1/checkpoint.hqc" --data "$syn" --json
  # A second run into a folder in use is refused at once; the first finishes with its own files.
  "${train[@]}" --epochs 40 --out "$tmp/o2" >"$tmp/first.out" 2>"$tmp/first.err" &
  first=$!
  for _ in $(seq 1 300); do [ -e "$tmp/o2/metrics.csv" ] && break; sleep 0.1; done
  if kill -0 "$first" 2>/dev/null; then
    expect 1 "train into a folder in use" "${train[@]}" --out "$tmp/o2" --overwrite
    grep -q "in use by another hqc run" "$tmp/err" || { echo "FAIL: second run not told the folder is in use"; cat "$tmp/err"; fail=1; }
  else
    echo "FAIL: the first run ended before the second started"; cat "$tmp/first.err"; fail=1
  fi
  wait "$first" || { echo "FAIL: the first run failed beside a refused second"; cat "$tmp/first.err"; fail=1; }
  [ "$(($(wc -l <"$tmp/o2/metrics.csv")))" -eq 41 ] || { echo "FAIL: the first run's metrics.csv is not its own"; fail=1; }
  # compare: its report and its runs' files are checked before the first model trains.
  cmp=("$hqc" compare --dataset mnist --data "$syn" --models classical --epochs 1 --attack-steps 0 --threads 1 --json)
  expect 0 "compare into a new folder" "${cmp[@]}" --out "$tmp/c"
  echo "mine" >"$tmp/c/notes.txt"
  expect 1 "compare into a folder holding another comparison" "${cmp[@]}" --out "$tmp/c"
  grep -q "report.md" "$tmp/err" || { echo "FAIL: compare refusal does not name report.md"; fail=1; }
  rm "$tmp/c/report.md" "$tmp/c/comparison.png"
  expect 1 "compare into a folder holding a run of a previous comparison" "${cmp[@]}" --out "$tmp/c"
  grep -q "classical/metrics.csv" "$tmp/err" || { echo "FAIL: compare refusal does not name the run's files"; fail=1; }
  expect 0 "compare --overwrite" "${cmp[@]}" --out "$tmp/c" --overwrite
  expect 2 "compare with a model listed twice" "$hqc" compare --dataset mnist --data "$syn" --models classical,classical \
    --epochs 1 --out "$tmp/c2"
  [ -s "$tmp/c/report.md" ] && [ "$(cat "$tmp/c/notes.txt")" = mine ] || { echo "FAIL: compare --overwrite"; fail=1; }
  # data --show --out through a planted link.
  ln -s "$tmp/victim" "$tmp/show.png"
  expect 0 "data --show --out" "$hqc" data --dataset mnist --data "$syn" --show 0 --out "$tmp/show.png"
  [ "$(cat "$tmp/victim")" = precious ] && [ ! -L "$tmp/show.png" ] || { echo "FAIL: data --out wrote through a link"; fail=1; }
else
  echo "no make_synthetic_idx given: output folder checks skipped"
fi

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
