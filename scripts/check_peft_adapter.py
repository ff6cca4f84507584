#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Loads an adapter folder lorag wrote with PEFT and compares PEFT's logits with
lorag's (a safetensors file holding `input_ids` and `logits`).

usage: check_peft_adapter.py BASE_MODEL_DIR ADAPTER_DIR LOGITS_FILE TOLERANCE [RESAVE_DIR]
Exit 0 when max |peft - lorag| <= TOLERANCE, 1 otherwise; the difference goes to stdout.
With RESAVE_DIR, PEFT also saves the loaded adapter there (save_pretrained), for a
byte comparison of the other direction of the round trip.
"""
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
from peft import PeftModel  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402


def main():
    base_dir, adapter_dir, logits_file, tolerance = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    ref = load_file(logits_file)
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    model = PeftModel.from_pretrained(base, adapter_dir).eval()
    with torch.no_grad():
        logits = model(input_ids=ref["input_ids"]).logits
    if len(sys.argv) > 5:
        model.save_pretrained(sys.argv[5])
    diff = (logits - ref["logits"]).abs().max().item()
    print(f"max abs diff {diff:.3g} (tolerance {tolerance:g})")
    return 0 if diff <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
