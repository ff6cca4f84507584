# SPDX-License-Identifier: Apache-2.0
"""`lorag generate|chat|info` end to end on tiny models with real tokenizers,
against transformers' greedy output and with the error cases a user meets."""
import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import FIXTURES, lorag  # noqa: E402

MODELS = ["chat_bpe", "chat_sp"]


def reference(model):
    return json.loads((FIXTURES / "models" / model / "cli_reference.json").read_text())


class Generate(unittest.TestCase):
    def test_greedy_text_matches_transformers(self):
        for model in MODELS:
            for case in reference(model)["cases"]:
                template = "auto" if case["mode"] == "template" else "none"
                with self.subTest(model=model, mode=case["mode"], prompt=case["prompt"]):
                    rc, out, err = lorag("generate", "--model", FIXTURES / "models" / model, "--prompt",
                                         case["prompt"], "--max-new-tokens", 16, "--ignore-eos",
                                         "--chat-template", template, "--device", "cpu")
                    self.assertEqual(rc, 0, err)
                    self.assertEqual(out, case["text"] + "\n")
                    self.assertIn("decode 16 tok", err)

    def test_batch_jsonl_matches_single_prompts(self):
        model = FIXTURES / "models" / "chat_bpe"
        cases = [c for c in reference("chat_bpe")["cases"] if c["mode"] == "template"]
        with tempfile.TemporaryDirectory() as tmp:
            inp, outp = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
            inp.write_text("".join(json.dumps({"id": i, "prompt": c["prompt"]}) + "\n" for i, c in enumerate(cases)))
            rc, _, err = lorag("generate", "--model", model, "--input", inp, "--output", outp,
                               "--max-new-tokens", 16, "--ignore-eos", "--device", "cpu")
            self.assertEqual(rc, 0, err)
            rows = [json.loads(line) for line in outp.read_text().splitlines()]
        self.assertEqual([r["id"] for r in rows], list(range(len(cases))))
        for row, case in zip(rows, cases):
            self.assertEqual(row["text"], case["text"])  # left padding changes nothing
            self.assertEqual(row["completion_tokens"], 16)
            self.assertEqual(row["finish_reason"], "length")
            self.assertEqual(row["prompt_tokens"], len(case["prompt_ids"]))

    def test_config_file_fills_untyped_flags_only(self):
        model = FIXTURES / "models" / "chat_bpe"
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "run.json"
            cfg.write_text(json.dumps({"max-new-tokens": 3, "ignore-eos": True, "temperature": 5.0}))
            rc, _, err = lorag("generate", "--model", model, "--prompt", "hi", "--config", cfg,
                               "--temperature", 0, "--device", "cpu")
            self.assertEqual(rc, 0, err)
            self.assertIn("decode 3 tok", err)

    def test_sampling_is_reproducible_with_a_seed(self):
        model = FIXTURES / "models" / "chat_bpe"
        args = ["generate", "--model", model, "--prompt", "hello", "--temperature", 1.2, "--top-p", 0.95,
                "--max-new-tokens", 12, "--ignore-eos", "--device", "cpu"]
        first = lorag(*args, "--seed", 5)
        self.assertEqual(first[0], 0, first[2])
        self.assertEqual(first[1], lorag(*args, "--seed", 5)[1])


class Chat(unittest.TestCase):
    def test_multi_turn_with_reset_and_exit(self):
        model = FIXTURES / "models" / "chat_bpe"
        rc, out, err = lorag("chat", "--model", model, "--temperature", 0, "--max-new-tokens", 4, "--ignore-eos",
                             "--device", "cpu", stdin="hello\nhow are you\n/reset\nhello\n/exit\nnever read\n")
        self.assertEqual(rc, 0, err)
        answers = out.splitlines()
        self.assertEqual(len(answers), 3, out)
        self.assertEqual(answers[0], answers[2])  # after /reset the same question gets the same greedy answer
        self.assertIn("conversation cleared", err)


class Info(unittest.TestCase):
    def test_reports_architecture_and_parameter_count(self):
        rc, out, err = lorag("info", "--model", FIXTURES / "models" / "chat_sp")
        self.assertEqual(rc, 0, err)
        self.assertIn("LlamaForCausalLM", out)
        self.assertIn(f"parameters:         {reference('chat_sp')['parameters']} ", out)
        self.assertIn("tokenizer:          sentencepiece", out)


