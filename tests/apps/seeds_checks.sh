#!/usr/bin/env bash
# seeds_checks.sh HQC MAKE_SYNTHETIC_IDX — `hqc compare --seeds`: every model (a recipe swap included)
# trains once per seed in DIR/<model>/seed-<S>, each run as `hqc train` with that seed would; the
# comparison's summary.json holds the runs, the per-model summaries and a verdict per claim, and
# report.md shows them; a comparison killed in its second seed and resumed gives the same files; bad
# --seeds and conflicting flags are usage errors. Synthetic MNIST-shaped data: never skipped.
set -u
hqc=$1
make_idx=$2
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
flunk() { echo "FAIL: $*"; fail=1; }
. "$(dirname "$0")/checks_lib.sh"  # expect
py=/usr/bin/python3
[ -x "$py" ] || py=python3

"$make_idx" "$tmp/data" 300 60 >/dev/null || { echo "FAIL: make_synthetic_idx"; exit 1; }
train=(--dataset mnist --data "$tmp/data" --epochs 1 --batch 32 --limit 200 --threads 2)
cflags=("${train[@]}" --models hybrid,classical,recipe-swap-classical --seeds 0,1)
flags=("${cflags[@]}" --attack-steps 2 --attack-limit 20 --val-attack-every 1 --val-attack-limit 10 --json)
models=(hybrid classical recipe-swap-classical)

echo "== compare --seeds 0,1"
"$hqc" compare "${flags[@]}" --out "$tmp/ref" >"$tmp/ref.json" 2>"$tmp/err" || { flunk "compare --seeds"; cat "$tmp/err"; exit 1; }
for f in report.md summary.json comparison.png comparison.svg compare-state.hqc; do
  [ -s "$tmp/ref/$f" ] || flunk "no $f"
done
for m in "${models[@]}"; do
  for s in 0 1; do
    for f in checkpoint.hqc last.hqc metrics.csv summary.json attack.hqc curves.png confusion.png; do
      [ -s "$tmp/ref/$m/seed-$s/$f" ] || flunk "no $m/seed-$s/$f"
    done
  done
done

# The JSON documents: six runs, three models, the claims the three variants allow, the recipes.
"$py" - "$tmp/ref" "$tmp/ref.json" <<'PY' || flunk "summary.json / --json"
import json, math, sys
d = json.load(open(sys.argv[1] + "/summary.json"))
out = json.load(open(sys.argv[2]))
bad = []
if d["seeds"] != [0, 1]: bad.append(f"seeds {d['seeds']}")
if len(d["runs"]) != 6 or len(out["runs"]) != 6: bad.append(f"{len(d['runs'])} runs in summary.json, {len(out['runs'])} in --json")
if [m["variant"] for m in d["models"]] != ["hybrid", "classical", "recipe-swap-classical"]: bad.append("models")
recipe = {(r["variant"], r["seed"]): r["recipe"] for r in d["runs"]}
if recipe[("recipe-swap-classical", 0)] != recipe[("hybrid", 0)]: bad.append("recipe-swap-classical does not take the hybrid's recipe")
if recipe[("classical", 0)] == recipe[("hybrid", 0)]: bad.append("the classical model took the hybrid's recipe")
for m in d["models"]:
    acc = m["metrics"]["test_accuracy_pct"]
    vals = [r["test_accuracy_pct"] for r in d["runs"] if r["variant"] == m["variant"]]
    if acc["n"] != 2 or abs(acc["mean"] - sum(vals) / 2) > 1e-9: bad.append(f"{m['variant']}: mean of {vals} is not {acc['mean']}")
    sd = abs(vals[0] - vals[1]) / math.sqrt(2)
    if abs(acc["sd"] - sd) > 1e-9: bad.append(f"{m['variant']}: sd {acc['sd']}, expected {sd}")
    # t_{0.975,1} = tan(pi * 0.475): the interval of two values.
    half = math.tan(math.pi * 0.475) * sd / math.sqrt(2)
    if abs(acc["ci95_high"] - acc["mean"] - half) > 1e-6 * max(1, half): bad.append(f"{m['variant']}: interval")
claims = {c["claim"]: c for c in d["comparisons"]}
for want in ["the hybrid is more accurate", "the hybrid has fewer parameters", "the hybrid is more robust to PGD",
             "the hybrid is faster per epoch (first epoch)", "architecture, not recipe: hybrid beats classical on the hybrid's recipe"]:
    if want not in claims: bad.append(f"no claim '{want}'")
if any("Linear" in c or "classical's recipe" in c for c in claims): bad.append("a claim whose variant was not run")
for c in d["comparisons"]:
    if c["verdict"] not in ("supported", "not supported", "not resolved at 2 seeds"): bad.append(f"verdict {c['verdict']}")
    if c["seeds"] != [0, 1] or len(c["differences"]) != 2: bad.append(f"{c['claim']}: seeds {c['seeds']}")
    if c["p"] is None or not 0 <= c["p"] <= 1: bad.append(f"{c['claim']}: p {c['p']}")
p = claims["the hybrid has fewer parameters"]
if p["verdict"] == "not resolved at 2 seeds" or p["t"] is not None: bad.append("parameters: the exact difference was not resolved")
for r in out["runs"]:
    run = json.load(open(sys.argv[1] + "/" + r["folder"] + "/summary.json"))
    if run != r: bad.append(f"{r['folder']}/summary.json differs from --json's run")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY

grep -q "^## Verdicts" "$tmp/ref/report.md" || flunk "report.md has no verdicts"
grep -q "^| the hybrid is more accurate | hybrid − classical |" "$tmp/ref/report.md" || flunk "report.md: no accuracy verdict row"
grep -qi "nan" "$tmp/ref/report.md" && flunk "report.md prints NaN"

