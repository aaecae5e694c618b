#!/usr/bin/env bash
# study_checks.sh HQC MAKE_SYNTHETIC_IDX — the final runs' pipeline end to end on tiny settings:
# tools/study_runs.sh runs the six variants for two seeds, two at a time, into ROOT/<variant>/seed-<S>
# (command.txt, metrics.csv, summary.json, the feature-space files); a run killed half-way continues
# when the script is run again; each command.txt, run again elsewhere, writes its metrics.csv byte for
# byte; `hqc study-report` writes README.md and summary.json from the runs' files alone (run again, the
# same bytes); `hqc features` on a checkpoint; bad variants and empty folders are refused.
# Synthetic MNIST-shaped data: never skipped.
set -u
hqc=$1
make_idx=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
flunk() { echo "FAIL: $*"; fail=1; }
. "$here/checks_lib.sh"  # expect, err_has
py=/usr/bin/python3
[ -x "$py" ] || py=python3

"$make_idx" "$tmp/data" 300 60 >/dev/null || { echo "FAIL: make_synthetic_idx"; exit 1; }
tiny=(--dataset mnist --data "$tmp/data" --epochs 2 --batch 32 --limit 200 --attack-steps 2 --attack-limit 20 --feature-limit 40
  --val-attack-every 1 --val-attack-limit 20)
variants="hybrid classical linear rotations recipe-swap-classical recipe-swap-hybrid"
root=$tmp/results

echo "== one run killed after its first epoch"
"$hqc" study --root "$root" --variant classical --seed 0 --threads 1 "${tiny[@]}" >/dev/null 2>"$tmp/killed.err" &
pid=$!
for _ in $(seq 1 1200); do
  [ -s "$root/classical/seed-0/metrics.csv" ] && break
  sleep 0.05
done
kill -TERM $pid 2>/dev/null
wait $pid
if [ -s "$root/classical/seed-0/summary.json" ]; then
  echo "note: the run finished before the kill"
else
  [ -s "$root/classical/seed-0/last.hqc" ] || flunk "the killed run left no last.hqc"
fi

echo "== tools/study_runs.sh, 6 variants x 2 seeds, 2 at a time"
"$here/../../tools/study_runs.sh" --hqc "$hqc" --root "$root" --seeds "0 1" --jobs 2 -- "${tiny[@]}" >"$tmp/runs.out" 2>&1 ||
  { flunk "study_runs.sh"; cat "$tmp/runs.out"; }
for v in $variants; do
  for s in 0 1; do
    for f in command.txt metrics.csv summary.json features.csv features.json pca.png tsne.png checkpoint.hqc \
      samples_train.png samples_val.png samples_test.png class_distribution.png class_distribution.csv predictions.png predictions.csv; do
      [ -s "$root/$v/seed-$s/$f" ] || flunk "no $v/seed-$s/$f"
    done
    [ "$(wc -l <"$root/$v/seed-$s/command.txt")" = 1 ] || flunk "$v/seed-$s/command.txt is not one line"
    grep -q -- "--seed $s .*--threads 1 " "$root/$v/seed-$s/command.txt" || flunk "$v/seed-$s/command.txt: --seed and --threads not explicit"
  done
done
for f in README.md summary.json comparison.png comparison.svg epochs.png epochs.svg; do [ -s "$root/$f" ] || flunk "no $f"; done
for v in hybrid rotations recipe-swap-hybrid; do
  [ "$(grep -c "─┤  <Z>" "$root/$v/seed-0/circuit.txt" 2>/dev/null)" = 4 ] || flunk "$v/seed-0/circuit.txt is not a drawing of 4 wires"
done
grep -q "╭●" "$root/rotations/seed-0/circuit.txt" && flunk "the rotations-only circuit has CNOTs"
for v in classical linear recipe-swap-classical; do [ -e "$root/$v/seed-0/circuit.txt" ] && flunk "$v has a circuit.txt"; done
cmp -s <(sed -n '/^## The circuit/,/^## /p' "$root/README.md" | sed -n '/^```$/,/^```$/p' | sed '1d;$d') "$root/hybrid/seed-0/circuit.txt" ||
  flunk "README.md does not show hybrid/seed-0/circuit.txt"

