# SPDX-License-Identifier: Apache-2.0
"""--adapter/--use/--merge on generate, chat and bench, and `lorag merge`, end to
end on the tiny chat_bpe model with PEFT adapters (scripts/fixtures/cli_adapters.py):
greedy text against PEFT's, merged against attached, merged folders against PEFT's
logits in transformers, and the errors a user meets."""
import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import FIXTURES, lorag  # noqa: E402

ADAPTERS = FIXTURES / "cli_adapters"
MODEL = ADAPTERS / "chat_bpe"  # the fixture module's own copy of models/chat_bpe
# fp32 on the CPU both sides, transformers running lorag's merged folder vs PEFT's
# own merge_and_unload: the same weights up to summation order in the merge.
FP32_LOGIT_TOLERANCE = 1e-4
# Merged vs attached (x·(W + s·B·A)ᵀ vs x·Wᵀ + s·(x·Aᵀ)·Bᵀ) differ by fp32 rounding
# that grows with the logits (|logit| up to ~35 here; PEFT's own merge is 1.04e-4
# off its attached logits on this fixture): bound it relative to the largest |logit|.
FP32_MERGED_VS_ATTACHED_REL = 1e-5


def reference():
    return json.loads((ADAPTERS / "reference.json").read_text())


def base_texts():
    """transformers' greedy answers on the base model, by prompt (templated)."""
    cases = json.loads((MODEL / "cli_reference.json").read_text())["cases"]
    return {c["prompt"]: c["text"] for c in cases if c["mode"] == "template"}


GREEDY = ["--max-new-tokens", 16, "--ignore-eos", "--device", "cpu", "--temperature", 0]


