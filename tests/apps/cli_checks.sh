#!/usr/bin/env bash
# cli_checks.sh HQC MAKE_SYNTHETIC_IDX — every hqc subcommand end to end on a small synthetic
# MNIST-shaped dataset written by make_synthetic_idx, so it runs (never skips) on any machine: outputs,
# files and the exit codes of docs/cli.md (2 usage error, 1 runtime error, one `hqc: error:` line), the
# refusals of input that would give a silent wrong answer, the output folders (one run at a time,
# another run's files kept unless --overwrite, no writing through planted links), and the same seed and
# thread count giving the same metrics.csv bit for bit. When Fashion-MNIST is installed (Debian's
# dataset-fashion-mnist) it also trains on the real data. JSON is parsed with python3 when present, and always with awk.
set -u
hqc=$1
make_idx=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
flunk() { echo "FAIL: $*"; fail=1; }
. "$(dirname "$0")/checks_lib.sh"  # expect, err_has
out_has() {  # out_has TEXT DESCRIPTION: the last command's stdout contains TEXT
  grep -qF -- "$1" "$tmp/out" || flunk "$2: output has no '$1'"
}
# json_number KEY: the first number after "KEY": in the last stdout (whitespace removed)
json_number() { tr -d ' \n' <"$tmp/out" | grep -o "\"$1\":[-0-9.e+]*" | head -n 1 | cut -d: -f2; }
in_unit() {  # in_unit VALUE DESCRIPTION: VALUE is a number in [0, 1]
  awk -v v="$1" 'BEGIN { exit !(v != "" && v + 0 == v && v >= 0 && v <= 1) }' || flunk "$2: '$1' is not in [0, 1]"
}
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4, $5*16777216 + $6*65536 + $7*256 + $8 }'; }

# ---- usage errors that need no data ----
expect 2 "unknown flag" "$hqc" train --model hybrid --dataset mnist --bogus
expect 2 "bad model" "$hqc" summary --model resnet --dataset mnist
expect 2 "a qubit count out of range in --models" "$hqc" compare --dataset mnist --models qubits=11 --data "$tmp"
expect 2 "bad qubits" "$hqc" summary --model hybrid --dataset mnist --qubits 0
expect 1 "missing checkpoint" "$hqc" eval --checkpoint "$tmp/none.hqc"
err_has "none.hqc" "missing checkpoint"
expect 1 "directory as checkpoint" "$hqc" eval --checkpoint "$tmp"
err_has "is a directory" "directory as checkpoint"
expect 1 "missing dataset" env HQC_DATA="$tmp" "$hqc" train --model classical --dataset cifar100 --data "$tmp/nowhere" --epochs 1
err_has "nowhere" "missing dataset"
echo "not an image" >"$tmp/bad.png"

for v in abc 0 -2 100000 4x; do  # HQC_THREADS is a thread count or an error, never silently "all cores"
  expect 1 "HQC_THREADS=$v" env HQC_THREADS=$v "$hqc" version
  err_has "HQC_THREADS=$v" "HQC_THREADS=$v"
done
expect 0 "HQC_THREADS=1" env HQC_THREADS=1 "$hqc" version
out_has "1 threads" "HQC_THREADS=1"

# ---- summary ----
expect 0 "summary classical" "$hqc" summary --model classical --dataset mnist --json
out_has '"parameters": 151754' "summary classical"
expect 0 "summary hybrid" "$hqc" summary --model hybrid --dataset mnist --quantum linear --json
out_has '"parameters": 142590' "summary hybrid, Linear(16,4)"
out_has '"layers"' "summary hybrid"

# ---- bench ----
expect 2 "bench unknown model" "$hqc" bench --models mnist-resnet --no-gemm --no-quantum
expect 0 "bench" "$hqc" bench --json --models mnist-hybrid --warmup 0 --windows 1 --window-seconds 0.01 \
  --memory-steps 1 --no-gemm --no-quantum
for key in '"schema": "hqc-bench/1"' '"train_images_per_s"' '"latency_ms"' '"batch_prep_ms"' \
  '"batch_prep_augmented_ms"' '"peak_rss_mb"'; do
  out_has "$key" "bench JSON"
