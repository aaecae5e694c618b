#!/usr/bin/env bash
# safetensors_torch_check.sh HQC MAKE_SYNTHETIC_IDX PRINT_LOGITS SOURCE_DIR — a model hqc trained (1 epoch
# on synthetic MNIST-shaped data), exported with --names original, loads into the original's PyTorch
# modules with load_state_dict(strict=True) and gives hqc's logits (check_safetensors_torch.py).
# Needs /usr/bin/python3 with torch; without it the test reports itself skipped (HQC_TEST_SKIPPED).
set -u
hqc=$1
make_idx=$2
print_logits=$3
src=$4
py=/usr/bin/python3
if ! "$py" -c "import torch" 2>/dev/null; then
  echo "HQC_TEST_SKIPPED: $py cannot import torch (apt-get install python3-torch)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
"$make_idx" "$tmp/syn" 256 64 5 >/dev/null || { echo "FAIL: make_synthetic_idx"; exit 1; }
images=("$src"/tests/fixtures/apps/safetensors/img{0,1,2,3,4}.png)
for model in hybrid classical; do
  "$hqc" train --model $model --dataset mnist --data "$tmp/syn" --epochs 1 --threads 1 --out "$tmp/$model" >/dev/null 2>"$tmp/err" ||
    { echo "FAIL: train $model"; cat "$tmp/err"; fail=1; continue; }
  "$hqc" export --checkpoint "$tmp/$model/checkpoint.hqc" --names original --out "$tmp/$model.safetensors" >/dev/null ||
    { echo "FAIL: export $model"; fail=1; continue; }
  "$print_logits" "$tmp/$model/checkpoint.hqc" "${images[@]}" >"$tmp/$model.logits" || { echo "FAIL: print_logits $model"; fail=1; continue; }
  "$py" "$src/tests/apps/check_safetensors_torch.py" "$tmp/$model.safetensors" $model mnist "$tmp/$model.logits" || fail=1
done
[ "$fail" -eq 0 ] && echo "PyTorch check: all passed"
exit "$fail"
