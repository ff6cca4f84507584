#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures (once) and builds lorag into build/ (Release, Ninja, ccache).
# Extra arguments go to ninja, e.g. `scripts/build.sh lorag`.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keeps its cache outside the clone so fresh clones reuse it.
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout, so a fresh clone elsewhere hits the same cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
BUILD_DIR="${LORAG_BUILD_DIR:-build}"
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${LORAG_CMAKE_ARGS:-}
fi
# Each LibTorch translation unit takes ~1.5 GB to compile; cap jobs by memory too.
mem_gb=$(awk '/MemAvailable/ {print int($2 / 1048576)}' /proc/meminfo)
jobs=$(nproc)
(( mem_gb / 2 < jobs )) && jobs=$(( mem_gb / 2 > 0 ? mem_gb / 2 : 1 ))
ninja -C "$BUILD_DIR" -j "$jobs" "$@"
