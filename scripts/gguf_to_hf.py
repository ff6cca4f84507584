#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Set-up helper: turns a GGUF file into a Hugging Face folder with transformers'
own GGUF reader, so the default model runs before lorag reads GGUF natively.

usage: gguf_to_hf.py FILE.gguf OUT_DIR
"""
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer


def main(gguf: str, out: str):
    path = Path(gguf).resolve()
    tmp = Path(out + ".tmp")
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
    # transformers refuses save_pretrained() on GGUF-loaded models; the weights
    # are plain dequantized tensors, so write them ourselves.
    tmp.mkdir(parents=True, exist_ok=True)
    tied = model.config.tie_word_embeddings
    state = {k: v.contiguous() for k, v in model.state_dict().items() if not (tied and k == "lm_head.weight")}
    save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config.architectures = [type(model).__name__]
    model.config.save_pretrained(tmp)
    model.generation_config.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.rename(out)  # the folder appears whole or not at all


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
