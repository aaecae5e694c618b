#!/usr/bin/env bash
# recipe_checks.sh HQC MAKE_SYNTHETIC_IDX — the recipe flags of `hqc train` and `hqc compare` end to end
# on a small synthetic MNIST-shaped dataset: what they train with (the JSON's recipe and learning
# rates), their usage errors, where the recipe is recorded (checkpoint.hqc, last.hqc, report.md) and
# what --resume does with it; also `hqc --version` and what every subcommand's --help shows.
set -u
hqc=$1
make_idx=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
flunk() { echo "FAIL: $*"; fail=1; }
. "$(dirname "$0")/checks_lib.sh"  # expect, err_has
out_has() { grep -qF -- "$1" "$tmp/out" || flunk "$2: output has no '$1'"; }
# json_field KEY: the first value (number or string) after "KEY": in the last stdout
json_field() { tr -d ' \n' <"$tmp/out" | grep -o "\"$1\":[^,}]*" | head -n 1 | cut -d: -f2 | tr -d '"'; }
# learning_rates: every epoch's learning_rate in the last stdout, one line
learning_rates() { tr -d ' \n' <"$tmp/out" | grep -o '"learning_rate":[^,}]*' | cut -d: -f2 | tr '\n' ' '; }

# ---- --version and --help ----
expect 0 "hqc version" "$hqc" version
cp "$tmp/out" "$tmp/version"
expect 0 "hqc --version" "$hqc" --version
cmp -s "$tmp/out" "$tmp/version" || flunk "hqc --version prints other than hqc version"
for cmd in summary train eval attack compare predict circuit data bench version; do
  expect 0 "$cmd --help" "$hqc" $cmd --help
  grep -q "VALUE" "$tmp/out" && flunk "$cmd --help still says VALUE"
done
expect 0 "train --help" "$hqc" train --help
for want in "--epochs N" "--batch N, --batch-size" "--data DIR" "--out DIR" "--resume DIR" "--lr X" "--t0 N" \
  "--dataset NAME" "mnist | fashion-mnist | cifar10 | cifar100 | stl10 (required)" "--model hybrid|classical" \
  "(0: all images)" "\$HQC_DATA/<dataset>, ./data/<dataset>" "--recipe hybrid|classical" \
  "--schedule NAME" "none | onecycle | cosine-restarts | step"; do
  out_has "$want" "train --help"
done
expect 0 "eval --help" "$hqc" eval --help
out_has "--checkpoint FILE" "eval --help"
out_has "(required)" "eval --help"
expect 0 "compare --help" "$hqc" compare --help
out_has "--models LIST" "compare --help"
out_has "--lr X" "compare --help"
expect 0 "bench --help" "$hqc" bench --help
grep -q "memory-child" "$tmp/out" && flunk "bench --help shows the internal --memory-child"

# ---- usage errors of the recipe flags, before any data is read ----
syn=$tmp/syn
"$make_idx" "$syn" 300 60 11 >/dev/null || flunk "make_synthetic_idx"
tr_syn() { "$hqc" train --dataset mnist --data "$syn" --epochs 2 --batch 32 --test-limit 40 --seed 5 --threads 2 "$@"; }
bad() {  # bad FLAG-NAMED-IN-ERROR ARGS...: exit 2 naming the flag, nothing written
  local flag=$1
  shift
  expect 2 "train $*" tr_syn --out "$tmp/no" "$@"
  err_has "$flag" "train $*"
}
bad --lr --model classical --lr 0
bad --lr --model classical --lr -1e-3
bad --lr --model classical --lr nan
bad --lr --model hybrid --lr 0.01  # OneCycleLR sets the rate itself
bad --momentum --model classical --momentum 1
bad --weight-decay --model classical --weight-decay -0.1
bad --max-lr --model classical --max-lr 0.01  # cosine-restarts has no max-lr
bad --pct-start --model hybrid --pct-start 1
bad --t0 --model classical --t0 0
bad --t-mult --model classical --t-mult 0
bad --eta-min --model classical --eta-min -1
bad --gamma --model classical --schedule step --gamma 0
bad --gamma --model classical --gamma 0.5  # not the step schedule
bad --step-size --model classical --schedule step --step-size 0
bad --label-smoothing --model classical --label-smoothing 1
bad --clip --model classical --clip -1
bad --optimizer --model classical --optimizer rmsprop
bad --schedule --model classical --schedule linear
bad --recipe --model classical --recipe resnet
[ -e "$tmp/no" ] && flunk "a refused run wrote $tmp/no"
expect 2 "compare --max-lr with a classical model" "$hqc" compare --dataset mnist --data "$syn" --models hybrid,classical \
  --epochs 1 --max-lr 0.01 --attack-steps 0 --out "$tmp/no"