echo "== command.txt reproduces metrics.csv byte for byte (the resumed run included)"
for run in classical/seed-0 recipe-swap-hybrid/seed-1 linear/seed-0; do
  cmd=$(cat "$root/$run/command.txt")
  again=$tmp/again/$run
  cmd=${cmd/--out $root\/$run/--out $again}
  cmd=${cmd/hqc train/$hqc train}
  eval "$cmd" >/dev/null 2>"$tmp/again.err" || { flunk "$run: command.txt failed"; cat "$tmp/again.err"; continue; }
  cmp -s "$root/$run/metrics.csv" "$again/metrics.csv" || flunk "$run: command.txt gives another metrics.csv"
  [ "$(wc -l <"$root/$run/robustness.csv")" = 3 ] || flunk "$run: robustness.csv has not a check after each of the 2 epochs"
  cmp -s "$root/$run/robustness.csv" "$again/robustness.csv" || flunk "$run: command.txt gives another robustness.csv"
done
grep -q -- "--val-attack-every 1 --val-attack-limit 20 --val-attack-eps 0.1 --val-attack-alpha 0.01 --val-attack-steps 2 " \
  "$root/hybrid/seed-0/command.txt" || flunk "command.txt lacks the robustness checks' flags"

echo "== the robustness checks leave training alone; their clean accuracy is the validation accuracy"
run=(--dataset mnist --data "$tmp/data" --model hybrid --epochs 2 --batch 32 --limit 200 --seed 4 --threads 1)
expect 0 "train without checks" "$hqc" train "${run[@]}" --out "$tmp/va-off"
expect 0 "train with a check every epoch on all validation images" "$hqc" train "${run[@]}" --out "$tmp/va-on" \
  --val-attack-every 1 --val-attack-limit 0 --val-attack-steps 3 --json
for f in metrics.csv checkpoint.hqc; do cmp -s "$tmp/va-off/$f" "$tmp/va-on/$f" || flunk "the checks changed $f"; done
"$py" - "$tmp/out" <<'PY' || flunk "the checks' JSON"
import json, sys
j = json.load(open(sys.argv[1]))
checks = j["val_robustness"]
assert [c["epoch"] for c in checks] == [1, 2], checks
for e, c in zip(j["epochs"], checks):
    assert c["images"] == j["val_images"], c
    assert c["clean_accuracy"] == e["val_accuracy"], (c, e)  # the same images, the same model, evaluation mode
    assert 0 <= c["robust_accuracy"] <= c["clean_accuracy"] + 1e-12, c
PY
expect 2 "a negative --val-attack-every" "$hqc" train "${run[@]}" --out "$tmp/va-bad" --val-attack-every -1
expect 2 "--val-attack-eps out of range" "$hqc" train "${run[@]}" --out "$tmp/va-bad" --val-attack-every 1 --val-attack-eps 2
err_has "--val-attack-eps" "--val-attack-eps 2"
expect 2 "resume with other checks" "$hqc" train --resume "$tmp/va-on" --val-attack-every 2
err_has "val-attack-every" "resume with another --val-attack-every"