# Each run is `hqc train` with its seed: seed 1 of the classical model, bit for bit.
"$hqc" train --model classical "${train[@]}" --seed 1 --out "$tmp/train1" --json >/dev/null 2>"$tmp/err" || { flunk "train --seed 1"; cat "$tmp/err"; }
cmp -s "$tmp/train1/checkpoint.hqc" "$tmp/ref/classical/seed-1/checkpoint.hqc" || flunk "classical/seed-1 is not hqc train --seed 1"
cmp -s "$tmp/ref/classical/seed-0/checkpoint.hqc" "$tmp/ref/classical/seed-1/checkpoint.hqc" && flunk "seeds 0 and 1 trained the same weights"

# The terminal table: at most 100 columns.
"$hqc" compare "${cflags[@]}" --out "$tmp/term" --attack-steps 0 >"$tmp/term.txt" 2>"$tmp/err" || { flunk "compare (terminal)"; cat "$tmp/err"; }
"$py" -c 'import sys
wide = [f"line {i + 1}: {len(l)} columns" for i, l in enumerate(open(sys.argv[1], encoding="utf-8").read().splitlines()) if len(l) > 100]
print("\n".join(wide)); sys.exit(1 if wide else 0)' "$tmp/term.txt" ||
  flunk "terminal table wider than 100 columns"
grep -q "not resolved at 2 seeds\|supported" "$tmp/term.txt" || { flunk "terminal: no verdicts"; cat "$tmp/term.txt"; }
[ -n "${SEEDS_CHECKS_SHOW:-}" ] && cat "$tmp/term.txt"

# Killed during the second seed, resumed: the same runs and the same summary (the clock's figures aside).
echo "== killed and resumed"
"$hqc" compare "${flags[@]}" --out "$tmp/cut" >/dev/null 2>"$tmp/err" &
pid=$!
n=0
until [ -e "$tmp/cut/hybrid/seed-1/last.hqc" ] || ! kill -0 $pid 2>/dev/null || [ $n -gt 6000 ]; do sleep 0.01; n=$((n + 1)); done
kill -9 $pid 2>/dev/null
{ wait $pid; } 2>/dev/null
[ -e "$tmp/cut/summary.json" ] && flunk "the comparison finished before it was killed"
"$hqc" compare --resume "$tmp/cut" --json >"$tmp/cut.json" 2>"$tmp/err" || { flunk "compare --resume"; cat "$tmp/err"; }
grep -q "the run in $tmp/cut/classical/seed-0 had finished" "$tmp/err" || { flunk "resume trained a finished seed again"; cat "$tmp/err"; }
for m in "${models[@]}"; do
  for s in 0 1; do
    cmp -s "$tmp/ref/$m/seed-$s/checkpoint.hqc" "$tmp/cut/$m/seed-$s/checkpoint.hqc" || flunk "resumed: $m/seed-$s/checkpoint.hqc differs"
    [ -s "$tmp/ref/$m/seed-$s/robustness.csv" ] || flunk "$m/seed-$s: no robustness.csv (--val-attack-every 1)"
    cmp -s "$tmp/ref/$m/seed-$s/robustness.csv" "$tmp/cut/$m/seed-$s/robustness.csv" || flunk "resumed: $m/seed-$s/robustness.csv differs"
  done
done
"$py" - "$tmp/ref/summary.json" "$tmp/cut/summary.json" <<'PY' || flunk "resumed: summary.json differs"
import json, sys
def timeless(path):
    d = json.load(open(path))
    clock = lambda k: "seconds" in k or "peak" in k
    for r in d["runs"]:
        for k in [k for k in r if clock(k)]: del r[k]
    for m in d["models"]:
        m["metrics"] = {k: v for k, v in m["metrics"].items() if not clock(k)}
    d["comparisons"] = [c for c in d["comparisons"] if not clock(c["metric"])]
    del d["command"]
    return d
a, b = timeless(sys.argv[1]), timeless(sys.argv[2])
if a != b:
    print(json.dumps(a)[:400]); print(json.dumps(b)[:400]); sys.exit(1)
PY

echo "== refusals"
expect 2 "--seed with --seeds" "$hqc" compare "${train[@]}" --seeds 0,1 --seed 3 --out "$tmp/x"
grep -q -- "--seeds: not with --seed" "$tmp/err" || { flunk "--seed with --seeds: message"; cat "$tmp/err"; }
expect 2 "--seeds 0,0" "$hqc" compare "${train[@]}" --seeds 0,0 --out "$tmp/x"
grep -q "seed 0 is listed twice" "$tmp/err" || { flunk "--seeds 0,0: message"; cat "$tmp/err"; }
expect 2 "--seeds 1,x" "$hqc" compare "${train[@]}" --seeds 1,x --out "$tmp/x"
grep -q "got 'x'" "$tmp/err" || { flunk "--seeds 1,x: message"; cat "$tmp/err"; }
expect 2 "recipe swap with --recipe" "$hqc" compare "${train[@]}" --models recipe-swap-hybrid --recipe hybrid --out "$tmp/x"
expect 2 "unknown model" "$hqc" compare "${train[@]}" --models hybrid,swap --out "$tmp/x"
grep -q "recipe-swap-classical" "$tmp/err" || { flunk "unknown model: the choices are not named"; cat "$tmp/err"; }
expect 2 "--resume with --seeds of another list" "$hqc" compare --resume "$tmp/ref" --seeds 0,2
[ -e "$tmp/x" ] && flunk "a refused comparison wrote $tmp/x"
exit $fail
