#!/usr/bin/env bash
# Builds the libFuzzer targets with clang under AddressSanitizer and runs each for a bounded time:
# the dataset readers, class-name files and image folders, the command-line parser, and checkpoints
# with the model configuration they carry, safetensors weight files (the apps' libraries are built, the hqc program is not).
# Usage: tests/fuzz/run.sh [seconds per target, default 20]. Exits non-zero on any finding (crash,
# ASan report, leak, timeout, or an exception other than the parser's own refusal); libFuzzer then
# writes the input as crash-*/leak-*/timeout-* in the build folder's fuzz-findings/.
# libFuzzer's random seed is fixed (HQC_FUZZ_SEED, default 1): from the same corpus every run tries the
# same sequence of inputs, cut where its time runs out, so a finding in CI repeats on the next run and
# a run that turns red was turned red by the code, not by a luckier draw. HQC_FUZZ_SEED=0 draws a new
# seed each run, for fuzzing longer than CI does.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS="${1:-20}"
SEED="${HQC_FUZZ_SEED:-1}"
BUILD="${HQC_FUZZ_BUILD:-build-fuzz}"
command -v clang++ >/dev/null || { echo "run.sh: clang++ not found (apt-get install clang)" >&2; exit 1; }
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe/p.cpp"
clang++ -fsanitize=fuzzer,address "$probe/p.cpp" -o "$probe/p" 2>/dev/null || {
  echo "run.sh: clang cannot link libFuzzer (Debian 12: apt-get install libclang-rt-14-dev)" >&2; exit 1; }
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DHQC_FUZZ=ON -DHQC_SANITIZE=address -DHQC_BUILD_TESTS=OFF -DHQC_BUILD_APPS=ON -DHQC_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target fuzz_targets
mkdir -p "$BUILD/fuzz-findings"
for target in gzip idx cifar stl10 image classnames folder cli checkpoint safetensors; do
  corpus="$BUILD/fuzz-corpus/$target"
  mkdir -p "$corpus"
  echo "== fuzz_$target for ${SECS}s, seed $SEED =="
  # Fresh corpus first (it grows), the committed seeds second (read only).
  "$BUILD/tests/fuzz/fuzz_$target" -max_total_time="$SECS" -seed="$SEED" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -close_fd_mask=1 \
    -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-findings/$target-" "$corpus" "tests/fuzz/seeds/$target"
done
echo "fuzz: no findings"