done

# ---- circuit: amplitude embedding of (1, 0, 0, 0), RX(0) and the CNOT ring leave |00>: <Z> = 1, 1 ----
expect 0 "circuit" "$hqc" circuit --qubits 2 --layers 1 --input 1,0,0,0 --weights 0,0 --json
[ "$(tr -d ' \n' <"$tmp/out" | grep -o '"expvals":\[[^]]*\]')" = '"expvals":[1,1]' ] || { flunk "circuit expvals"; cat "$tmp/out"; }
expect 0 "circuit qasm" "$hqc" circuit --qubits 2 --layers 1 --input 1,0,0,0 --weights 0,0 --qasm
out_has "OPENQASM 2.0" "circuit --qasm"
# --draw: the layout of PennyLane's qml.draw, written out by hand for these circuits.
draw_is() {  # draw_is DESCRIPTION EXPECTED: the last stdout is EXPECTED exactly
  [ "$(cat "$tmp/out")" = "$2" ] || { flunk "$1: drawing differs"; diff <(echo "$2") "$tmp/out"; }
}
expect 0 "circuit --draw 2 qubits" "$hqc" circuit --qubits 2 --layers 1 --input 1,2 --weights 0.1,0.2 --draw
draw_is "circuit --draw 2 qubits" "\
0: ─╭AmplitudeEmbedding(M0)──RX(0.10)─╭●─┤  <Z>
1: ─╰AmplitudeEmbedding(M0)──RX(0.20)─╰X─┤  <Z>"
expect 0 "circuit --draw 2 qubits strong" "$hqc" circuit --qubits 2 --layers 1 --input 1,2 --template strong \
  --weights 0.1,0.2,0.3,0.4,0.5,-0.6 --draw
draw_is "circuit --draw 2 qubits strong" "\
0: ─╭AmplitudeEmbedding(M0)──Rot(0.10,0.20,0.30)──╭●─╭X─┤  <Z>
1: ─╰AmplitudeEmbedding(M0)──Rot(0.40,0.50,-0.60)─╰X─╰●─┤  <Z>"
expect 0 "circuit --draw 4 qubits" "$hqc" circuit --qubits 4 --layers 1 --input 1,2,3 --weights 0.1,0.2,0.3,0.4 --rotation Y --draw
draw_is "circuit --draw 4 qubits" "\
0: ─╭AmplitudeEmbedding(M0)──RY(0.10)─╭●───────╭X─┤  <Z>
1: ─├AmplitudeEmbedding(M0)──RY(0.20)─╰X─╭●────│──┤  <Z>
2: ─├AmplitudeEmbedding(M0)──RY(0.30)────╰X─╭●─│──┤  <Z>
3: ─╰AmplitudeEmbedding(M0)──RY(0.40)───────╰X─╰●─┤  <Z>"
expect 2 "circuit --draw --qasm" "$hqc" circuit --qubits 2 --layers 1 --input 1 --weights 0,0 --draw --qasm
err_has "--draw" "circuit --draw --qasm"
expect 0 "circuit --help" "$hqc" circuit --help
grep -q "most significant" "$tmp/out" "$tmp/err" || flunk "circuit --help does not say wire 0 is the most significant bit"
expect 2 "circuit weights count" "$hqc" circuit --qubits 2 --layers 1 --input 1,0 --weights 0

# ---- a CIFAR-10 file cut at a record boundary loads, with a warning naming it and both counts ----
mkdir -p "$tmp/c10"
head -c $((3073 * 3)) /dev/zero >"$tmp/c10/test_batch.bin"
expect 0 "cifar10 with 3 records" "$hqc" data --dataset cifar10 --split test --data "$tmp/c10" --json
out_has '"count": 3' "cifar10 with 3 records"
grep -q "^hqc: warning: .*test_batch.bin.* 3 records.*10000" "$tmp/err" || { flunk "no warning for a truncated CIFAR-10 file"; cat "$tmp/err"; }

