#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reference outputs of transformers reading the default GGUF model, for
tests/model/gguf_default_model_slow_test.cpp.

usage: reference_default_model.py FILE.gguf OUT_DIR
writes OUT_DIR/reference.safetensors (input_ids [1, T], fp32 logits [1, T, V])
and OUT_DIR/reference.json (per prompt: the chat-templated text, its ids and
transformers' greedy continuation ids and text). Takes about a minute on a CPU.
"""
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [
    "What is the capital of France?",
    "Write a short poem about the sea.",
    "Explain what a neural network is in one sentence.",
]
NEW_TOKENS = 24


def main(gguf: str, out: str):
    path = Path(gguf).resolve()
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32).eval()
    ids = tok("The capital of France is Paris. The capital of Germany is", return_tensors="pt").input_ids
    with torch.no_grad():
        logits = model(input_ids=ids).logits
    cases = []
    for prompt in PROMPTS:
        text = tok.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                       tokenize=False)
        prompt_ids = tok(text, add_special_tokens=False, return_tensors="pt").input_ids
        with torch.no_grad():
            gen = model.generate(prompt_ids, attention_mask=torch.ones_like(prompt_ids), do_sample=False,
                                 max_new_tokens=NEW_TOKENS, eos_token_id=None, pad_token_id=0)[0, prompt_ids.shape[1]:]
        cases.append({"prompt": prompt, "templated": text, "prompt_ids": prompt_ids[0].tolist(),
                      "ids": gen.tolist(), "text": tok.decode(gen, skip_special_tokens=True)})
    save_file({"input_ids": ids, "logits": logits.contiguous()}, str(out_dir / "reference.safetensors"))
    (out_dir / "reference.json").write_text(json.dumps({"gguf": str(path), "cases": cases}, indent=1))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