echo "== the report: every number from the runs' files; run again, the same bytes"
cp "$root/README.md" "$tmp/readme.1"
"$here/../../tools/study_runs.sh" --hqc "$hqc" --root "$root" --seeds "0 1" --jobs 2 -- "${tiny[@]}" >"$tmp/runs2.out" 2>&1 || flunk "study_runs.sh again"
grep -c "^done:" "$tmp/runs2.out" | grep -qx 12 || flunk "the second invocation did not find 12 finished runs"
grep -q "nothing to do" "$root/hybrid/seed-0/log.txt" || flunk "a finished run was not left alone"
cmp -s "$tmp/readme.1" "$root/README.md" || flunk "README.md differs when regenerated"
"$py" - "$root" <<'PY' || flunk "summary.json against the runs' files"
import csv, json, sys, os
root = sys.argv[1]
d = json.load(open(os.path.join(root, "summary.json")))
assert len(d["runs"]) == 12, len(d["runs"])
for r in d["runs"]:
    s = json.load(open(os.path.join(root, r["folder"], "summary.json")))
    assert abs(r["test_accuracy_pct"] - 100 * s["test_accuracy"]) < 1e-9, r
    assert r["silhouette"] == s["features"]["silhouette"], r
    assert r["lda_separation"] == s["features"]["lda_separation"], r
    assert s["features"]["dimensions"] == (128 if s["model"] == "classical" else 4), s["features"]
    assert s["command"] == open(os.path.join(root, r["folder"], "command.txt")).read().strip()
    rows = list(csv.DictReader(open(os.path.join(root, r["folder"], "class_distribution.csv"))))
    for split, key in (("train", "train_images"), ("val", "val_images"), ("test", "test_images")):
        assert sum(int(x[split]) for x in rows) == s[key], (split, rows)
    pred = list(csv.DictReader(open(os.path.join(root, r["folder"], "predictions.csv"))))
    assert len(pred) == 20, len(pred)
claims = {c["claim"] for c in d["comparisons"]}
assert any("Linear(16,4)'s (silhouette)" in c for c in claims), claims
readme = open(os.path.join(root, "README.md")).read()
for key in ("## The feature space entering the head", "## Wall time", "## Commands", "hqc train --dataset mnist"):
    assert key in readme, key
PY

echo "== hqc features on a checkpoint"
"$hqc" features --checkpoint "$root/hybrid/seed-0/checkpoint.hqc" --data "$tmp/data" --test-limit 50 --perplexity 10 \
  --out "$tmp/feat" --json >"$tmp/feat.json" 2>"$tmp/err" || { flunk "hqc features"; cat "$tmp/err"; }
"$py" -m json.tool "$tmp/feat.json" >/dev/null || flunk "hqc features --json is not JSON"
for f in features.csv features.json pca.png pca.svg tsne.png tsne.svg; do [ -s "$tmp/feat/$f" ] || flunk "features: no $f"; done
[ "$(wc -l <"$tmp/feat/features.csv")" = 51 ] || flunk "features.csv: expected a header and 50 rows"

echo "== hqc train --data-handling original: other numbers, the same for a seed, recorded for --resume"
t=(--model hybrid --dataset mnist --data "$tmp/data" --epochs 2 --batch 32 --limit 200 --seed 3 --threads 1)
"$hqc" train "${t[@]}" --out "$tmp/std" >/dev/null 2>&1 || flunk "train, standard handling"
"$hqc" train "${t[@]}" --data-handling standard --out "$tmp/std2" >/dev/null 2>&1 || flunk "train --data-handling standard"
"$hqc" train "${t[@]}" --data-handling original --out "$tmp/orig" >/dev/null 2>&1 || flunk "train --data-handling original"
"$hqc" train "${t[@]}" --data-handling original --out "$tmp/orig2" >/dev/null 2>&1 || flunk "train --data-handling original again"
cmp -s "$tmp/std/metrics.csv" "$tmp/std2/metrics.csv" || flunk "--data-handling standard is not the default"
cmp -s "$tmp/orig/metrics.csv" "$tmp/orig2/metrics.csv" || flunk "--data-handling original: not the same bits for a seed"
cmp -s "$tmp/std/metrics.csv" "$tmp/orig/metrics.csv" && flunk "--data-handling original: the same numbers as the standard handling"
"$hqc" train --resume "$tmp/orig" --json >"$tmp/resumed.json" 2>/dev/null || flunk "--resume of a run with --data-handling original"
expect 2 "original handling without augmentation" "$hqc" train "${t[@]}" --data-handling original --augment off --out "$tmp/x"

echo "== refusals"
expect 2 "unknown variant" "$hqc" study --root "$tmp/x" --variant quantum
expect 2 "perplexity above the images" "$hqc" features --checkpoint "$root/hybrid/seed-0/checkpoint.hqc" --data "$tmp/data" \
  --test-limit 20 --perplexity 30 --out "$tmp/feat2"
mkdir -p "$tmp/empty"
expect 1 "a folder without runs" "$hqc" study-report --root "$tmp/empty"

exit $fail
