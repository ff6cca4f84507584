#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes four PEFT adapters with random non-zero B for a model folder, for the
engine benchmark's mixed-adapter case (`lorag bench engine --mix ...`). Their
answers are meaningless; they cost what trained adapters of the same shape cost.

usage: make_bench_adapters.py MODEL_DIR OUT_DIR
writes OUT_DIR/{a,b,c,d}: r=16; a, b all-linear; c, d q/k/v/o_proj.
"""
import sys
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

ADAPTERS = {
    "a": dict(r=16, lora_alpha=32, target_modules="all-linear"),
    "b": dict(r=16, lora_alpha=16, target_modules="all-linear"),
    "c": dict(r=16, lora_alpha=32, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]),
    "d": dict(r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]),
}


def main():
    model_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    for i, (name, kwargs) in enumerate(ADAPTERS.items()):
        torch.manual_seed(100 + i)
        base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
        model = get_peft_model(base, LoraConfig(task_type="CAUSAL_LM", **kwargs))
        with torch.no_grad():
            for key, p in model.named_parameters():
                if "lora_B" in key:
                    p.normal_(0, 0.02)  # PEFT starts B at 0, which would change nothing
        model.save_pretrained(out / name)
        print(f"{out / name}: {kwargs}", file=sys.stderr)


if __name__ == "__main__":
    main()
