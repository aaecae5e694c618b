#!/usr/bin/env bash
# safetensors_checks.sh HQC MAKE_SYNTHETIC_IDX FIXTURES — `hqc export` and `hqc import` end to end:
# PyTorch's weights (FIXTURES/safetensors/*.safetensors, from tests/apps/make_safetensors_fixture.py)
# imported as checkpoints that `hqc predict` runs to PyTorch's softmax (1e-5) and `hqc eval` accepts;
# hqc-trained checkpoints (synthetic data, 1 epoch) through export and import back to the same file
# byte for byte under both namings; the output guard (--overwrite) and the exit codes of docs/cli.md
# for corrupt and misfitting files (2 usage error, 1 runtime error, one `hqc: error:` line naming
# the file).
set -u
hqc=$1
make_idx=$2
fixtures=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
flunk() { echo "FAIL: $*"; fail=1; }
. "$(dirname "$0")/checks_lib.sh"  # expect, err_has
st=$fixtures/safetensors
images=("$st"/img0.png "$st"/img1.png "$st"/img2.png "$st"/img3.png "$st"/img4.png)

# ---- PyTorch's weights in, PyTorch's probabilities out ----
expect 0 "import hybrid (configuration from the metadata)" "$hqc" import --weights "$st/hybrid.safetensors" --out "$tmp/h.hqc"
grep -qF "hybrid model for fashion-mnist from 28 tensors (original names)" "$tmp/out" || { flunk "import hybrid: output"; cat "$tmp/out"; }
expect 2 "import classical without metadata or flags" "$hqc" import --weights "$st/classical.safetensors" --out "$tmp/c.hqc"
err_has "--model: required" "import classical without metadata or flags"
err_has "classical.safetensors has no \"model\" in its __metadata__" "import classical without metadata or flags"
expect 0 "import classical" "$hqc" import --weights "$st/classical.safetensors" --model classical --dataset fashion-mnist \
  --out "$tmp/c.hqc" --json
grep -qF '"names": "original"' "$tmp/out" || { flunk "import classical --json"; cat "$tmp/out"; }

# compare_probs KIND: predict's probabilities on the five images against PyTorch's softmax, to 1e-5
compare_probs() {
  local kind=$1
  "$hqc" predict --checkpoint "$tmp/${kind:0:1}.hqc" --json "${images[@]}" >"$tmp/pred" 2>"$tmp/err" ||
    { flunk "predict $kind"; cat "$tmp/err"; return; }
  tr -d ' \n' <"$tmp/pred" | grep -o '"probabilities":\[[^]]*\]' | sed 's/.*\[//; s/\]//; s/,/ /g' >"$tmp/hqc_probs"
  grep "^$kind/softmax " "$fixtures/safetensors.txt" | cut -d' ' -f5- >"$tmp/torch_probs"
  awk -v kind="$kind" 'NR == FNR { for (i = 1; i <= NF; ++i) h[n++] = $i; next }
       { for (i = 1; i <= NF; ++i) t[m++] = $i }
       END { if (n != 50 || m != 50) { printf "FAIL: predict %s: %d and %d probabilities, expected 50\n", kind, n, m; exit 1 }
             worst = 0; for (i = 0; i < n; ++i) { d = h[i] - t[i]; if (d < 0) d = -d; if (d > worst) worst = d }
             printf "predict %s: largest difference from PyTorch softmax %.3g\n", kind, worst
             if (worst > 1e-5) { printf "FAIL: predict %s differs from PyTorch by %.3g > 1e-5\n", kind, worst; exit 1 } }' \
    "$tmp/hqc_probs" "$tmp/torch_probs" || fail=1
}
compare_probs hybrid
compare_probs classical
if [ -d /usr/share/datasets/fashion-mnist ]; then
  expect 0 "eval of an imported checkpoint" "$hqc" eval --checkpoint "$tmp/h.hqc" --limit 64 --json
  expect 0 "attack of an imported checkpoint" "$hqc" attack --checkpoint "$tmp/c.hqc" --attack fgsm --test-limit 32 --json
fi