# ---- the synthetic dataset ----
syn=$tmp/syn
"$make_idx" "$syn" 300 60 || { echo "FAIL: make_synthetic_idx"; exit 1; }
expect 0 "data" "$hqc" data --dataset mnist --data "$syn" --split test --json
out_has '"count": 60' "data"
for i in 0 1 2; do
  expect 0 "data --show $i" "$hqc" data --dataset mnist --data "$syn" --split test --show $i --out "$tmp/img$i.png" --json
  out_has '"label"' "data --show $i"
  [ "$(head -c 8 "$tmp/img$i.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || flunk "data --show $i: not a PNG"
  [ "$(png_size "$tmp/img$i.png")" = "28 28" ] || flunk "data --show $i: PNG is $(png_size "$tmp/img$i.png"), expected 28 28"
done
expect 2 "data --show out of range" "$hqc" data --dataset mnist --data "$syn" --split test --show 60 --out "$tmp/x.png"
# --scale K: each pixel a K x K block, so the picture is K times larger and its pixel statistics are
# the stored image's (read back as an image folder of one file).
mkdir -p "$tmp/scaled1/a" "$tmp/scaled3/a"
expect 0 "data --show --scale 1" "$hqc" data --dataset mnist --data "$syn" --split test --show 2 --out "$tmp/scaled1/a/x.png"
expect 0 "data --show --scale 3" "$hqc" data --dataset mnist --data "$syn" --split test --show 2 --scale 3 --out "$tmp/scaled3/a/x.png"
[ "$(png_size "$tmp/scaled3/a/x.png")" = "84 84" ] || flunk "data --scale 3: PNG is $(png_size "$tmp/scaled3/a/x.png"), expected 84 84"
# (Equal up to the rounding of sums over 9 times as many pixels: 1e-12 relative.)
first_of() { tr -d ' \n' <"$tmp/out" | grep -o "\"$1\":\[[-0-9.e+]*" | cut -d'[' -f2; }  # first_of KEY: KEY's first item
expect 0 "read back --scale 1" "$hqc" data --dataset folder --data "$tmp/scaled1" --json
mean1=$(first_of mean); std1=$(first_of std)
expect 0 "read back --scale 3" "$hqc" data --dataset folder --data "$tmp/scaled3" --json
mean3=$(first_of mean); std3=$(first_of std)
awk -v a="$mean1" -v b="$mean3" -v c="$std1" -v d="$std3" 'function off(x, y) { return (x - y) ^ 2 > 1e-24 * y * y }
  BEGIN { exit !(a != "" && c != "" && b > 0 && d > 0 && !off(a, b) && !off(c, d)) }' ||
  flunk "data --scale 3 changed the pixels: mean $mean1 vs $mean3, std $std1 vs $std3"
for k in 0 17 2.5 x; do
  expect 2 "data --scale $k" "$hqc" data --dataset mnist --data "$syn" --split test --show 0 --scale $k --out "$tmp/x.png"
  err_has "--scale" "data --scale $k"
done
expect 2 "data --scale without --show" "$hqc" data --dataset mnist --data "$syn" --split test --scale 2
err_has "--scale" "data --scale without --show"

# ---- train: both models, files, JSON, and the same seed giving the same bits ----
train_syn() { "$hqc" train --dataset mnist --data "$syn" --epochs 2 --batch 32 --test-limit 40 --seed 3 --threads 2 --json "$@"; }
for run in a b; do
  expect 0 "train classical $run" train_syn --model classical --out "$tmp/c$run"
done
cmp -s "$tmp/ca/metrics.csv" "$tmp/cb/metrics.csv" || flunk "metrics.csv differs between identical runs"
for f in checkpoint.hqc metrics.csv curves.png confusion.png; do [ -s "$tmp/ca/$f" ] || flunk "train wrote no $f"; done
grep -qi "nan\|inf" "$tmp/ca/metrics.csv" && flunk "metrics.csv holds a non-finite value"
expect 0 "train hybrid" train_syn --model hybrid --out "$tmp/h"
for key in test_accuracy best_val_accuracy val_accuracy; do in_unit "$(json_number $key)" "train hybrid $key"; done
[ "$(json_number test_images)" = 40 ] || flunk "train --test-limit 40: test_images is $(json_number test_images)"
[ -s "$tmp/h/checkpoint.hqc" ] || flunk "train hybrid wrote no checkpoint"

# ---- circuit --checkpoint: the trained layer, as the same circuit given its weights by hand ----
# The weights come out of the checkpoint through hqc export's safetensors file, read here by Python.
expect 0 "export the hybrid" "$hqc" export --checkpoint "$tmp/h/checkpoint.hqc" --out "$tmp/h.safetensors"
weights=$(python3 - "$tmp/h.safetensors" <<'PY'
import json, struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
t = json.loads(b[8:8 + n])["quantum.weights"]
assert t["dtype"] == "F32" and t["shape"] == [2, 4], t
lo, hi = t["data_offsets"]
print(",".join(repr(v) for v in struct.unpack("<8f", b[8 + n + lo:8 + n + hi])))
PY
)
expect 0 "circuit --checkpoint --draw" "$hqc" circuit --checkpoint "$tmp/h/checkpoint.hqc" --draw
cp "$tmp/out" "$tmp/draw-checkpoint"
expect 0 "circuit --draw with the exported weights" "$hqc" circuit --qubits 4 --layers 2 --weights "$weights" --input 1 --draw
cmp -s "$tmp/out" "$tmp/draw-checkpoint" || { flunk "circuit --checkpoint draws another circuit"; diff "$tmp/out" "$tmp/draw-checkpoint"; }
expect 0 "circuit --checkpoint --input" "$hqc" circuit --checkpoint "$tmp/h/checkpoint.hqc" --input 0.5,-1,2,0,3 --json
cp "$tmp/out" "$tmp/eval-checkpoint"
expect 0 "circuit --input with the exported weights" "$hqc" circuit --qubits 4 --layers 2 --weights "$weights" --input 0.5,-1,2,0,3 --json
cmp -s "$tmp/out" "$tmp/eval-checkpoint" || flunk "circuit --checkpoint evaluates another circuit"
expect 1 "circuit --checkpoint of the classical model" "$hqc" circuit --checkpoint "$tmp/ca/checkpoint.hqc" --draw
err_has "no circuit" "circuit --checkpoint of the classical model"
expect 2 "circuit --checkpoint with --layers" "$hqc" circuit --checkpoint "$tmp/h/checkpoint.hqc" --layers 3 --draw
err_has "--layers" "circuit --checkpoint with --layers"
expect 2 "circuit --checkpoint without --input or --draw" "$hqc" circuit --checkpoint "$tmp/h/checkpoint.hqc"
err_has "--input" "circuit --checkpoint without --input"
ck=$tmp/ca/checkpoint.hqc

# ---- --noise and --shots: bad values name the flag; a checkpoint carries them; eval and attack override ----
hk=$tmp/h/checkpoint.hqc
for bad in "--noise depolarizing=1.5" "--noise dephasing=0.1" "--noise depolarizing=0.1," "--shots 0" "--shots -3" "--shots lots"; do
  flag=${bad%% *}
  expect 2 "train $bad" train_syn --model hybrid --out "$tmp/no" $bad
  err_has "$flag" "train $bad"
  expect 2 "eval $bad" "$hqc" eval --checkpoint "$hk" --data "$syn" $bad
  err_has "$flag" "eval $bad"
  expect 2 "attack $bad" "$hqc" attack --checkpoint "$hk" --data "$syn" $bad
  err_has "$flag" "attack $bad"
  expect 2 "compare $bad" "$hqc" compare --dataset mnist --data "$syn" --models hybrid --out "$tmp/no" $bad
  err_has "$flag" "compare $bad"
done
expect 2 "--noise with the classical model" "$hqc" eval --checkpoint "$ck" --data "$syn" --noise bit_flip=0.1
err_has "--noise: the classical model has no quantum circuit" "--noise with the classical model"
expect 2 "compare --shots without a circuit" "$hqc" compare --dataset mnist --data "$syn" --models classical,linear --shots 10 --out "$tmp/no"
err_has "--shots" "compare --shots without a circuit"
expect 0 "eval ideal" "$hqc" eval --checkpoint "$hk" --data "$syn" --json
grep -q '"noise": "none"' "$tmp/out" && grep -q '"shots": "exact"' "$tmp/out" || flunk "eval ideal: noise and shots not in the JSON"
expect 0 "eval under noise with shots" "$hqc" eval --checkpoint "$hk" --data "$syn" --noise depolarizing=0.3 --shots 7 --json
grep -q '"noise": "depolarizing=0.3"' "$tmp/out" && grep -q '"shots": 7' "$tmp/out" || flunk "eval --noise --shots: not in the JSON"
cp "$tmp/out" "$tmp/noisy1.json"
expect 0 "eval under noise with shots again" "$hqc" eval --checkpoint "$hk" --data "$syn" --noise depolarizing=0.3 --shots 7 --json --threads 1
cmp -s "$tmp/out" "$tmp/noisy1.json" || flunk "eval --shots: another thread count gave other shots"
expect 0 "eval with another shot seed" "$hqc" eval --checkpoint "$hk" --data "$syn" --noise depolarizing=0.3 --shots 7 --seed 1 --json
cmp -s "$tmp/out" "$tmp/noisy1.json" && flunk "eval --shots: another --seed gave the same shots"
expect 0 "train hybrid with noise" train_syn --model hybrid --noise depolarizing=0.05 --out "$tmp/hn"
grep -q '"noise": "depolarizing=0.05"' "$tmp/out" || flunk "train --noise: not in the JSON"
expect 0 "eval the noisy checkpoint as trained" "$hqc" eval --checkpoint "$tmp/hn/checkpoint.hqc" --data "$syn"
grep -q "hybrid, depolarizing=0.05 on" "$tmp/out" || { flunk "eval of a noisy checkpoint: its noise is not named"; cat "$tmp/out"; }
expect 0 "eval the noisy checkpoint ideally" "$hqc" eval --checkpoint "$tmp/hn/checkpoint.hqc" --data "$syn" --noise none
grep -q "^hybrid on" "$tmp/out" || { flunk "eval --noise none: still noisy"; cat "$tmp/out"; }
expect 0 "attack under noise" "$hqc" attack --checkpoint "$hk" --data "$syn" --noise depolarizing=0.01 --test-limit 16 --steps 2 --json
grep -q '"noise": "depolarizing=0.01"' "$tmp/out" || flunk "attack --noise: not in the JSON"

# ---- splits that train on nothing or validate on nothing are usage errors naming the flag ----
for model in classical hybrid; do
  expect 2 "$model --limit 2 --val-fraction 0.5" "$hqc" train --model $model --dataset mnist --data "$syn" --epochs 1 \
    --limit 2 --val-fraction 0.5 --out "$tmp/no"
  err_has "--limit" "$model --limit 2 --val-fraction 0.5"
done
expect 2 "--limit 3 --val-fraction 0.5 (1 training image)" "$hqc" train --model classical --dataset mnist --data "$syn" \
  --epochs 1 --limit 3 --val-fraction 0.5 --out "$tmp/no"
err_has "--limit" "--limit 3 --val-fraction 0.5"
expect 2 "--val-fraction 0.0001" "$hqc" train --model classical --dataset mnist --data "$syn" --epochs 1 --val-fraction 0.0001 --out "$tmp/no"
err_has "--val-fraction" "--val-fraction 0.0001"
grep -qF -- "--limit" "$tmp/err" && flunk "--val-fraction 0.0001 error blames --limit, which was not given"
expect 2 "--val-fraction 0.999" "$hqc" train --model hybrid --dataset mnist --data "$syn" --epochs 1 --val-fraction 0.999 --out "$tmp/no"
err_has "--val-fraction" "--val-fraction 0.999"
expect 2 "--batch 1" "$hqc" train --model classical --dataset mnist --data "$syn" --epochs 1 --limit 20 --batch 1 --out "$tmp/no"
err_has "--batch" "--batch 1"
expect 2 "--val-fraction 1" "$hqc" train --model classical --dataset mnist --data "$syn" --epochs 1 --val-fraction 1
[ -e "$tmp/no" ] && flunk "a refused training run wrote $tmp/no"

# ---- threads ----
expect 2 "--threads 1024" "$hqc" eval --checkpoint "$ck" --data "$syn" --threads 1024
err_has "--threads" "--threads 1024"
expect 2 "--threads 0" "$hqc" eval --checkpoint "$ck" --data "$syn" --threads 0
cores=$(nproc 2>/dev/null || echo 1)
if [ "$cores" -lt 256 ]; then
  expect 0 "--threads above the cores" "$hqc" eval --checkpoint "$ck" --data "$syn" --limit 8 --threads $((cores + 1)) --json
  err_has "warning: --threads $((cores + 1))" "--threads above the cores"
fi

# ---- eval ----
expect 0 "eval" "$hqc" eval --checkpoint "$ck" --data "$syn" --json --confusion "$tmp/cm.png"
for key in accuracy precision recall f1; do in_unit "$(json_number $key)" "eval $key"; done
[ "$(json_number count)" = 60 ] || flunk "eval count is $(json_number count), expected 60"
total=$(tr -d ' \n' <"$tmp/out" | grep -o '"confusion":\[.*\]\]' | tr -c '0-9\n' ' ' | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }')
[ "$total" = 60 ] || flunk "eval confusion matrix counts $total images, expected 60"
[ -s "$tmp/cm.png" ] || flunk "eval --confusion wrote no PNG"
# A test split of 0 images: refused, not reported as accuracy 0.
mkdir -p "$tmp/empty"
cp "$syn"/train-* "$tmp/empty/"
printf '\0\0\10\3\0\0\0\0\0\0\0\34\0\0\0\34' >"$tmp/empty/t10k-images-idx3-ubyte"
printf '\0\0\10\1\0\0\0\0' >"$tmp/empty/t10k-labels-idx1-ubyte"
expect 1 "eval on 0 test images" "$hqc" eval --checkpoint "$ck" --data "$tmp/empty" --json
[ -s "$tmp/out" ] && flunk "eval on 0 test images printed a result"
expect 1 "attack on 0 test images" "$hqc" attack --checkpoint "$ck" --data "$tmp/empty" --attack fgsm --eps 0.1 --json
expect 1 "train with 0 test images" "$hqc" train --model classical --dataset mnist --data "$tmp/empty" --epochs 1 --out "$tmp/e"

# ---- attack ----
for attack in fgsm pgd; do
  expect 0 "attack $attack" "$hqc" attack --checkpoint "$ck" --data "$syn" --attack $attack --eps 0.1 --steps 3 --test-limit 30 --json
  in_unit "$(json_number clean_accuracy)" "attack $attack clean_accuracy"
  in_unit "$(json_number robust_accuracy)" "attack $attack robust_accuracy"
  [ "$(json_number count)" = 30 ] || flunk "attack $attack --test-limit 30 attacked $(json_number count)"
  # The progress line (stderr, plain off a terminal) names what it shows and has a real loss.
  grep -q "adversarial loss [0-9.]* robust accuracy [0-9.]*%" "$tmp/err" ||
    { flunk "attack $attack: progress line without adversarial loss and robust accuracy"; cat "$tmp/err"; }
  if grep -q "loss 0.0000 " "$tmp/err"; then flunk "attack $attack: progress line shows a loss of 0"; fi
done
expect 2 "attack eps out of range" "$hqc" attack --checkpoint "$ck" --data "$syn" --eps 2
expect 2 "attack pgd with --alpha 0" "$hqc" attack --checkpoint "$ck" --data "$syn" --alpha 0
err_has "--steps/--alpha" "attack pgd with --alpha 0"

# ---- predict: several images, probabilities checked ----
predict_ok() {  # predict_ok N_IMAGES: the last stdout is predict's JSON for N images of 10 classes
  local n=$1
  tr -d '\n' <"$tmp/out" | sed 's/}[[:space:]]*,[[:space:]]*{/}\n{/g' >"$tmp/records"
  awk -v n="$n" '
    {
      if (!match($0, /"class": *[0-9]+/)) { print "no class in record " NR; bad = 1; next }
      cls = substr($0, RSTART, RLENGTH); sub(/.*: */, "", cls)
      if (!match($0, /"probabilities": *\[[^]]*\]/)) { print "no probabilities in record " NR; bad = 1; next }
      p = substr($0, RSTART, RLENGTH); sub(/.*\[/, "", p); sub(/\].*/, "", p)
      k = split(p, v, ",")
      if (k != 10) { print "record " NR ": " k " probabilities, expected 10"; bad = 1 }
      sum = 0; best = 1
      for (i = 1; i <= k; i++) {
        x = v[i] + 0
        if (!(x >= 0 && x <= 1)) { print "record " NR ": probability " v[i] " outside [0, 1]"; bad = 1 }
        sum += x
        if (x > v[best] + 0) best = i
      }
      if (sum < 0.99999 || sum > 1.00001) { print "record " NR ": probabilities sum to " sum; bad = 1 }
      if (best - 1 != cls + 0) { print "record " NR ": class " cls " is not the argmax " best - 1; bad = 1 }
    }
    END { if (NR != n) { print NR " records, expected " n; bad = 1 } exit bad }' "$tmp/records" || flunk "predict JSON (awk check)"
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$tmp/out" "$n" <<'EOF' || flunk "predict JSON (python3 check)"
import json, sys
doc = json.load(open(sys.argv[1]))
assert isinstance(doc, list) and len(doc) == int(sys.argv[2]), f"{len(doc)} records"
for r in doc:
    p = r["probabilities"]
    assert len(p) == 10, f"{len(p)} probabilities"
    assert all(0 <= x <= 1 for x in p), p
    assert abs(sum(p) - 1) < 1e-5, sum(p)
    assert r["class"] == p.index(max(p)), (r["class"], p)
    assert isinstance(r["label"], str) and r["file"]
EOF
  fi
}
expect 0 "predict one image" "$hqc" predict --checkpoint "$ck" --json "$tmp/img0.png"
predict_ok 1
expect 0 "predict four images" "$hqc" predict --checkpoint "$ck" --json "$tmp/img0.png" "$tmp/img1.png" "$tmp/img2.png" "$tmp/img0.png"
predict_ok 4
expect 0 "predict hybrid" "$hqc" predict --checkpoint "$tmp/h/checkpoint.hqc" --json "$tmp/img1.png" "$tmp/img2.png"
predict_ok 2
expect 0 "predict text" "$hqc" predict --checkpoint "$ck" "$tmp/img0.png" "$tmp/img1.png"
[ "$(grep -c "img[01].png: .*(class [0-9], p = [01]\.[0-9]*)" "$tmp/out")" = 2 ] || { flunk "predict text output"; cat "$tmp/out"; }
expect 1 "unreadable image" "$hqc" predict --checkpoint "$ck" "$tmp/bad.png"
err_has "bad.png" "unreadable image"
expect 2 "predict without images" "$hqc" predict --checkpoint "$ck"

