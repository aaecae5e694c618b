#!/usr/bin/env bash
# check_install.sh BUILD_DIR — installs hqc from BUILD_DIR into a scratch prefix, then configures,
# builds and runs a consumer project that does find_package(hqc) and links hqc::hqc.
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
scratch="$build/install-check"
rm -rf "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
cmake -S "$here/consumer" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$scratch/build" -j 2 >/dev/null
"$scratch/build/consumer"
