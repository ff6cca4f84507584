#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a GGUF with random weights of a real model's shape, quantized by
llama.cpp's own `llama-quantize`, for bench_llamacpp.py: decode speed and memory do
not depend on the weights' values, and no hub is reachable here to fetch the real ones.

The shapes are the models the issue names beyond the default one:
- qwen2.5-0.5b: Qwen2.5(-Coder)-0.5B-Instruct (Qwen2, hidden 896, 24 layers, GQA 14/2,
  vocabulary 151,936 tied). Its hidden size is not a multiple of 256, so Q4_K_M stores
  most tensors as Q5_0 / Q8_0, as llama.cpp does for the real file.
- smollm2-1.7b: SmolLM2-1.7B-Instruct (Llama, hidden 2048, 24 layers): real K-quants.

The tokenizer is SmolLM2's (models/SmolLM2-135M-Instruct); a larger vocabulary is padded
by convert_hf_to_gguf.py, so the embedding and head have the real model's size.

usage: make_shaped_gguf.py --shape qwen2.5-0.5b [--type Q4_K_M] [--cache ~/.cache/lorag-bench]
prints the GGUF's path.
"""
import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import llamacpp_build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TOKENIZER = ROOT / "models/SmolLM2-135M-Instruct"

SHAPES = {
    "qwen2.5-0.5b": {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
        "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
        "num_key_value_heads": 2, "max_position_embeddings": 32768, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "tie_word_embeddings": True, "vocab_size": 151936,
        "hidden_act": "silu", "use_sliding_window": False, "bos_token_id": 1, "eos_token_id": 2,
    },
    "smollm2-1.7b": {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
        "intermediate_size": 8192, "num_hidden_layers": 24, "num_attention_heads": 32,
        "num_key_value_heads": 32, "head_dim": 64, "max_position_embeddings": 8192, "rms_norm_eps": 1e-5,
        "rope_theta": 130000.0, "tie_word_embeddings": True, "vocab_size": 49152, "hidden_act": "silu",
        "attention_bias": False, "mlp_bias": False, "bos_token_id": 1, "eos_token_id": 2,
    },
}


# convert_hf_to_gguf.py names the pre-tokenizer from a hash of what AutoTokenizer makes of
# a test text. transformers 5 rebuilds a Qwen2 tokenizer's pre-tokenizer from its class,
# so SmolLM2's tokenizer under a qwen2 config hashes to no known name: it is "smollm".
CONVERT = """
import runpy, sys
from pathlib import Path
sys.argv = sys.argv[1:]
sys.path.insert(0, str(Path(sys.argv[0]).parent))
from conversion.base import TextModel
TextModel.get_vocab_base_pre = lambda self, tokenizer: "smollm"
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def hf_folder(shape: str, folder: Path):
    """A Hugging Face folder with random bf16 weights of `shape` (scripts/make_random_model.py)."""
    if (folder / "config.json").exists():
        return
    config_dir = folder.with_name(folder.name + ".config")
    config_dir.mkdir(parents=True, exist_ok=True)
    for f in TOKENIZER.iterdir():
        if f.is_file() and not f.name.startswith("model") and f.name != "config.json":
            shutil.copy(f, config_dir / f.name)
    (config_dir / "config.json").write_text(json.dumps(SHAPES[shape], indent=2))
    log(f"writing random {shape}-shaped weights to {folder}")
    subprocess.run([PY, str(ROOT / "scripts/make_random_model.py"), str(config_dir), str(folder)], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", choices=sorted(SHAPES), required=True)
    ap.add_argument("--type", default="Q4_K_M", help="llama-quantize's type name")
    ap.add_argument("--cache", type=Path, default=llamacpp_build.DEFAULT_CACHE)
    args = ap.parse_args()
    out_dir = args.cache / "models"
    out_dir.mkdir(parents=True, exist_ok=True)
    quantized = out_dir / f"random-{args.shape}.{args.type}.gguf"
    if not quantized.exists():
        hf = args.cache / "shaped" / f"random-{args.shape}"
        hf_folder(args.shape, hf)
        dense = hf.with_name(hf.name + ".bf16.gguf")
        if not dense.exists():
            convert = llamacpp_build.source_tree(args.cache) / "convert_hf_to_gguf.py"
            subprocess.run([PY, "-c", CONVERT, str(convert), str(hf), "--outtype", "bf16", "--outfile", str(dense)],
                           check=True)
        quantize = llamacpp_build.build("llama-quantize", args.cache)
        partial = quantized.with_suffix(".partial")
        subprocess.run([str(quantize), str(dense), str(partial), args.type], check=True)
        partial.rename(quantized)
    print(quantized)


if __name__ == "__main__":
    main()