# ---- the output guard ----
expect 1 "import onto an existing file" "$hqc" import --weights "$st/hybrid.safetensors" --out "$tmp/h.hqc"
err_has "exists; pass --overwrite" "import onto an existing file"
expect 0 "import --overwrite" "$hqc" import --weights "$st/hybrid.safetensors" --out "$tmp/h.hqc" --overwrite
expect 2 "import onto a folder" "$hqc" import --weights "$st/hybrid.safetensors" --out "$tmp"
expect 2 "export --names bad" "$hqc" export --checkpoint "$tmp/h.hqc" --out "$tmp/x.safetensors" --names torch

# ---- hqc's weights out and back: the same checkpoint, byte for byte ----
"$make_idx" "$tmp/syn" 256 64 3 >/dev/null || flunk "make_synthetic_idx"
# "noisy": the hybrid trained under noise and shots, which the metadata carries back into the checkpoint.
for model in hybrid classical noisy; do
  flags=(--model $model)
  [ $model = noisy ] && flags=(--model hybrid --noise depolarizing=0.01 --shots 100 --limit 64)
  expect 0 "train $model" "$hqc" train "${flags[@]}" --dataset mnist --data "$tmp/syn" --epochs 1 --threads 1 --out "$tmp/run-$model"
  for names in hqc original; do
    w="$tmp/$model-$names.safetensors"
    expect 0 "export $model --names $names" "$hqc" export --checkpoint "$tmp/run-$model/checkpoint.hqc" --out "$w" --names $names
    expect 1 "export onto an existing file" "$hqc" export --checkpoint "$tmp/run-$model/checkpoint.hqc" --out "$w"
    expect 0 "import $model ($names names)" "$hqc" import --weights "$w" --out "$tmp/back-$model-$names.hqc"
    cmp -s "$tmp/run-$model/checkpoint.hqc" "$tmp/back-$model-$names.hqc" ||
      flunk "$model, $names names: export then import does not give the checkpoint back byte for byte"
  done
done
grep -qaF '"classical_net.0.weight"' "$tmp/hybrid-original.safetensors" || flunk "hybrid --names original: no classical_net.0.weight"
grep -qaF '"noise":"depolarizing=0.01","shots":"100"' "$tmp/noisy-hqc.safetensors" || flunk "noisy export: no noise and shots in __metadata__"
grep -qaF '"noise"' "$tmp/hybrid-hqc.safetensors" && flunk "an ideal model's export names noise"
# A metadata value hqc cannot read is the file's fault, named.
sed 's/"shots":"100"/"shots":"1e2"/' "$tmp/noisy-hqc.safetensors" >"$tmp/badshots.safetensors"
expect 1 "import with bad shots in the metadata" "$hqc" import --weights "$tmp/badshots.safetensors" --out "$tmp/x.hqc"
err_has "badshots.safetensors: __metadata__ \"shots\"" "import with bad shots in the metadata"
grep -qaF '"qlayer.weights":{"dtype":"F32","shape":[2,4]' "$tmp/hybrid-original.safetensors" ||
  flunk "hybrid --names original: no qlayer.weights of shape (2, 4)"
grep -qaF '"quantum.weights"' "$tmp/hybrid-hqc.safetensors" || flunk "hybrid --names hqc: no quantum.weights"
grep -qaF '"conv_net.0.weight"' "$tmp/classical-original.safetensors" || flunk "classical --names original: no conv_net.0.weight"
grep -qaF '"classifier.0.weight"' "$tmp/classical-hqc.safetensors" || flunk "classical --names hqc: no classifier.0.weight"
grep -qaF '"head.1.num_batches_tracked":{"dtype":"I64","shape":[]' "$tmp/classical-original.safetensors" ||
  flunk "classical --names original: num_batches_tracked is not a scalar I64"

