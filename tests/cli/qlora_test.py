# SPDX-License-Identifier: Apache-2.0
"""QLoRA: `lorag train` on a GGUF whose matrices stay quantized (every kept type,
tests/model/quant): the loss falls, gradients reach the adapters of the first layer
through the quantized matrices above them, and the adapter loads in PEFT on the
base transformers dequantizes from the same file, with the logits of base + s·B·A;
and `--quantize q8_0` on a Hugging Face folder."""
import csv
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
from peft import PeftModel  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

FOLDER = FIXTURES / "quant_models" / "mixed"
DATA = FIXTURES / "train" / "qa.jsonl"
# fp32, PEFT's unmerged forward against merged weights: summation order only, relative
# to the largest |logit| (measured 1.7e-6; the adapter itself moves them by over 1e-3).
FP32_REL_TOLERANCE = 2e-5
FLAGS = ["--model", FOLDER / "model.gguf", "--quantized", "keep", "--rank", 4, "--alpha", 8, "--dropout", 0,
         "--max-steps", 8, "--lr", 1e-2, "--batch-size", 2, "--save-every", 0, "--targets", "q_proj,v_proj,down_proj"]


class QLoRA(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = Path(cls.tmp.name) / "run"
        cls.rc, cls.stdout, cls.err = lorag("train", *FLAGS, "--data", DATA, "--out", cls.out,
                                            env={"OMP_NUM_THREADS": "1"})

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_base_stays_quantized_loss_falls_and_every_adapter_learns(self):
        self.assertEqual(self.rc, 0, self.err)
        self.assertIn("matrices kept quantized", self.err)
        # QLoRA's default, as PEFT's prepare_model_for_kbit_training: each layer recomputed in backward.
        self.assertIn("quantized base: gradient checkpointing on", self.err)
        config = json.loads((self.out / "train_config.json").read_text())
        self.assertTrue(config["train"]["gradient_checkpointing"])
        with open(self.out / "metrics.csv") as f:
            rows = list(csv.DictReader(f))
        self.assertLess(float(rows[-1]["loss"]), float(rows[0]["loss"]))
        tensors = load_file(str(self.out / "adapter_model.safetensors"))
        b_keys = [k for k in tensors if ".lora_B." in k]
        self.assertEqual(len(b_keys), 2 * 3)
        for key in b_keys:  # B starts at 0: a non-zero B got gradients through the layers above
            self.assertGreater(tensors[key].abs().max().item(), 0.0, key)

    def test_adapter_loads_in_peft_on_the_dequantized_base(self):
        self.assertEqual(self.rc, 0, self.err)
        cfg = json.loads((self.out / "adapter_config.json").read_text())
        scale = cfg["lora_alpha"] / cfg["r"]
        ids = load_file(str(FOLDER / "reference.safetensors"))["input_ids"][:1]
        base = AutoModelForCausalLM.from_pretrained(FOLDER, gguf_file="model.gguf", dtype=torch.float32).eval()
        with torch.no_grad():
            base_logits = base(input_ids=ids).logits
        peft = PeftModel.from_pretrained(base, self.out).eval()
        with torch.no_grad():
            peft_logits = peft(input_ids=ids).logits
        merged = AutoModelForCausalLM.from_pretrained(FOLDER, gguf_file="model.gguf", dtype=torch.float32).eval()
        tensors = load_file(str(self.out / "adapter_model.safetensors"))
        params = dict(merged.named_parameters())
        with torch.no_grad():
            for key, a in tensors.items():
                if ".lora_A." in key:
                    b = tensors[key.replace(".lora_A.", ".lora_B.")]
                    name = key.removeprefix("base_model.model.").replace(".lora_A.weight", ".weight")
                    params[name].add_(scale * b @ a)
            merged_logits = merged(input_ids=ids).logits
        scale_of = merged_logits.abs().max().item()
        self.assertLess((peft_logits - merged_logits).abs().max().item() / scale_of, FP32_REL_TOLERANCE)
        self.assertGreater((peft_logits - base_logits).abs().max().item() / scale_of, 1e-3)


class QuantizeAtLoad(unittest.TestCase):
    """`--quantize q8_0` on a Hugging Face folder: the 64-wide matrices become q8_0 blocks,
    the 112-wide down_proj stays dense, and training still lowers the loss."""

    def test_hf_model_quantized_at_load_trains_and_saves_a_peft_adapter(self):
        hf = FIXTURES / "models" / "chat_bpe"  # hidden 64, intermediate 112, 2 layers
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run"
            flags = [f if f != FOLDER / "model.gguf" else hf for f in FLAGS]
            rc, _, err = lorag("train", *flags, "--quantize", "q8_0", "--data", DATA, "--out", out,
                               env={"OMP_NUM_THREADS": "1"})
            self.assertEqual(rc, 0, err)
            # 2 layers x 6 matrices of input width 64 (q, k, v, o, gate, up); down_proj (112) is not a multiple of 32.
            self.assertIn("--quantize q8_0: 12 matrices quantized at load", err)
            self.assertIn("2 left dense", err)
            self.assertIn("quantized base: gradient checkpointing on", err)
            with open(out / "metrics.csv") as f:
                rows = list(csv.DictReader(f))
            self.assertLess(float(rows[-1]["loss"]), float(rows[0]["loss"]))
            tensors = load_file(str(out / "adapter_model.safetensors"))
            self.assertEqual(len([k for k in tensors if ".lora_B." in k]), 2 * 3)
            base = AutoModelForCausalLM.from_pretrained(hf, dtype=torch.float32).eval()
            peft = PeftModel.from_pretrained(base, out).eval()
            self.assertEqual(len([n for n, _ in peft.named_modules() if n.endswith(".lora_A")]), 2 * 3)

    def test_gradient_checkpointing_switches_exclude_each_other(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, _, err = lorag("train", "--model", FOLDER / "model.gguf", "--gradient-checkpointing",
                               "--no-gradient-checkpointing", "--data", DATA, "--out", Path(tmp) / "run")
            self.assertEqual(rc, 2, err)
            self.assertIn("--gradient-checkpointing and --no-gradient-checkpointing exclude each other", err)

    def test_a_type_it_cannot_quantize_to_is_a_usage_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, _, err = lorag("train", "--model", FIXTURES / "models" / "chat_bpe", "--quantize", "q3_k",
                               "--data", DATA, "--out", Path(tmp) / "run", "--max-steps", 1)
            self.assertEqual(rc, 2, err)
            self.assertIn("--quantize 'q3_k' is not a type lorag quantizes to", err)


if __name__ == "__main__":
    unittest.main()
