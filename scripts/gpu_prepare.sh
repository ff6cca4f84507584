#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run HERE (a machine with Debian's registry and a finished build) before using the
# GPU machine, which has PyTorch, nvcc, CMake and ninja but no package registry.
# Fills .deps/ (git-ignored), which the device tool carries (`carry: [".deps"]`):
#   .deps/debs/      the .deb files of lorag's build dependencies and of every shared
#                    library build/cli/lorag loads from Debian (its runtime closure);
#   .deps/models/    the default model's config and tokenizer (no weights: the GPU
#                    run makes random weights of the same shape, since the files are
#                    too large to carry and speed does not depend on the values);
#   .deps/fixtures/  the test fixtures the gpu tests read, made here (transformers references).
# Then on the GPU machine: scripts/gpu_run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.deps/debs
mkdir -p "$DEST" .deps/models
[[ -x build/cli/lorag ]] || { echo "gpu_prepare: build/cli/lorag missing; run scripts/build.sh first" >&2; exit 1; }

# Headers, static archives and CMake/pkg-config files lorag builds against.
DEV_PACKAGES=(libsentencepiece-dev libpcre2-dev libfaiss-dev libopenblas-dev libopenblas-pthread-dev
  libomp-dev libhdf5-dev libaec-dev libboost-program-options1.74-dev libboost1.74-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev googletest libcpp-httplib-dev libssl-dev zlib1g-dev
  libbrotli-dev libgloo-dev libhiredis-dev libibverbs-dev libcurl4-openssl-dev)
# Runtime closure: the Debian package of every shared library lorag loads, except
# the C/C++ runtime and LibTorch's own (the GPU machine brings those).
mapfile -t RUNTIME_PACKAGES < <(ldd build/cli/lorag | awk '$3 ~ /^\// {print $3}' | grep -v -e /.venv/ -e /torch/ |
  xargs -r readlink -f | xargs -r dpkg -S 2>/dev/null | cut -d: -f1 | sort -u |
  grep -v -x -e libc6 -e libstdc++6 -e libgcc-s1)
(cd "$DEST" && apt-get download "${DEV_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}" 2>&1 | grep -v "^Get:" | tail -3 || true)

# The default model's shape and tokenizer, without its weights.
for f in config.json generation_config.json tokenizer.json tokenizer_config.json chat_template.jinja; do
  src=models/SmolLM2-135M-Instruct/$f
  [[ -f $src ]] && cp "$src" .deps/models/
done

# The test fixtures the gpu tests read, with their references (the GPU machine
# lacks gguf-py, and the device tool carries 64 MiB at most).
GPU_FIXTURES=(train cli_adapters gguf models/llama models/chat_bpe models/qwen2 models/gemma3 models/phi3 rag_encoder quant_models gguf_models)
[[ -d build/fixtures/models ]] || .venv/bin/python scripts/make_fixtures.py build/fixtures
rm -rf .deps/fixtures
for f in "${GPU_FIXTURES[@]}"; do
  [[ -e build/fixtures/$f ]] && mkdir -p ".deps/fixtures/$(dirname "$f")" && cp -r "build/fixtures/$f" ".deps/fixtures/$f"
done
du -sh .deps/debs .deps/models .deps/fixtures
