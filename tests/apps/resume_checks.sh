#!/usr/bin/env bash
# resume_checks.sh HQC MAKE_SYNTHETIC_IDX — no training run is lost: a run killed at any moment
# (SIGKILL, mid-epoch, during the test pass, again after resuming) and continued with
# `hqc train --resume DIR` writes the metrics.csv and checkpoint.hqc of an uninterrupted run byte for
# byte, and the same JSON (times and memory aside); for the hybrid and the classical model (which has
# Dropout, whose stream position must come back), and the hybrid with noise and finite shots. SIGINT and SIGTERM stop a run with 130 and 143 and
# say how to resume; --resume refuses a conflicting flag; `hqc compare --resume` skips finished models.
# Trains on a synthetic MNIST-shaped dataset written by make_synthetic_idx: never skipped.
set -u
hqc=$1
make_idx=$2
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
flunk() { echo "FAIL: $*"; fail=1; }
. "$(dirname "$0")/checks_lib.sh"  # expect

"$make_idx" "$tmp/data" 600 100 >/dev/null || { echo "FAIL: make_synthetic_idx"; exit 1; }
common=(--dataset mnist --data "$tmp/data" --epochs 4 --batch 32 --seed 5 --threads 2)

# The JSON of a run without what depends on the clock or the machine.
timeless() { grep -v -e '"seconds' -e '"cpu_seconds"' -e '"peak_rss_mb"' "$1"; }

# rows FILE: lines of metrics.csv so far (header included), 0 before it exists.
rows() { [ -e "$1" ] && wc -l <"$1" || echo 0; }

# run_until DIR WHEN ARGS...: starts `hqc ARGS` in the background and SIGKILLs it when WHEN (a shell
# condition) holds, after a random delay of up to a third of a second; returns the exit status.
run_until() {
  local dir=$1 when=$2
  shift 2
  "$hqc" "$@" >"$tmp/out" 2>"$tmp/err" &
  local pid=$! n=0
  until eval "$when" || ! kill -0 $pid 2>/dev/null; do
    sleep 0.01
    n=$((n + 1))
    [ $n -gt 6000 ] && break
  done
  local delay
  delay=${kill_delay:-$(printf '0.%03d' $((RANDOM % 333)))}
  echo "  kill when [$when] + ${delay}s"
  sleep "$delay"
  kill -9 $pid 2>/dev/null
  { wait $pid; } 2>/dev/null
}

compare_runs() {  # compare_runs REF DIR WHAT
  cmp -s "$1/metrics.csv" "$2/metrics.csv" || { flunk "$3: metrics.csv differs"; diff "$1/metrics.csv" "$2/metrics.csv" | head -5; }
  cmp -s "$1/checkpoint.hqc" "$2/checkpoint.hqc" || flunk "$3: checkpoint.hqc differs"
  diff <(timeless "$1/run.json" | sed "s#$1#DIR#") <(timeless "$2/run.json" | sed "s#$2#DIR#") >/dev/null ||
    { flunk "$3: the final JSON differs"; diff <(timeless "$1/run.json") <(timeless "$2/run.json") | head -8; }
}

# hybrid-shots: the quantum layer under noise with finite shots, whose shot-stream position must
# come back too.
for model in classical hybrid hybrid-shots; do
  echo "== $model"
  args=(--model ${model%-shots})
  [ $model = hybrid-shots ] && args+=(--noise depolarizing=0.02 --shots 50)
  ref=$tmp/$model-ref
  "$hqc" train "${args[@]}" "${common[@]}" --out "$ref" --json >"$tmp/ref.json" 2>"$tmp/err" ||
    { flunk "$model: uninterrupted run"; cat "$tmp/err"; continue; }
  mv "$tmp/ref.json" "$ref/run.json"
  [ -e "$ref/last.hqc" ] || flunk "$model: no last.hqc after a run"

  # SIGKILL mid-epoch 1, again mid-epoch 3 of the resumed run, again after the last epoch (test pass).
  dir=$tmp/$model-killed
  run_until "$dir" "[ -e $dir/last.hqc ]" train "${args[@]}" "${common[@]}" --out "$dir" --json
  [ $? -eq 137 ] || flunk "$model: the first run ended before it was killed"
  run_until "$dir" "[ \$(rows $dir/metrics.csv) -ge 3 ]" train --resume "$dir" --json
  run_until "$dir" "[ \$(rows $dir/metrics.csv) -ge 5 ]" train --resume "$dir" --json
  "$hqc" train --resume "$dir" --json >"$dir/run.json" 2>"$tmp/err" || { flunk "$model: final resume failed"; cat "$tmp/err"; }
  compare_runs "$ref" "$dir" "$model killed thrice"

  # Resuming a finished run prints its result again without training.
  "$hqc" train --resume "$dir" --json >"$tmp/again.json" 2>"$tmp/err" || flunk "$model: resuming a finished run failed"
  grep -q "had finished" "$tmp/err" || flunk "$model: resuming a finished run does not say so"
  grep -q "train" <(grep "epoch" "$tmp/err") && flunk "$model: a finished run was trained again"
  diff <(timeless "$dir/run.json") <(timeless "$tmp/again.json") >/dev/null || flunk "$model: a finished run's result changed"