# ---- refusals: the file and the fault named, exit 1 (runtime), or 2 (usage) ----
w="$tmp/hybrid-original.safetensors"
head -c 5 "$w" >"$tmp/short.safetensors"
expect 1 "truncated size field" "$hqc" import --weights "$tmp/short.safetensors" --out "$tmp/x.hqc"
err_has "short.safetensors: truncated: 5 bytes" "truncated size field"
head -c 200 "$w" >"$tmp/cut.safetensors"
expect 1 "header beyond the file" "$hqc" import --weights "$tmp/cut.safetensors" --out "$tmp/x.hqc"
err_has "cut.safetensors: the header size is" "header beyond the file"
size=$(stat -c %s "$w")
head -c $((size - 4)) "$w" >"$tmp/lost.safetensors"
expect 1 "data shorter than the offsets" "$hqc" import --weights "$tmp/lost.safetensors" --out "$tmp/x.hqc"
err_has "are out of range" "data shorter than the offsets"
{ cat "$w"; printf 'XXXX'; } >"$tmp/long.safetensors"
expect 1 "bytes after the last tensor" "$hqc" import --weights "$tmp/long.safetensors" --out "$tmp/x.hqc"
err_has "4 bytes after the last tensor's data belong to no tensor" "bytes after the last tensor"
sed 's/"dtype":"F32"/"dtype":"Q32"/' "$w" >"$tmp/dtype.safetensors"
expect 1 "unknown dtype" "$hqc" import --weights "$tmp/dtype.safetensors" --out "$tmp/x.hqc"
err_has "unknown dtype \"Q32\"" "unknown dtype"
sed '0,/"data_offsets":\[0,/s//"data_offsets":[0;/' "$w" >"$tmp/json.safetensors"
expect 1 "bad JSON" "$hqc" import --weights "$tmp/json.safetensors" --out "$tmp/x.hqc"
err_has "json.safetensors: bad JSON in the header" "bad JSON"
expect 1 "a classical file as a hybrid" "$hqc" import --weights "$tmp/classical-original.safetensors" --model hybrid --out "$tmp/x.hqc"
err_has "missing tensor 'classical_net.0.weight' (expected (16, 1, 3, 3) F32)" "a classical file as a hybrid"
err_has "unexpected tensor 'conv_net.0.weight' ((32, 1, 3, 3) F32)" "a classical file as a hybrid"
expect 1 "5 qubits for a 4-qubit file" "$hqc" import --weights "$w" --qubits 5 --out "$tmp/x.hqc"
err_has "tensor 'feature_reducer.2.weight' has shape (16, 256), expected (32, 256)" "5 qubits for a 4-qubit file"
err_has "tensor 'qlayer.weights' has shape (2, 4), expected (2, 5)" "5 qubits for a 4-qubit file"
[ -e "$tmp/x.hqc" ] && flunk "a refused import left $tmp/x.hqc behind"
sed 's/"qubits":"4"/"qubits":"x"/' "$w" >"$tmp/meta.safetensors"
expect 1 "a bad qubit count in the metadata" "$hqc" import --weights "$tmp/meta.safetensors" --out "$tmp/x.hqc"
err_has "meta.safetensors: __metadata__ \"qubits\": 'x' is not an integer" "a bad qubit count in the metadata"
expect 0 "a flag overrides bad metadata" "$hqc" import --weights "$tmp/meta.safetensors" --qubits 4 --out "$tmp/y.hqc"
expect 2 "a bad --qubits" "$hqc" import --weights "$w" --qubits 11 --out "$tmp/x.hqc"
err_has "--qubits: 11 outside 1..10" "a bad --qubits"
expect 2 "a bad --dataset" "$hqc" import --weights "$w" --dataset svhn --out "$tmp/x.hqc"
expect 1 "missing weights file" "$hqc" import --weights "$tmp/none.safetensors" --out "$tmp/x.hqc"
err_has "none.safetensors: no such file" "missing weights file"
expect 2 "import without --weights" "$hqc" import --out "$tmp/x.hqc"
expect 1 "export of a missing checkpoint" "$hqc" export --checkpoint "$tmp/none.hqc" --out "$tmp/x.safetensors"
err_has "none.hqc" "export of a missing checkpoint"

[ "$fail" -eq 0 ] && echo "safetensors checks: all passed"
exit "$fail"