# ---- compare ----
expect 0 "compare" "$hqc" compare --dataset mnist --data "$syn" --models classical,linear --epochs 1 --batch 32 \
  --test-limit 30 --attack-steps 2 --attack-limit 20 --threads 2 --out "$tmp/cmp" --json
[ "$(tr -d ' \n' <"$tmp/out" | grep -o '"test_accuracy":' | wc -l)" = 2 ] || flunk "compare JSON does not hold 2 runs"
out_has '"runs"' "compare"
[ -s "$tmp/cmp/report.md" ] || flunk "compare wrote no report.md"
grep -Eq "^Peak memory: (each model's own peak|the process's peak since start)" "$tmp/cmp/report.md" ||
  flunk "report.md does not say whose peak memory it shows"
# Every figure has its SVG beside it: well-formed XML whose text is real <text>.
for f in comparison classical/curves classical/confusion hybrid-linear/curves hybrid-linear/confusion; do
  [ -s "$tmp/cmp/$f.svg" ] || flunk "compare wrote no $f.svg"
done
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 - "$tmp/cmp" <<'PY' || flunk "compare's SVG figures are not well-formed or lack their text"
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
def texts(path):
    return [t.text for t in ET.parse(path).getroot().iter(ns + "text")]
d = sys.argv[1]
assert "test and robust accuracy" in texts(d + "/comparison.svg")
for m in ("classical", "hybrid-linear"):
    assert "epoch" in texts(d + "/" + m + "/curves.svg")
    assert "predicted class" in texts(d + "/" + m + "/confusion.svg")