def run_batch(rows, *flags):
    """Runs `lorag generate --input` on `rows`; returns (rc, output rows, stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        inp.write_text("".join(json.dumps(r) + "\n" for r in rows))
        rc, _, err = lorag("generate", "--model", MODEL, "--input", inp, "--output", outp, *GREEDY, *flags)
        out = [json.loads(line) for line in outp.read_text().splitlines()] if rc == 0 else []
    return rc, out, err


class AttachedAndMerged(unittest.TestCase):
    def test_attached_and_merged_give_peft_greedy_text(self):
        ref = reference()
        for name in ["a", "b"]:
            cases = ref[name]["cases"]
            rows = [{"id": i, "prompt": c["prompt"]} for i, c in enumerate(cases)]
            for mode in [[], ["--merge"]]:
                with self.subTest(adapter=name, mode=mode):
                    rc, out, err = run_batch(rows, "--adapter", ADAPTERS / name, *mode)
                    self.assertEqual(rc, 0, err)
                    self.assertEqual([r["text"] for r in out], [c["text"] for c in cases])
                    self.assertIn("[merged]" if mode else "[active]", err)

    def test_single_prompt_streams_with_the_adapter(self):
        case = reference()["b"]["cases"][0]
        rc, out, err = lorag("generate", "--model", MODEL, "--adapter", f"b={ADAPTERS / 'b'}", "--prompt",
                             case["prompt"], *GREEDY)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, case["text"] + "\n")
        self.assertIn("adapter b: ", err)
        self.assertIn("r=8, alpha=16, rslora, targets down_proj,gate_proj,k_proj,o_proj,q_proj,up_proj,v_proj", err)


class SeveralAdapters(unittest.TestCase):
    def test_jsonl_rows_choose_adapters_like_single_runs(self):
        ref, base = reference(), base_texts()
        prompts = [c["prompt"] for c in ref["a"]["cases"]][:2]  # the base reference covers these two
        choice = ["a", None, "b", "base", "b", "a", ""]
        rows = []
        for i, adapter in enumerate(choice):
            row = {"id": i, "prompt": prompts[i % 2]}
            if adapter is not None:
                row["adapter"] = adapter
            rows.append(row)
        rc, out, err = run_batch(rows, "--adapter", f"a={ADAPTERS / 'a'}", "--adapter", f"b={ADAPTERS / 'b'}",
                                 "--batch-size", 2)
        self.assertEqual(rc, 0, err)
        self.assertEqual([r["id"] for r in out], list(range(len(rows))))  # input order kept
        # Alone: each adapter on its own (the fixture's PEFT answers), none = the base model.
        alone = {"a": {c["prompt"]: c["text"] for c in ref["a"]["cases"]},
                 "b": {c["prompt"]: c["text"] for c in ref["b"]["cases"]}, "base": base}
        for row, adapter in zip(out, choice):
            expected = adapter or "base"  # several adapters and no --use: the base model
            with self.subTest(row=row["id"], adapter=adapter):
                self.assertEqual(row["adapter"], expected)
                self.assertEqual(row["text"], alone[expected][prompts[row["id"] % 2]])

    def test_use_picks_the_default(self):
        ref = reference()
        rows = [{"id": 0, "prompt": ref["a"]["cases"][0]["prompt"]},
                {"id": 1, "prompt": ref["a"]["cases"][0]["prompt"], "adapter": "a"}]
        for flags in [["--use", "b"], ["--use", "b", "--merge"]]:
            with self.subTest(flags=flags):
                rc, out, err = run_batch(rows[:1], "--adapter", f"a={ADAPTERS / 'a'}",
                                         "--adapter", f"b={ADAPTERS / 'b'}", *flags)
                self.assertEqual(rc, 0, err)
                self.assertEqual(out[0]["text"], ref["b"]["cases"][0]["text"])
        # With --merge only the merged adapter exists: a row asking for another is an error.
        rc, _, err = run_batch(rows, "--adapter", f"a={ADAPTERS / 'a'}", "--adapter", f"b={ADAPTERS / 'b'}",
                               "--use", "b", "--merge")
        self.assertEqual(rc, 1)
        self.assertIn("in.jsonl:2: adapter 'a' is not loaded (available: b)", err)

    def test_chat_switches_adapters(self):
        ref = reference()
        prompt = ref["a"]["cases"][0]["prompt"]
        stdin = f"{prompt}\n/reset\n/adapter b\n{prompt}\n/reset\n/adapter nope\n/adapter base\n{prompt}\n"
        rc, out, err = lorag("chat", "--model", MODEL, "--adapter", f"a={ADAPTERS / 'a'}", "--adapter",
                             f"b={ADAPTERS / 'b'}", "--use", "a", *GREEDY, "--repetition-penalty", 1, "--top-p", 1,
                             stdin=stdin)
        self.assertEqual(rc, 0, err)
        answers = [ref["a"]["cases"][0]["text"], ref["b"]["cases"][0]["text"], base_texts()[prompt]]
        # One answer per line; text-mode pipes read "\r" as a line break too.
        self.assertEqual(out, "".join(a + "\n" for a in answers).replace("\r\n", "\n").replace("\r", "\n"))
        self.assertIn("no adapter named 'nope' (available: a, b, base)", err)


class Merge(unittest.TestCase):
    def test_merged_folder_matches_peft_in_transformers(self):
        import torch
        from safetensors.torch import load_file
        from peft import PeftModel
        from transformers import AutoModelForCausalLM
        ref = load_file(str(ADAPTERS / "reference.safetensors"))
        with tempfile.TemporaryDirectory() as tmp:
            out_dir = Path(tmp) / "merged"
            rc, out, err = lorag("merge", "--model", MODEL, "--adapter", ADAPTERS / "b", "--out", out_dir)
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, f"{out_dir}\n")
            for f in ["model.safetensors", "config.json", "generation_config.json", "tokenizer.json",
                      "tokenizer_config.json"]:
                self.assertTrue((out_dir / f).exists(), f)
            model = AutoModelForCausalLM.from_pretrained(out_dir, dtype=torch.float32).eval()
            base = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32)
            peft_merged = PeftModel.from_pretrained(base, ADAPTERS / "b").merge_and_unload().eval()
            with torch.no_grad():
                logits = model(input_ids=ref["input_ids"]).logits
                peft_logits = peft_merged(input_ids=ref["input_ids"]).logits
            self.assertLess((logits - peft_logits).abs().max().item(), FP32_LOGIT_TOLERANCE)
            attached = ref["logits_b"]  # PEFT with the adapter attached
            self.assertLess((logits - attached).abs().max().item(),
                            FP32_MERGED_VS_ATTACHED_REL * attached.abs().max().item())
            # lorag reads its own output: the greedy text of base+adapter.
            case = reference()["b"]["cases"][1]
            rc, out, err = lorag("generate", "--model", out_dir, "--prompt", case["prompt"], *GREEDY)
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, case["text"] + "\n")

    def test_bfloat16_export(self):
        with tempfile.TemporaryDirectory() as tmp:
            out_dir = Path(tmp) / "merged"
            rc, _, err = lorag("merge", "--model", MODEL, "--adapter", ADAPTERS / "a", "--out", out_dir,
                               "--dtype", "bfloat16")
            self.assertEqual(rc, 0, err)
            header = (out_dir / "model.safetensors").read_bytes()
            size = int.from_bytes(header[:8], "little")
            dtypes = {v["dtype"] for k, v in json.loads(header[8:8 + size]).items() if k != "__metadata__"}
            self.assertEqual(dtypes, {"BF16"})

    def test_merge_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, _, err = lorag("merge", "--model", MODEL, "--out", Path(tmp) / "x")
            self.assertEqual(rc, 2)
            self.assertIn("--adapter DIR is required", err)
            rc, _, err = lorag("merge", "--model", MODEL, "--adapter", ADAPTERS / "a", "--out", Path(tmp) / "x",
                               "--dtype", "int8")
            self.assertEqual(rc, 2)
            self.assertIn("--dtype 'int8' is not an export dtype", err)
            self.assertFalse((Path(tmp) / "x").exists())
            rc, _, err = lorag("merge", "--model", MODEL, "--adapter", ADAPTERS / "a", "--out", MODEL)
            self.assertEqual(rc, 2)
            self.assertIn("is the base model's folder", err)


class Errors(unittest.TestCase):
    def generate(self, *flags):
        return lorag("generate", "--model", MODEL, "--prompt", "hi", *GREEDY, *flags)

    def test_adapter_for_another_shape_names_module_and_shapes(self):
        rc, _, err = self.generate("--adapter", ADAPTERS / "mismatch")
        self.assertEqual(rc, 1)
        self.assertIn("expected [r, 64] and [32, r] for model.layers.0.self_attn.k_proj.weight [32, 64]", err)
        self.assertIn("is [4, 64] and", err)
        self.assertIn("is [48, 4]", err)

    def test_unknown_use_lists_loaded_adapters(self):
        rc, _, err = self.generate("--adapter", f"a={ADAPTERS / 'a'}", "--use", "zzz")
        self.assertEqual(rc, 2)
        self.assertIn("no adapter named 'zzz' to use (loaded: a)", err)

    def test_merge_with_several_needs_use(self):
        rc, _, err = self.generate("--adapter", f"a={ADAPTERS / 'a'}", "--adapter", f"b={ADAPTERS / 'b'}", "--merge")
        self.assertEqual(rc, 2)
        self.assertIn("--merge with 2 adapters needs --use NAME (only that one is merged)", err)

    def test_missing_folder(self):
        rc, _, err = self.generate("--adapter", "/nonexistent/lora")
        self.assertEqual(rc, 1)
        self.assertIn("/nonexistent/lora: adapter folder not found", err)

    def test_use_without_adapter_and_duplicate_names(self):
        rc, _, err = self.generate("--use", "a")
        self.assertEqual(rc, 2)
        self.assertIn("--use a needs --adapter a=DIR", err)
        rc, _, err = self.generate("--adapter", f"x={ADAPTERS / 'a'}", "--adapter", f"x={ADAPTERS / 'b'}")
        self.assertEqual(rc, 2)
        self.assertIn("two adapters are named 'x'", err)

    def test_unknown_adapter_in_jsonl_names_the_line(self):
        rc, _, err = run_batch([{"prompt": "hi"}, {"prompt": "x", "adapter": "zzz"}], "--adapter", ADAPTERS / "a")
        self.assertEqual(rc, 1)
        self.assertIn("in.jsonl:2: adapter 'zzz' is not loaded (available: a, base)", err)


class InfoAndBench(unittest.TestCase):
    def test_info_describes_an_adapter(self):
        rc, out, err = lorag("info", "--adapter", ADAPTERS / "a")
        self.assertEqual(rc, 0, err)
        # q_proj and v_proj in 2 layers: A [4, 64] + B [64, 4] and A [4, 64] + B [32, 4] each.
        self.assertIn("r=4, alpha=8, targets q_proj,v_proj, 4 modules, 1792 parameters", out)

    def test_bench_reports_attached_and_merged(self):
        for flags, state in [([], "a attached"), (["--merge"], "a merged")]:
            rc, out, err = lorag("bench", "generate", "--model", MODEL, "--adapter", ADAPTERS / "a", *flags,
                                 "--prompt-tokens", 8, "--new-tokens", 4, "--warmup", 0, "--repeats", 1,
                                 "--device", "cpu")
            self.assertEqual(rc, 0, err)
            self.assertIn(f"| {state} |", out)


if __name__ == "__main__":
    unittest.main()