err_has "--max-lr" "compare --max-lr"
[ -e "$tmp/no" ] && flunk "a refused comparison wrote $tmp/no"

# ---- what the flags train with ----
expect 0 "train classical" tr_syn --model classical --json --out "$tmp/c"
lr_classical=$(learning_rates)
[ "$(json_field optimizer)" = adam ] || flunk "classical: optimizer $(json_field optimizer)"
expect 0 "train hybrid" tr_syn --model hybrid --json --out "$tmp/h"
lr_hybrid=$(learning_rates)
[ "$(json_field optimizer)" = adamw ] && [ "$(json_field schedule)" = onecycle ] || flunk "hybrid: recipe $(json_field optimizer) $(json_field schedule)"
expect 0 "train hybrid --recipe classical" tr_syn --model hybrid --recipe classical --json --out "$tmp/hc"
[ "$(json_field optimizer)" = adam ] || flunk "--recipe classical: optimizer $(json_field optimizer), expected adam"
[ "$(json_field schedule)" = cosine-restarts ] || flunk "--recipe classical: schedule $(json_field schedule)"
[ "$(json_field clip)" = 0 ] || flunk "--recipe classical: clip $(json_field clip), expected 0"
# The rates per epoch are the schedule's alone (same batches): the classical run's, not the hybrid's.
[ "$(learning_rates)" = "$lr_classical" ] || flunk "--recipe classical: learning rates $(learning_rates), classical's $lr_classical"
[ "$(learning_rates)" != "$lr_hybrid" ] || flunk "--recipe classical: the hybrid's learning rates"
grep -aqF '"recipe":{"optimizer":"adam"' "$tmp/hc/checkpoint.hqc" || flunk "--recipe classical: checkpoint.hqc does not record it"
grep -aqF '"recipe"' "$tmp/h/checkpoint.hqc" && flunk "a default run's checkpoint.hqc records a recipe"
expect 0 "hybrid --recipe classical, text" "$hqc" train --resume "$tmp/hc"
out_has "recipe: Adam lr 0.003 wd 0.005 (L2), CosineAnnealingWarmRestarts T_0 5" "train's summary line"

# --lr: 240 training images in batches of 32 are 8 steps an epoch; after epoch 1 the cosine restarts
# (T_0 5) are 3 steps into their second cycle: eta_min + (lr - eta_min)(1 + cos(3 pi / 5)) / 2.
expect 0 "train classical --lr 0.01" tr_syn --model classical --lr 0.01 --json --out "$tmp/lr"
first=$(learning_rates | cut -d' ' -f1)
awk -v got="$first" 'BEGIN { want = 1e-5 + (0.01 - 1e-5) * (1 + cos(3 * atan2(0, -1) / 5)) / 2;
  exit !(got != "" && (got - want) ^ 2 <= (1e-12 * want) ^ 2) }' || flunk "--lr 0.01: epoch 1 learning rate $first"
[ "$(learning_rates)" != "$lr_classical" ] || flunk "--lr 0.01 left the learning rates as they were"
cmp -s "$tmp/lr/checkpoint.hqc" "$tmp/c/checkpoint.hqc" && flunk "--lr 0.01 trained the same weights"

# The other optimiser and schedules run.
expect 0 "sgd + step" tr_syn --model classical --optimizer sgd --lr 0.05 --momentum 0.9 --schedule step --step-size 4 \
  --gamma 0.5 --json --out "$tmp/sgd"
[ "$(learning_rates)" = "0.0125 0.003125 " ] || flunk "sgd + step: learning rates $(learning_rates)"
expect 0 "--schedule none" tr_syn --model hybrid --schedule none --lr 0.002 --json --out "$tmp/none"
[ "$(learning_rates)" = "0.002 0.002 " ] || flunk "--schedule none: learning rates $(learning_rates)"
expect 0 "--batch-size alias" tr_syn --model classical --batch-size 32 --json --out "$tmp/alias"
cmp -s "$tmp/alias/metrics.csv" "$tmp/c/metrics.csv" || flunk "--batch-size 32 trained other than --batch 32"