PY
fi
# The text table (a resumed finished comparison prints it again without training): 100 columns at most.
expect 0 "compare --resume of a finished comparison" "$hqc" compare --resume "$tmp/cmp"
# Columns, not bytes: UTF-8 continuation bytes ("—" is three bytes) take none.
LC_ALL=C sed 's/[\x80-\xBF]//g' "$tmp/out" |
  LC_ALL=C awk '{ if (length($0) > 100) { print "line of " length($0) " columns: " $0; bad = 1 } } END { exit bad }' ||
  flunk "compare's table is wider than 100 columns"
if grep -q "(hqc)" "$tmp/out"; then flunk "compare's table still marks every column (hqc)"; fi
grep -Eq "^peak memory: (each model's own peak|the process's peak since start)" "$tmp/out" ||
  flunk "compare's table does not say whose peak memory it shows"

# ---- the real Fashion-MNIST, when installed ----
# ---- output folders: one run at a time, another run's files kept unless --overwrite, no writing through links ----
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
rm "$tmp/c/report.md" "$tmp/c/comparison.png" "$tmp/c/comparison.svg"
expect 1 "compare into a folder holding a run of a previous comparison" "${cmp[@]}" --out "$tmp/c"
grep -q "classical/metrics.csv" "$tmp/err" || { echo "FAIL: compare refusal does not name the run's files"; fail=1; }
expect 0 "compare --overwrite" "${cmp[@]}" --out "$tmp/c" --overwrite
expect 2 "compare with a model listed twice" "$hqc" compare --dataset mnist --data "$syn" --models classical,classical \
  --epochs 1 --out "$tmp/c2"
