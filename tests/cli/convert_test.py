# SPDX-License-Identifier: Apache-2.0
"""`lorag convert` of the GGUF fixtures into Hugging Face folders that transformers
loads with the logits and token ids it computes from the GGUF itself, and
`lorag info` on a GGUF file."""
import json
import os
import sys
import tempfile
import unittest
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import FIXTURES, lorag  # noqa: E402

import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

MODELS = ["llama", "qwen2"]
# transformers fp32 on the same fp32 weights it dequantized itself: summation order only.
FP32_TOLERANCE = 1e-4


def gguf_dir(name):
    return FIXTURES / "gguf_models" / name


class Convert(unittest.TestCase):
    def test_fp32_folder_matches_transformers_reading_the_gguf(self):
        for name in MODELS:
            with self.subTest(model=name), tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "hf"
                rc, stdout, err = lorag("convert", "--model", gguf_dir(name) / "model.gguf", "--out", out)
                self.assertEqual(rc, 0, err)
                self.assertEqual(stdout.strip(), str(out))
                ref = load_file(str(gguf_dir(name) / "reference.safetensors"))
                model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
                with torch.no_grad():
                    logits = model(input_ids=ref["input_ids"]).logits
                self.assertLess((logits - ref["logits"]).abs().max().item(), FP32_TOLERANCE)
                tok = AutoTokenizer.from_pretrained(out)
                cases = json.loads((gguf_dir(name) / "tokenizer_reference.json").read_text())["cases"]
                for case in cases:
                    self.assertEqual(tok(case["text"]).input_ids, case["transformers_gguf"], case["text"])
                self.assertIn("<|im_start|>", tok.chat_template)
                self.assertEqual(tok.eos_token, "<|im_end|>")

    def test_bf16_weights_and_config(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "hf"
            rc, _, err = lorag("convert", "--model", gguf_dir("qwen2") / "model.gguf", "--out", out, "--dtype=bf16")
            self.assertEqual(rc, 0, err)
            config = json.loads((out / "config.json").read_text())
            self.assertEqual(config["torch_dtype"], "bfloat16")
            self.assertEqual(config["architectures"], ["Qwen2ForCausalLM"])
            with safe_open(str(out / "model.safetensors"), "pt") as f:
                self.assertEqual(f.metadata(), {"format": "pt"})
                for key in f.keys():
                    self.assertEqual(f.get_tensor(key).dtype, torch.bfloat16, key)
            AutoModelForCausalLM.from_pretrained(out)  # loads without missing or unexpected keys

    def test_bad_flags_are_usage_errors(self):
        rc, _, err = lorag("convert", "--model", gguf_dir("llama") / "model.gguf", "--out", "/tmp/x", "--dtype", "int8")
        self.assertEqual(rc, 2)
        self.assertIn("--dtype 'int8'", err)
        rc, _, err = lorag("convert", "--model", gguf_dir("llama") / "model.gguf")
        self.assertEqual(rc, 2)
        self.assertIn("--out", err)

    def test_info_summarises_gguf_metadata(self):
        rc, out, err = lorag("info", "--model", gguf_dir("llama") / "model.gguf")
        self.assertEqual(rc, 0, err)
        self.assertIn("architecture:       LlamaForCausalLM", out)
        self.assertIn("gguf name:          tiny llama", out)
        self.assertIn("gguf file type:     Q8_0 (GGUF v3", out)


if __name__ == "__main__":
    unittest.main()
