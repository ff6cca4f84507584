#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run ON the GPU machine (via the device tool, carrying .deps and models): unpacks
# the .deb files from scripts/gpu_prepare.sh into .deps/root (never into /),
# builds against that machine's own PyTorch, runs the GPU tests and benchmarks.
#   usage: scripts/gpu_run.sh [test|bench|all]     (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT="${1:-all}"
ROOT=$PWD/.deps/root
if [[ ! -d "$ROOT/usr" ]]; then
  for deb in .deps/debs/*.deb; do dpkg -x "$deb" "$ROOT"; done
fi
export PATH="$ROOT/usr/bin:$PATH"
export LD_LIBRARY_PATH="$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/usr/lib/x86_64-linux-gnu/openblas-pthread:${LD_LIBRARY_PATH:-}"
export PKG_CONFIG_PATH="$ROOT/usr/lib/x86_64-linux-gnu/pkgconfig:$ROOT/usr/share/pkgconfig"
PY=$(command -v python3)
TORCH_PREFIX=$($PY -c 'import torch;print(torch.utils.cmake_prefix_path)')
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$ROOT/usr;$ROOT/usr/lib/x86_64-linux-gnu/cmake" \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 \
  -DBoost_INCLUDE_DIR="$ROOT/usr/include" -DLORAG_TEST_PYTHON="$PY"
ninja -C build-gpu
OUT_DIR="${OUT:-/tmp/lorag-gpu-out}"
mkdir -p "$OUT_DIR"
if [[ "$WHAT" == test || "$WHAT" == all ]]; then
  ctest --test-dir build-gpu -L gpu --output-on-failure 2>&1 | tee "$OUT_DIR/gpu_tests.log"
fi
if [[ "$WHAT" == bench || "$WHAT" == all ]]; then
  LORAG_BIN=build-gpu/cli/lorag $PY bench/bench_generate.py --device cuda --dtype bf16 2>&1 | tee "$OUT_DIR/bench.md"
fi
