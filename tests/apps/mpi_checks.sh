#!/usr/bin/env bash
# mpi_checks.sh HQC MAKE_SYNTHETIC_IDX MPIEXEC — data-parallel training over MPI (apps/distributed.hpp)
# writes the bytes one process writes: a 2-epoch `hqc train` of the hybrid and the classical MNIST
# models under `mpirun -np 2 --threads 1` gives the metrics.csv and checkpoint.hqc of `--threads 2`
# and `--threads 1` in one process, at batch 36 (ranks own 32 and 4 images) and 64 (32 and 32), and
# so do 3 and 4 ranks; a run started in one process and killed resumes under mpirun to the same
# bytes; a rank that cannot read its data, and a usage error on every rank, end every rank with one
# `hqc: error:` line and a non-zero status, without hanging. Built only with -DHQC_MPI=ON; trains on a synthetic MNIST-shaped
# dataset written by make_synthetic_idx.
set -u
hqc=$1
make_idx=$2
mpiexec=$3
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
flunk() { echo "FAIL: $*"; fail=1; }
mpi() { timeout 300 "$mpiexec" -np 2 --oversubscribe "$@"; }
same() {  # same DIR_A DIR_B WHAT
  cmp -s "$1/metrics.csv" "$2/metrics.csv" || flunk "$3: metrics.csv differs"
  cmp -s "$1/checkpoint.hqc" "$2/checkpoint.hqc" || flunk "$3: checkpoint.hqc differs"
}

"$make_idx" "$tmp/data" 400 100 >/dev/null || { echo "FAIL: make_synthetic_idx"; exit 1; }
train=(train --dataset mnist --data "$tmp/data" --epochs 2 --seed 3)
for m in hybrid classical; do
  for b in 36 64; do
    for t in 1 2; do
      "$hqc" "${train[@]}" --model "$m" --batch "$b" --threads "$t" --out "$tmp/$m-$b-t$t" >/dev/null 2>"$tmp/err" ||
        { flunk "$m batch $b --threads $t: exit $?"; cat "$tmp/err"; }
    done
    mpi "$hqc" "${train[@]}" --model "$m" --batch "$b" --threads 1 --out "$tmp/$m-$b-mpi" >"$tmp/out" 2>"$tmp/err" ||
      { flunk "$m batch $b under mpirun: exit $?"; cat "$tmp/err"; }
    grep -q "data-parallel over 2 ranks" "$tmp/err" || { flunk "$m batch $b: no data-parallel line on stderr"; cat "$tmp/err"; }
    [ "$(grep -c "test accuracy" "$tmp/out")" -eq 1 ] || { flunk "$m batch $b: the result is not printed once"; cat "$tmp/out"; }
    same "$tmp/$m-$b-t1" "$tmp/$m-$b-t2" "$m batch $b, --threads 2 against 1"
    same "$tmp/$m-$b-t1" "$tmp/$m-$b-mpi" "$m batch $b, mpirun -np 2 against one process"
  done
done

# 3 and 4 ranks at batch 36 (3 chunks): shares of one chunk, a last batch of 32 (2 chunks), and with
# 4 ranks one that computes every batch whole, alone.
for np in 3 4; do
  timeout 300 "$mpiexec" -np $np --oversubscribe "$hqc" "${train[@]}" --model hybrid --batch 36 --threads 1 \
    --out "$tmp/hybrid-36-np$np" >/dev/null 2>"$tmp/err" || { flunk "hybrid batch 36, $np ranks: exit $?"; cat "$tmp/err"; }
  same "$tmp/hybrid-36-t1" "$tmp/hybrid-36-np$np" "hybrid batch 36, mpirun -np $np against one process"
done

# A run started in one process, killed after its first epoch, resumed under mpirun.
"$hqc" "${train[@]}" --model hybrid --batch 36 --threads 1 --out "$tmp/resumed" >/dev/null 2>&1 &
pid=$!
until { [ -f "$tmp/resumed/metrics.csv" ] && [ "$(wc -l <"$tmp/resumed/metrics.csv")" -ge 2 ]; } || ! kill -0 $pid 2>/dev/null; do
  sleep 0.05
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
mpi "$hqc" train --resume "$tmp/resumed" --threads 1 >/dev/null 2>"$tmp/err" || { flunk "resume under mpirun: exit $?"; cat "$tmp/err"; }
same "$tmp/hybrid-36-t1" "$tmp/resumed" "a run resumed under mpirun"

# Rank 1 cannot read its data (MPMD: one command line per rank): one error line, non-zero, no hang.
start=$(date +%s)
timeout 120 "$mpiexec" --oversubscribe -np 1 "$hqc" "${train[@]}" --model classical --threads 1 --out "$tmp/bad" : \
  -np 1 "$hqc" "${train[@]}" --model classical --threads 1 --data "$tmp/nowhere" --out "$tmp/bad" >/dev/null 2>"$tmp/err"
code=$?
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] || flunk "a rank without its data: exit $code (124: hung)"
[ "$(grep -c "^hqc: error: " "$tmp/err")" -eq 1 ] || { flunk "a rank without its data: not one 'hqc: error:' line"; cat "$tmp/err"; }
grep -q "nowhere" "$tmp/err" || { flunk "a rank without its data: the error does not name the folder"; cat "$tmp/err"; }
echo "  a rank without its data stopped the run in $(( $(date +%s) - start )) s"

# A usage error every rank meets: printed once.
mpi "$hqc" train --model nonsense --data "$tmp/data" >/dev/null 2>"$tmp/err"
code=$?
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] || flunk "a usage error under mpirun: exit $code"
[ "$(grep -c "^hqc: error: " "$tmp/err")" -eq 1 ] || { flunk "a usage error under mpirun: not one 'hqc: error:' line"; cat "$tmp/err"; }
exit $fail
