#!/usr/bin/env bash
# check_install.sh BUILD_DIR EXAMPLE [MAKE_SYNTHETIC_IDX] — installs hqc from BUILD_DIR into a scratch
# prefix, then configures, builds and runs one of the top README's C++ examples as a user's own
# project does (find_package(hqc) against the install tree):
#   consumer  links hqc::hqc and trains a tiny hybrid network (its exit code says whether it learned);
#   classify  links hqc::study and classifies PNG files with a checkpoint; the installed `hqc` trains a
#             small hybrid model on data written by MAKE_SYNTHETIC_IDX and writes test images with
#             `hqc data --show`, and the example must print for each image the line `hqc predict` prints.
# When HQC_TEST_CROSS names another target (a cross build, set by tests/CMakeLists.txt), the install
# tree's libraries are not for the host's compiler: the check reports itself skipped.
set -euo pipefail
if [ -n "${HQC_TEST_CROSS:-}" ]; then
  echo "HQC_TEST_SKIPPED: cross-compiled for $HQC_TEST_CROSS; the host's compiler cannot link its install tree"
  exit 0
fi
build=$(cd "$1" && pwd)
example=$2
here=$(cd "$(dirname "$0")" && pwd)
scratch="$build/install-check-$example"
rm -rf "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
cmake -S "$here/$example" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$scratch/build" -j 2 >/dev/null
case $example in
  consumer) exec "$scratch/build/consumer" ;;
  classify) ;;
  *) echo "check_install.sh: unknown example '$example' (consumer or classify)" >&2; exit 2 ;;
esac

make_idx=${3:?check_install.sh: the classify example needs MAKE_SYNTHETIC_IDX as third argument}
hqc="$scratch/prefix/bin/hqc"
classify="$scratch/build/classify"
data="$scratch/data"
"$make_idx" "$data" 400 40 >/dev/null
"$hqc" train --model hybrid --dataset mnist --data "$data" --epochs 2 --batch 32 --seed 1 --threads 2 \
  --out "$scratch/run" >/dev/null 2>&1
checkpoint="$scratch/run/checkpoint.hqc"
images=()
for i in 0 1 2 3 4 5 6 7 8 9; do
  "$hqc" data --dataset mnist --data "$data" --split test --show $i --out "$scratch/test$i.png" >/dev/null
  images+=("$scratch/test$i.png")
done
"$hqc" predict --checkpoint "$checkpoint" "${images[@]}" >"$scratch/predict.txt"
"$classify" "$checkpoint" "${images[@]}" >"$scratch/classify.txt"
if ! diff "$scratch/predict.txt" "$scratch/classify.txt"; then
  echo "FAIL: the classify example and hqc predict disagree (< hqc predict, > classify)"
  exit 1
fi
# The comparison says something only if the model tells the images apart.
classes=$(grep -o '(class [0-9]*' "$scratch/classify.txt" | sort -u | wc -l)
if [ "$classes" -lt 2 ]; then
  echo "FAIL: every image got the same class, so the comparison shows nothing:"; cat "$scratch/classify.txt"
  exit 1
fi
# A missing checkpoint is an error that names it, not a crash.
if "$classify" "$scratch/none.hqc" "${images[0]}" >/dev/null 2>"$scratch/err"; then
  echo "FAIL: classify succeeded with a missing checkpoint"; exit 1
elif [ $? -ne 1 ] || ! grep -q "^classify: error: .*none.hqc" "$scratch/err"; then
  echo "FAIL: classify's error for a missing checkpoint:"; cat "$scratch/err"; exit 1
fi
cat "$scratch/classify.txt"