done

# SIGINT and SIGTERM: exit 130 / 143 at the next batch, a resume hint, and a run that resumes exactly.
for sig in INT TERM; do
  [ $sig = INT ] && model=classical want=130 || model=hybrid want=143
  dir=$tmp/$model-sig$sig
  "$hqc" train --model $model "${common[@]}" --out "$dir" --json >/dev/null 2>"$tmp/err" &
  pid=$!
  until [ "$(rows "$dir/metrics.csv")" -ge 2 ] || ! kill -0 $pid 2>/dev/null; do sleep 0.01; done
  sleep 0.1
  t0=$(date +%s%N)
  kill -$sig $pid
  { wait $pid; } 2>/dev/null
  got=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ $got -eq $want ] || { flunk "SIG$sig: exit $got, expected $want"; cat "$tmp/err"; }
  [ $ms -lt 1500 ] || flunk "SIG$sig: took $ms ms to stop"
  grep -q "hqc train --resume $dir" "$tmp/err" || { flunk "SIG$sig: no resume hint"; cat "$tmp/err"; }
  "$hqc" train --resume "$dir" --json >"$dir/run.json" 2>"$tmp/err" || { flunk "SIG$sig: resume failed"; cat "$tmp/err"; }
  compare_runs "$tmp/$model-ref" "$dir" "$model after SIG$sig"
done

# --resume takes the saved flags: a different value is a usage error, the same value and --threads are not.
dir=$tmp/classical-killed
expect 2 "conflicting --epochs on --resume" "$hqc" train --resume "$dir" --epochs 5
grep -q "^hqc: error: --epochs: the run in $dir was started with --epochs 4" "$tmp/err" ||
  { flunk "conflicting --epochs on --resume: the error does not name the saved value"; cat "$tmp/err"; }
expect 2 "conflicting --model on --resume" "$hqc" train --resume "$dir" --model hybrid
expect 2 "--out other than the resumed folder" "$hqc" train --resume "$dir" --out "$tmp/elsewhere"
expect 0 "same flags on --resume" "$hqc" train --resume "$dir" --epochs 4 --seed 5 --threads 1
grep -q "warning: --threads" "$tmp/err" && flunk "a warning for another --threads on --resume: the bits do not depend on the thread count"
cp -r "$dir" "$tmp/truncated"
head -c 1000 "$dir/last.hqc" >"$tmp/truncated/last.hqc"
expect 1 "--resume of a truncated last.hqc" "$hqc" train --resume "$tmp/truncated"
grep -q "^hqc: error: .*truncated/last.hqc" "$tmp/err" || { flunk "--resume of a truncated last.hqc: not named"; cat "$tmp/err"; }
expect 1 "--resume of a folder without a run" "$hqc" train --resume "$tmp/nowhere"
grep -q "nowhere/last.hqc" "$tmp/err" || { flunk "--resume of a folder without a run: not named"; cat "$tmp/err"; }

# compare --resume: killed while the second model trains, resumed: the first is not trained again.
cflags=(--dataset mnist --data "$tmp/data" --models classical,hybrid --epochs 2 --batch 32 --seed 5 --threads 2
  --attack-steps 2 --attack-limit 40 --json)
"$hqc" compare "${cflags[@]}" --out "$tmp/cmp-ref" >"$tmp/cmp-ref.json" 2>"$tmp/err" || { flunk "compare"; cat "$tmp/err"; }
# Killed as soon as the hybrid has a last.hqc (no random delay): its second epoch can take less
# than the delay's 0.33 s, and a finished hybrid would be skipped, not resumed.
kill_delay=0 run_until "$tmp/cmp" "[ -e $tmp/cmp/hybrid/last.hqc ]" compare "${cflags[@]}" --out "$tmp/cmp"
[ $? -eq 137 ] || flunk "compare ended before it was killed"
"$hqc" compare --resume "$tmp/cmp" --json >"$tmp/cmp.json" 2>"$tmp/err" || { flunk "compare --resume"; cat "$tmp/err"; }
grep -q "the run in $tmp/cmp/classical had finished" "$tmp/err" || { flunk "compare --resume trained the finished model again"; cat "$tmp/err"; }
grep -q "resuming $tmp/cmp/hybrid" "$tmp/err" || flunk "compare --resume did not resume the interrupted model"
diff <(timeless "$tmp/cmp-ref.json" | sed "s#$tmp/cmp-ref#DIR#") <(timeless "$tmp/cmp.json" | sed "s#$tmp/cmp#DIR#") >/dev/null ||
  flunk "compare --resume: JSON differs from an uninterrupted comparison"
for m in classical hybrid; do
  cmp -s "$tmp/cmp-ref/$m/checkpoint.hqc" "$tmp/cmp/$m/checkpoint.hqc" || flunk "compare --resume: $m/checkpoint.hqc differs"
done
expect 2 "compare --resume with another --epochs" "$hqc" compare --resume "$tmp/cmp" --epochs 3
exit $fail
