#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a Hugging Face model folder with random weights of a real model's shape.

usage: make_random_model.py CONFIG_DIR OUT_DIR

CONFIG_DIR holds config.json and the tokenizer files (scripts/gpu_prepare.sh copies
the default model's into .deps/models). The GPU run benchmarks speed, which does not
depend on the weights' values, and the real weights are too large to carry there.
"""
import shutil
import sys
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForCausalLM


def main():
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    torch.manual_seed(0)
    config = AutoConfig.from_pretrained(src)
    # Built in bf16 directly: a 1.7B shape would need 10 GB on the way through fp32.
    model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    for f in src.iterdir():
        if f.name != "config.json":
            shutil.copy(f, out / f.name)
    print(f"random-weight model written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