[ -s "$tmp/c/report.md" ] && [ "$(cat "$tmp/c/notes.txt")" = mine ] || { echo "FAIL: compare --overwrite"; fail=1; }
# compare: the attack's settings are refused before the first model trains (nothing written).
expect 2 "compare with --attack-eps out of range" "$hqc" compare --dataset mnist --data "$syn" --models classical \
  --epochs 1 --attack-eps 2 --out "$tmp/c3"
grep -q -- "--attack-eps" "$tmp/err" || { echo "FAIL: compare --attack-eps refusal does not name the flag"; fail=1; }
[ ! -e "$tmp/c3" ] || { echo "FAIL: compare trained before refusing --attack-eps"; fail=1; }
expect 2 "compare with --attack-alpha 0" "$hqc" compare --dataset mnist --data "$syn" --models classical \
  --epochs 1 --attack-alpha 0 --out "$tmp/c4"
[ ! -e "$tmp/c4" ] || { echo "FAIL: compare trained before refusing --attack-alpha"; fail=1; }
# data --show --out through a planted link.
ln -s "$tmp/victim" "$tmp/show.png"
expect 0 "data --show --out" "$hqc" data --dataset mnist --data "$syn" --show 0 --out "$tmp/show.png"
[ "$(cat "$tmp/victim")" = precious ] && [ ! -L "$tmp/show.png" ] || { echo "FAIL: data --out wrote through a link"; fail=1; }

if [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || [ -d "${HQC_DATA:-/nonexistent}/fashion-mnist" ] || [ -d data/fashion-mnist ]; then
  for run in a b; do
    expect 0 "fashion-mnist train $run" "$hqc" train --model classical --dataset fashion-mnist --epochs 2 --limit 320 \
      --test-limit 64 --seed 3 --threads 2 --out "$tmp/f$run" --json
  done
  cmp -s "$tmp/fa/metrics.csv" "$tmp/fb/metrics.csv" || flunk "fashion-mnist metrics.csv differs between identical runs"
  expect 0 "fashion-mnist eval" "$hqc" eval --checkpoint "$tmp/fa/checkpoint.hqc" --limit 64 --json
  out_has '"confusion"' "fashion-mnist eval"
  expect 0 "fashion-mnist attack" "$hqc" attack --checkpoint "$tmp/fa/checkpoint.hqc" --attack fgsm --eps 0.1 --test-limit 64 --json
  out_has '"robust_accuracy"' "fashion-mnist attack"
else
  echo "fashion-mnist not installed: the checks on the real dataset were not run (the synthetic ones were)"
fi
exit $fail
