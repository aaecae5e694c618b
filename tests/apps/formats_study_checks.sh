#!/usr/bin/env bash
# formats_study_checks.sh HQC MAKE_SYNTHETIC_IDX — the README's reproduction commands for the datasets
# that cannot be downloaded here, end to end on small files written in their official formats (MNIST
# IDX, CIFAR-100 binary, STL-10 binary): tools/study_runs.sh trains the hybrid and the classical model
# on each, with every picture and the robustness checks, `hqc study-report` writes the report, and a
# run's command.txt, run again, writes its metrics.csv byte for byte. Never skipped.
set -u
hqc=$1
make_idx=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
flunk() { echo "FAIL: $*"; fail=1; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3

for spec in mnist:idx cifar100:cifar100 stl10:stl10; do
  d=${spec%%:*}
  echo "== $d"
  "$make_idx" "$tmp/data/$d" 60 12 3 "${spec#*:}" >/dev/null || { flunk "$d: make_synthetic_idx"; continue; }
  root=$tmp/results/$d
  "$here/../../tools/study_runs.sh" --hqc "$hqc" --root "$root" --seeds 0 --variants "hybrid classical" -- \
    --dataset "$d" --data "$tmp/data/$d" --epochs 2 --batch 8 --limit 40 --test-limit 10 --attack-steps 1 \
    --attack-limit 5 --feature-limit 10 --val-attack-every 1 --val-attack-limit 5 >"$tmp/$d.out" 2>&1 ||
    { flunk "$d: study_runs.sh"; cat "$tmp/$d.out"; continue; }
  for v in hybrid classical; do
    for f in command.txt metrics.csv robustness.csv summary.json pca.png tsne.png samples_train.png predictions.png \
      class_distribution.png confusion.png curves.png; do
      [ -s "$root/$v/seed-0/$f" ] || flunk "$d: no $v/seed-0/$f"
    done
  done
  for f in README.md summary.json comparison.png epochs.png robustness.png; do [ -s "$root/$f" ] || flunk "$d: no $f"; done
  "$py" - "$root" "$d" <<'PY' || flunk "$d: summary.json"
import json, os, sys
root, d = sys.argv[1], sys.argv[2]
for v in ("hybrid", "classical"):
    s = json.load(open(os.path.join(root, v, "seed-0", "summary.json")))
    assert s["dataset"] == d and s["model"] == v, (s["dataset"], s["model"])
    assert s["train_images"] + s["val_images"] == 40 and s["test_images"] == 10, s
    assert [c["epoch"] for c in s["val_robustness"]] == [1, 2], s["val_robustness"]
    assert 0 <= s["test_accuracy"] <= 1 and s["attack"]["count"] == 5, s
PY
  cmd=$(cat "$root/hybrid/seed-0/command.txt")
  cmd=${cmd/--out $root\/hybrid\/seed-0/--out $tmp/again-$d}
  cmd=${cmd/hqc train/$hqc train}
  eval "$cmd" >/dev/null 2>"$tmp/again.err" || { flunk "$d: command.txt failed"; cat "$tmp/again.err"; continue; }
  cmp -s "$root/hybrid/seed-0/metrics.csv" "$tmp/again-$d/metrics.csv" || flunk "$d: command.txt gives another metrics.csv"
done
exit $fail
