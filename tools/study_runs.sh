#!/usr/bin/env bash
# tools/study_runs.sh — the study's final runs and their report (docs/study.md, "The final runs").
#
# Runs `hqc study` for every variant and seed, one run per core (--threads 1 each), into
# ROOT/<variant>/seed-<S>/ (command.txt, metrics.csv, summary.json, the checkpoints and pictures), then
# `hqc study-report --root ROOT` (ROOT/README.md, summary.json, comparison.png). Resumable: run it
# again after an interruption (a kill, a reboot) and every unfinished run continues from its last.hqc,
# every finished one is left alone. Each run's messages go to ROOT/<variant>/seed-<S>/log.txt.
#
#   tools/study_runs.sh                                   # 6 variants x seeds 0,1,2 x 50 epochs, Fashion-MNIST
#   tools/study_runs.sh --root /tmp/r --seeds "0 1" -- --epochs 2 --limit 640   # anything after -- goes to hqc study
#
# Options: --hqc PATH (default: $HQC, else build/apps/hqc, else hqc on PATH), --root DIR (default
# docs/results/fashion-mnist), --seeds "0 1 2", --variants "hybrid classical ...", --jobs N (default:
# the number of cores), --no-report.
set -u
hqc=${HQC:-}
root=docs/results/fashion-mnist
seeds="0 1 2"
variants="hybrid classical linear rotations recipe-swap-classical recipe-swap-hybrid"
jobs=$(nproc 2>/dev/null || echo 1)
report=1
extra=()
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --hqc) hqc=$2; shift 2 ;;
    --root) root=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --no-report) report=0; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "study_runs.sh: unknown option $1" >&2; usage ;;
  esac
done
if [ -z "$hqc" ]; then
  if [ -x build/apps/hqc ]; then hqc=build/apps/hqc; else hqc=$(command -v hqc || true); fi
fi
[ -n "$hqc" ] && [ -x "$hqc" ] || { echo "study_runs.sh: no hqc binary (build it, or give --hqc PATH)" >&2; exit 2; }
case $jobs in ''|*[!0-9]*|0) echo "study_runs.sh: --jobs must be a positive integer" >&2; exit 2 ;; esac
mkdir -p "$root" || exit 1

start=$(date +%s)
failed=0
run_one() {  # variant seed
  local dir="$root/$1/seed-$2"
  mkdir -p "$dir"
  if "$hqc" study --root "$root" --variant "$1" --seed "$2" --threads 1 "${extra[@]}" >>"$dir/log.txt" 2>&1; then
    echo "done: $1 seed $2"
  else
    echo "FAILED: $1 seed $2 (see $dir/log.txt)"
    return 1
  fi
}
# Seed by seed, every variant in each: an interrupted study has whole seeds behind it.
for s in $seeds; do
  for v in $variants; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
      wait -n || failed=1
    done
    echo "start: $v seed $s"
    run_one "$v" "$s" &
  done
done
wait
echo "runs took $(( $(date +%s) - start )) s of wall time"
# A run is done when its summary.json is there (a failed job's status may be reaped unseen above).
for s in $seeds; do
  for v in $variants; do
    [ -s "$root/$v/seed-$s/summary.json" ] || failed=1
  done
done
[ "$failed" = 0 ] || { echo "some runs did not finish; run this script again to continue them" >&2; exit 1; }
if [ "$report" = 1 ]; then
  "$hqc" study-report --root "$root" || exit 1
fi
