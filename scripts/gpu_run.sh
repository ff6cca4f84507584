#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run ON the GPU machine (device tool, `carry: [".deps"]`, after scripts/gpu_prepare.sh
# here): unpacks the carried .deb files into .deps/root (never into /), builds the GPU
# test binaries and `lorag` against that machine's own PyTorch, runs the `gpu` tests
# and the GPU benchmarks. Everything it prints also goes to $OUT (or /tmp/lorag-gpu-out).
#   usage: scripts/gpu_run.sh [test|bench|all]     (default all)
set -uo pipefail
cd "$(dirname "$0")/.."
WHAT="${1:-all}"
OUT_DIR="${OUT:-/tmp/lorag-gpu-out}"
mkdir -p "$OUT_DIR"
ROOT=$PWD/.deps/root
LIBDIR=$ROOT/usr/lib/x86_64-linux-gnu
log() { echo "[gpu_run $(date +%T)] $*" >&2; }

log "machine: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
log "compilers: $(c++ --version | head -1); $(nvcc --version | tail -1); $(cmake --version | head -1)"

# ---- the carried Debian packages, unpacked under .deps/root -------------------
if [[ ! -d "$ROOT/usr" ]]; then
  for deb in .deps/debs/*.deb; do dpkg -x "$deb" "$ROOT"; done
fi
# FAISS's CMake targets name Debian's BLAS by absolute path (an alternatives link
# that dpkg -x does not create): point them at the unpacked OpenBLAS.
sed -i "s#/usr/lib/x86_64-linux-gnu/lib\(blas\|lapack\)\.so#$LIBDIR/openblas-pthread/lib\1.so#g" \
  "$LIBDIR"/cmake/faiss/faiss-targets.cmake
# Only the shared libraries this machine lacks are put on the library path, so its
# own (libssl, libcurl, ...) keep precedence over Debian's.
RUNTIME=$ROOT/runtime
if [[ ! -d "$RUNTIME" ]]; then
  mkdir -p "$RUNTIME"
  have=$(ldconfig -p | awk '{print $1}')
  for lib in "$LIBDIR"/*.so.* "$LIBDIR"/openblas-pthread/*.so.* "$ROOT"/lib/x86_64-linux-gnu/*.so.*; do
    [[ -e "$lib" ]] || continue
    name=$(basename "$lib")
    grep -qx -F "$name" <<<"$have" || ln -sf "$lib" "$RUNTIME/$name"
  done
fi
export PATH="$ROOT/usr/bin:$PATH"
export LD_LIBRARY_PATH="$RUNTIME:${LD_LIBRARY_PATH:-}"
# pkg-config reads only the carried .pc files, and prefixes their /usr paths.
export PKG_CONFIG_LIBDIR="$LIBDIR/pkgconfig:$ROOT/usr/share/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$ROOT"
PY=$(command -v python3)
TORCH_PREFIX=$($PY -c 'import torch;print(torch.utils.cmake_prefix_path)')

# ---- build (only what the GPU checks need) ------------------------------------
if [[ ! -f build-gpu/build.ninja ]]; then
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$ROOT/usr;$LIBDIR/cmake" \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 \
    -DHDF5_ROOT="$LIBDIR/hdf5/serial" -DBoost_INCLUDE_DIR="$ROOT/usr/include" \
    -DLORAG_TEST_PYTHON="$PY" 2>&1 | tee "$OUT_DIR/configure.log" | tail -15
fi
# `lorag`, its CUDA plugin and every test binary holding *_gpu_test.cpp files (tests/CMakeLists.txt names them *_gpu).
mapfile -t gpu_tests < <(ninja -C build-gpu -t targets all | grep -o "^[a-z_]*_tests_gpu:" | tr -d :)
targets=(lorag lorag_cuda "${gpu_tests[@]}")  # lorag_cuda: the CUDA plugin lorag loads
log "building ${targets[*]}"
ninja -C build-gpu -k 0 "${targets[@]}" > "$OUT_DIR/build.log" 2>&1
build_rc=$?
grep -E "error|FAILED" "$OUT_DIR/build.log" | head -40
log "build exit $build_rc"

# ---- gpu tests ----------------------------------------------------------------
export LORAG_FIXTURES=$PWD/.deps/fixtures
if [[ "$WHAT" == test || "$WHAT" == all ]]; then
  # The fixtures come from gpu_prepare.sh, so ctest skips their set-up test.
  ctest --test-dir build-gpu -L gpu -FS lorag_fixtures --output-on-failure --timeout 300 \
    > "$OUT_DIR/gpu_tests.log" 2>&1
  grep -E "tests passed|Failed|\*\*\*|Not Run|Skipped|SKIPPED" "$OUT_DIR/gpu_tests.log" | head -40
fi

# ---- benchmarks -----------------------------------------------------------------
if [[ "$WHAT" == bench || "$WHAT" == all ]]; then
  MODEL=models/SmolLM2-135M-Instruct
  [[ -f $MODEL/model.safetensors ]] || $PY scripts/make_random_model.py .deps/models "$MODEL"
  BIN=build-gpu/cli/lorag
  LORAG_BIN=$BIN $PY bench/bench_generate.py --model "$MODEL" --device cuda --dtype bf16 --repeats 3 \
    2>&1 | tee "$OUT_DIR/bench_generate.md" | tail -20
  # The engine: CUDA graphs against eager; base rows against four adapters mixed in the batch.
  $PY scripts/make_bench_adapters.py "$MODEL" /tmp/bench_adapters > /dev/null 2>&1
  MIX=(--adapter a=/tmp/bench_adapters/a --adapter b=/tmp/bench_adapters/b --adapter c=/tmp/bench_adapters/c
       --adapter d=/tmp/bench_adapters/d --mix a b c d)
  $BIN bench engine --model "$MODEL" --device cuda --dtype bf16 --concurrency 1 4 16 --prompt-tokens 64 \
    --new-tokens 64 "${MIX[@]}" 2>&1 | tee "$OUT_DIR/bench_engine_graphs.md" | tail -12
  $BIN bench engine --model "$MODEL" --device cuda --dtype bf16 --cuda-graphs off --concurrency 1 16 \
    --prompt-tokens 64 --new-tokens 64 --preamble-tokens 0 2>&1 | tee "$OUT_DIR/bench_engine_eager.md" | tail -6
  # Quantized weights on CUDA, when a GGUF is given (the default model's is over what the
  # device tool carries, and `lorag quantize` reads GGUF only): kept against dequantized.
  if [[ -n "${LORAG_GPU_GGUF:-}" ]]; then
    for q in keep dequantize; do
      $BIN bench generate --model "$LORAG_GPU_GGUF" --device cuda --quantized $q --repeats 3 --new-tokens 64 \
        --prompt-tokens 128 2>&1 | tee "$OUT_DIR/bench_quant_cuda_$q.md" | tail -3
    done
  fi
fi
log "done"
