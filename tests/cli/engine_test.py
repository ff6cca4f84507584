# SPDX-License-Identifier: Apache-2.0
"""The engine flags of `lorag generate` (--parallel, --prefill-chunk, --ctx-size)
and `lorag bench engine`, end to end on the tiny chat model: the JSONL rows equal
transformers' greedy answers whatever the slots and chunking."""
import json
import re
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import FIXTURES, lorag  # noqa: E402

MODEL = FIXTURES / "models" / "chat_bpe"


class EngineFlags(unittest.TestCase):
    def test_slots_and_prefill_chunks_do_not_change_the_rows(self):
        ref = json.loads((MODEL / "cli_reference.json").read_text())
        cases = [c for c in ref["cases"] if c["mode"] == "template"] * 2  # more rows than slots
        with tempfile.TemporaryDirectory() as tmp:
            inp = Path(tmp) / "in.jsonl"
            inp.write_text("".join(json.dumps({"id": i, "prompt": c["prompt"]}) + "\n" for i, c in enumerate(cases)))
            for flags in (["--parallel", 1], ["--parallel", 3, "--prefill-chunk", 4], ["--batch-size", 2]):
                with self.subTest(flags=flags):
                    rc, out, err = lorag("generate", "--model", MODEL, "--input", inp, "--max-new-tokens", 16,
                                         "--ignore-eos", "--device", "cpu", *flags)
                    self.assertEqual(rc, 0, err)
                    rows = [json.loads(line) for line in out.splitlines()]
                    self.assertEqual([r["id"] for r in rows], list(range(len(cases))))
                    self.assertEqual([r["text"] for r in rows], [c["text"] for c in cases])

    def test_ctx_size_bounds_each_row(self):
        case = [c for c in json.loads((MODEL / "cli_reference.json").read_text())["cases"]
                if c["mode"] == "template"][0]
        ctx = len(case["prompt_ids"]) + 5
        rc, out, err = lorag("generate", "--model", MODEL, "--prompt", case["prompt"], "--max-new-tokens", 16,
                             "--ignore-eos", "--device", "cpu", "--ctx-size", ctx)
        self.assertEqual(rc, 0, err)
        self.assertIn("decode 5 tok", err)  # prompt + 5 tokens fill the slot

    def test_bad_engine_flags_name_the_field(self):
        rc, _, err = lorag("generate", "--model", MODEL, "--prompt", "hi", "--parallel", 0)
        self.assertNotEqual(rc, 0)
        self.assertIn("parallel must be at least 1", err)
        rc, _, err = lorag("generate", "--model", MODEL, "--prompt", "hi", "--ctx-size", 100000)
        self.assertNotEqual(rc, 0)
        self.assertIn("ctx_size 100000 exceeds the model's context of 128 tokens", err)


class BenchEngine(unittest.TestCase):
    def test_reports_each_case_and_the_reused_preamble(self):
        rc, out, err = lorag("bench", "engine", "--model", MODEL, "--device", "cpu", "--concurrency", 1, 2,
                             "--prompt-tokens", 8, "--new-tokens", 4, "--preamble-tokens", 40)
        self.assertEqual(rc, 0, err)
        rows = {(m.group(1), int(m.group(2))): m for m in
                re.finditer(r"^\| ([a-z ]+) \| (\d+) \| [\d.]+ \| .* \| (\d+) \|$", out, re.M)}
        self.assertIn(("base", 1), rows, out)
        self.assertIn(("base", 2), rows, out)
        self.assertEqual(int(rows[("preamble cold", 1)].group(3)), 0)
        self.assertGreaterEqual(int(rows[("preamble reused", 1)].group(3)), 40)


if __name__ == "__main__":
    unittest.main()