class Errors(unittest.TestCase):
    def test_unknown_flag_is_a_usage_error(self):
        rc, _, err = lorag("generate", "--frobnicate")
        self.assertEqual(rc, 2)
        self.assertIn("frobnicate", err)

    def test_bad_value_names_the_flag(self):
        rc, _, err = lorag("generate", "--model", FIXTURES / "models" / "chat_bpe", "--prompt", "x",
                           "--temperature", "warm")
        self.assertEqual(rc, 2)
        self.assertIn("temperature", err)

    def test_out_of_range_value_names_the_field(self):
        rc, _, err = lorag("generate", "--model", FIXTURES / "models" / "chat_bpe", "--prompt", "x", "--top-p", 0)
        self.assertEqual(rc, 1)
        self.assertIn("top_p must be in (0, 1], got 0", err)

    def test_source_location_only_at_debug_level(self):
        # LORAG_CHECK appends "[file.cpp:N]"; users see the message alone (issue 16).
        with tempfile.TemporaryDirectory() as tmp:
            src = (FIXTURES / "gguf_models" / "llama" / "model.gguf").read_bytes()
            trunc = Path(tmp) / "trunc.gguf"
            trunc.write_bytes(src[: len(src) // 3])
            rc, _, err = lorag("info", "--model", trunc)
            self.assertEqual(rc, 1, err)
            self.assertIn("trunc.gguf", err)
            self.assertNotRegex(err, r"\[[\w./]+\.(cpp|h):\d+\]")
            rc, _, err = lorag("info", "--model", trunc, env={"LORAG_LOG": "debug"})
            self.assertEqual(rc, 1, err)
            self.assertRegex(err, r"\[[\w./]+\.(cpp|h):\d+\]")

    def test_missing_model_names_the_path(self):
        rc, _, err = lorag("generate", "--model", "/nonexistent/model", "--prompt", "x")
        self.assertEqual(rc, 1)
        self.assertIn("/nonexistent/model: model not found", err)

    def test_unsupported_architecture_lists_supported_ones(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = FIXTURES / "models" / "chat_bpe"
            for f in src.iterdir():
                (Path(tmp) / f.name).write_bytes(f.read_bytes())
            cfg = json.loads((src / "config.json").read_text())
            cfg["architectures"] = ["GPTNeoXForCausalLM"]
            (Path(tmp) / "config.json").write_text(json.dumps(cfg))
            rc, _, err = lorag("info", "--model", tmp)
        self.assertEqual(rc, 1)
        self.assertIn("unsupported architecture GPTNeoXForCausalLM (supported: LlamaForCausalLM", err)

    def test_bad_jsonl_line_names_file_and_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            inp = Path(tmp) / "in.jsonl"
            inp.write_text('{"prompt": "ok"}\n{"prompt": 3}\n')
            rc, _, err = lorag("generate", "--model", FIXTURES / "models" / "chat_bpe", "--input", inp)
        self.assertEqual(rc, 1)
        self.assertIn(f"{inp}:2: needs a string 'prompt' or a 'messages' list", err)

    def test_two_prompt_sources_is_a_usage_error(self):
        rc, _, err = lorag("generate", "--prompt", "a", "--prompt-file", "b")
        self.assertEqual(rc, 2)
        self.assertIn("exactly one of --prompt, --prompt-file or --input", err)

    def test_missing_config_is_named(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, _, err = lorag("generate", "--model", tmp, "--prompt", "x")
        self.assertEqual(rc, 1)
        self.assertIn("config.json: not found", err)

    def test_wrong_tensor_shape_names_tensor_and_shapes(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = FIXTURES / "models" / "chat_bpe"
            for f in src.iterdir():
                (Path(tmp) / f.name).write_bytes(f.read_bytes())
            cfg = json.loads((src / "config.json").read_text())
            cfg["intermediate_size"] = 100
            (Path(tmp) / "config.json").write_text(json.dumps(cfg))
            rc, _, err = lorag("info", "--model", tmp)
        self.assertEqual(rc, 1)
        # Checked against the config before anything is allocated (issue 18).
        self.assertIn("tensor 'model.layers.0.mlp.gate_proj.weight' is [112, 64], the config implies [100, 64]", err)
        self.assertIn("intermediate_size", err)

    def test_truncated_safetensors_is_a_clear_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = FIXTURES / "models" / "chat_bpe"
            for f in src.iterdir():
                data = f.read_bytes()
                (Path(tmp) / f.name).write_bytes(data[: len(data) // 2] if f.name == "model.safetensors" else data)
            rc, _, err = lorag("info", "--model", tmp)
        self.assertEqual(rc, 1)
        self.assertIn("model.safetensors: tensor", err)
        self.assertIn("outside the data section", err)

    def test_empty_prompt_is_a_usage_error(self):
        rc, _, err = lorag("generate", "--model", FIXTURES / "models" / "chat_bpe", "--prompt", "")
        self.assertEqual(rc, 2)
        self.assertIn("the prompt is empty", err)

    def test_prompt_longer_than_context_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            prompt = Path(tmp) / "p.txt"
            prompt.write_text("the sea " * 400)
            rc, _, err = lorag("generate", "--model", FIXTURES / "models" / "chat_bpe", "--prompt-file", prompt)
        self.assertEqual(rc, 2)
        self.assertIn("does not fit the model's context of 128 tokens", err)

    def test_missing_tensor_is_named(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = FIXTURES / "models" / "chat_bpe"
            for f in src.iterdir():
                (Path(tmp) / f.name).write_bytes(f.read_bytes())
            cfg = json.loads((src / "config.json").read_text())
            cfg["num_hidden_layers"] = 3
            (Path(tmp) / "config.json").write_text(json.dumps(cfg))
            rc, _, err = lorag("info", "--model", tmp)
        self.assertEqual(rc, 1)
        self.assertIn("config field 'num_hidden_layers' is 3 but the checkpoint holds tensors for 2 layers", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
