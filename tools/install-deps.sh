#!/usr/bin/env bash
# install-deps.sh PACKAGE... — installs the Debian packages that are missing.
# install-deps.sh --peer — the benchmark's PyTorch peer (apps/bench): python3-torch, and OpenBLAS for
#   it, since python3-torch alone leaves the reference BLAS behind libblas.so.3 (a peer 10-50x slower
#   at GEMM than it should be).
# As root it runs apt-get (update once, then install); otherwise it prints the command to run.
set -euo pipefail
packages=("$@")
if [ "${1:-}" = "--peer" ]; then
  packages=(python3-torch libopenblas0-pthread)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
