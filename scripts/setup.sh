#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One-time set-up of a fresh machine: Debian packages, the Python venv (torch carries
# LibTorch), the bundled default models, then a CMake build into build/.
# Idempotent: every step checks whether it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

log() { echo "[setup] $*" >&2; }

# ---- Debian packages -------------------------------------------------------
APT_PACKAGES=(build-essential cmake ninja-build ccache pkg-config
  libsentencepiece-dev sentencepiece libpcre2-dev libfaiss-dev libopenblas-dev libomp-dev
  libhdf5-dev libboost-program-options-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev python3-venv
  libcpp-httplib-dev libgloo-dev  # HTTP server (serve/), c10d Gloo headers (train/)
  chromium)  # chromium: headless render test of the comparison report
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ---- Python venv: LibTorch (from the torch wheel) and test-time references ---
# Test-time references: transformers/peft (model, adapters), sentence-transformers
# (embedder), scipy (metric statistics); faiss-cpu is the RAG benchmark's baseline.
# torch is pinned to the GPU machine's version (2.11, CUDA 13.0 build) so CI builds the
# LibTorch that GPU runs build against; Torch_DIR may point at any other.
TORCH_PIN=${LORAG_TORCH_PIN:-torch==2.11.0}
PY_PACKAGES=("$TORCH_PIN" numpy safetensors sentencepiece transformers protobuf gguf accelerate peft
  sentence-transformers scipy faiss-cpu openai prometheus_client)
if [[ ! -x .venv/bin/python ]]; then
  log "creating .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import torch; assert torch.__version__.startswith('${TORCH_PIN#torch==}'.rsplit('.', 1)[0]); import transformers, safetensors, sentencepiece, gguf, accelerate, peft, sentence_transformers, scipy, faiss, openai, prometheus_client" 2>/dev/null; then
  log "installing Python packages: ${PY_PACKAGES[*]} (torch is large; this takes a while)"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q "${PY_PACKAGES[@]}"
fi

# ---- Bundled default models (no hub access, ever) ---------------------------
bash scripts/fetch_models.sh

# ---- Build -------------------------------------------------------------------
# LORAG_BUILD_TARGETS narrows the build (demo.sh needs only the `lorag` binary).
if [[ "${LORAG_SKIP_BUILD:-0}" != 1 ]]; then
  # shellcheck disable=SC2086
  bash scripts/build.sh ${LORAG_BUILD_TARGETS:-}
fi
log "done"
