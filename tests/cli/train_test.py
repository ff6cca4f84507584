# SPDX-License-Identifier: Apache-2.0
"""`lorag train` on the tiny chat model: the run folder's files, the adapter
loading in PEFT with the logits of base + B·A, resume, and bad inputs."""
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

MODEL = FIXTURES / "models" / "chat_bpe"
DATA = FIXTURES / "train" / "qa.jsonl"
EVAL = FIXTURES / "train" / "qa_eval.jsonl"
# fp32 CPU, PEFT's unmerged forward against merged weights: summation order only.
FP32_TOLERANCE = 1e-4
FLAGS = ["--model", MODEL, "--rank", 8, "--alpha", 16, "--dropout", 0.05, "--max-steps", 10,
         "--lr", 1e-2, "--batch-size", 2, "--save-every", 5, "--eval-every", 5, "--targets", "q_proj,v_proj,down_proj"]


def train(out, *extra, data=DATA):
    # One OpenMP thread: the model is tiny and the test machines are shared.
    return lorag("train", *FLAGS, "--data", data, "--out", out, *extra, env={"OMP_NUM_THREADS": "1"})


class Train(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = Path(cls.tmp.name) / "run"
        cls.rc, cls.stdout, cls.err = train(cls.out, "--eval", EVAL)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_run_folder_holds_adapter_metrics_plot_config_checkpoints(self):
        self.assertEqual(self.rc, 0, self.err)
        self.assertEqual(self.stdout, "")
        for name in ["adapter_config.json", "adapter_model.safetensors", "metrics.csv", "loss.svg",
                     "train_config.json", "checkpoints/step-5/optimizer.pt", "checkpoints/step-10/rng_state.pt",
                     "checkpoints/step-5/adapter_model.safetensors", "checkpoints/step-5/trainer_state.json"]:
            self.assertTrue((self.out / name).exists(), name)
        with open(self.out / "metrics.csv") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([int(r["step"]) for r in rows], list(range(1, 11)))
        self.assertEqual([bool(r["eval_loss"]) for r in rows], [i in (5, 10) for i in range(1, 11)])
        self.assertLess(float(rows[-1]["loss"]), float(rows[0]["loss"]))
        config = json.loads((self.out / "train_config.json").read_text())
        self.assertEqual(config["train"]["rank"], 8)
        self.assertEqual(config["train"]["scheduler"], "cosine")
        self.assertEqual(config["total_steps"], 10)
        self.assertIn("config {", self.err)
        self.assertIn("eval loss", self.err)
        self.assertTrue((self.out / "loss.svg").read_text().startswith("<svg"))

    def test_adapter_loads_in_peft_with_base_plus_scaled_ba(self):
        self.assertEqual(self.rc, 0, self.err)
        cfg = json.loads((self.out / "adapter_config.json").read_text())
        self.assertEqual(cfg["base_model_name_or_path"], str(MODEL))
        self.assertEqual((cfg["r"], cfg["lora_alpha"]), (8, 16))
        ids = torch.tensor([[1, 40, 41, 42, 43, 44, 45, 2]])
        base = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()
        with torch.no_grad():
            base_logits = base(input_ids=ids).logits
        peft = PeftModel.from_pretrained(base, self.out).eval()
        with torch.no_grad():
            peft_logits = peft(input_ids=ids).logits
        merged = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()
        tensors = load_file(str(self.out / "adapter_model.safetensors"))
        params = dict(merged.named_parameters())
        n = 0
        with torch.no_grad():
            for key, a in tensors.items():
                if ".lora_A." not in key:
                    continue
                b = tensors[key.replace(".lora_A.", ".lora_B.")]
                name = key.removeprefix("base_model.model.").replace(".lora_A.weight", ".weight")
                params[name].add_((16 / 8) * b @ a)
                n += 1
            merged_logits = merged(input_ids=ids).logits
        self.assertEqual(n, 2 * 3)
        self.assertLess((peft_logits - merged_logits).abs().max().item(), FP32_TOLERANCE)
        self.assertGreater((peft_logits - base_logits).abs().max().item(), 1e-3)

    def test_resume_from_a_checkpoint_gives_the_same_adapter(self):
        self.assertEqual(self.rc, 0, self.err)
        out2 = Path(self.tmp.name) / "resumed"
        rc, _, err = train(out2, "--eval", EVAL, "--resume", self.out / "checkpoints" / "step-5")
        self.assertEqual(rc, 0, err)
        self.assertIn("resuming from", err)
        a = load_file(str(self.out / "adapter_model.safetensors"))
        b = load_file(str(out2 / "adapter_model.safetensors"))
        self.assertEqual(a.keys(), b.keys())
        for k in a:
            self.assertTrue(torch.equal(a[k], b[k]), k)

    def test_bad_inputs_fail_with_clear_messages(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            empty = tmp / "empty.jsonl"
            empty.write_text("")
            cases = [
                ([], 1, "missing.jsonl: no such data file"),
                ([], 1, "empty.jsonl"),
                (["--grad-accum", 0], 2, "--grad-accum must be >= 1, got 0"),
                (["--scheduler", "exp"], 2, "--scheduler must be cosine, linear or constant, got 'exp'"),
                (["--lr", "fast"], 2, "lr"),
                (["--warmup-ratio", 1.5], 2, "--warmup-ratio must be in [0, 1), got 1.5"),
                (["--resume", tmp / "nowhere"], 1, "nowhere: no such checkpoint or run folder"),
                (["--max-seq-len", 0], 2, "max-seq-len"),
            ]
            datas = [tmp / "missing.jsonl", empty] + [DATA] * (len(cases) - 2)
            for (extra, code, message), data in zip(cases, datas):
                with self.subTest(extra=[str(e) for e in extra], data=str(data)):
                    rc, stdout, err = train(tmp / "out", *extra, data=data)
                    self.assertEqual(rc, code, err)
                    self.assertIn(message, err)
                    self.assertEqual(stdout, "")
            rc, _, err = lorag("train", "--data", DATA)
            self.assertEqual(rc, 2)
            self.assertIn("out", err)


if __name__ == "__main__":
    unittest.main()