# eval's loss takes the label smoothing the checkpoint was trained with.
expect 0 "train --label-smoothing 0" tr_syn --model classical --label-smoothing 0 --json --out "$tmp/ls"
test_loss=$(json_field test_loss)
expect 0 "eval --label-smoothing 0 checkpoint" "$hqc" eval --checkpoint "$tmp/ls/checkpoint.hqc" --data "$syn" --limit 40 --batch 32 --json
[ "$(json_field loss)" = "$test_loss" ] || flunk "eval loss $(json_field loss), training's test loss $test_loss"

# ---- --resume keeps the recipe ----
expect 0 "resume a finished --lr run" "$hqc" train --resume "$tmp/lr" --json
[ "$(json_field lr)" = 0.01 ] || flunk "resumed --lr run: recipe lr $(json_field lr)"
expect 0 "resume it with the same --lr" "$hqc" train --resume "$tmp/lr" --lr 0.010 --json
expect 2 "resume it with another --lr" "$hqc" train --resume "$tmp/lr" --lr 0.02
err_has "--lr" "resume with another --lr"
expect 2 "resume with a recipe flag it was started without" "$hqc" train --resume "$tmp/c" --momentum 0.5
err_has "started without --momentum" "resume with a new flag"

# A run killed after its first epoch and resumed takes its recipe from last.hqc: the files of an
# uninterrupted run, bit for bit (the default recipe would give others).
sgd=(--model classical --optimizer sgd --lr 0.05 --schedule step --step-size 4 --gamma 0.5 --epochs 3)
expect 0 "uninterrupted sgd run" "$hqc" train --dataset mnist --data "$syn" --batch 32 --test-limit 40 --seed 5 --threads 2 \
  "${sgd[@]}" --out "$tmp/sgd-ref"
"$hqc" train --dataset mnist --data "$syn" --batch 32 --test-limit 40 --seed 5 --threads 2 "${sgd[@]}" --out "$tmp/sgd-cut" \
  >/dev/null 2>&1 &
pid=$!
for _ in $(seq 6000); do  # until epoch 1 is in metrics.csv (header + 1 row), at most a minute
  [ -e "$tmp/sgd-cut/metrics.csv" ] && [ "$(wc -l <"$tmp/sgd-cut/metrics.csv")" -ge 2 ] && break
  sleep 0.01
done
kill -9 $pid 2>/dev/null
{ wait $pid; } 2>/dev/null
rows=$(wc -l <"$tmp/sgd-cut/metrics.csv")
[ "$rows" -lt 4 ] || flunk "the sgd run finished before it was killed ($rows lines in metrics.csv)"
expect 0 "resume the killed sgd run" "$hqc" train --resume "$tmp/sgd-cut"
for f in metrics.csv checkpoint.hqc; do
  cmp -s "$tmp/sgd-ref/$f" "$tmp/sgd-cut/$f" || flunk "resumed sgd run: $f differs from the uninterrupted run's"
done

# ---- compare: the flags apply to every model, report.md lists the recipes ----
expect 0 "compare --recipe classical --lr 0.01" "$hqc" compare --dataset mnist --data "$syn" --models hybrid,classical \
  --epochs 1 --limit 100 --test-limit 20 --attack-steps 0 --recipe classical --lr 0.01 --threads 2 --json --out "$tmp/cmp"
[ "$(tr -d ' \n' <"$tmp/out" | grep -o '"lr":0.01,' | wc -l)" = 2 ] || flunk "compare: not both runs at lr 0.01"
grep -qF -- "- hybrid: Adam lr 0.01 wd 0.005 (L2), CosineAnnealingWarmRestarts" "$tmp/cmp/report.md" || flunk "report.md lacks the hybrid's recipe"
grep -qE -- "original (hybrid|classical)" "$tmp/cmp/report.md" && flunk "report.md sets the original's numbers beside runs of another recipe"
expect 2 "compare --resume with another --lr" "$hqc" compare --resume "$tmp/cmp" --lr 0.02
err_has "--lr" "compare --resume with another --lr"

exit $fail
