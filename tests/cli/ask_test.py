# SPDX-License-Identifier: Apache-2.0
"""`lorag ask` with the real embedder (all-MiniLM-L6-v2), a store made by
`lorag index add`, and the tiny chat model of fixtures/rag_answer: the answer is
transformers' greedy answer to the same grounded prompt, the sources follow it,
the interactive loop, context fitting, a LoRA adapter, and bad input."""
import json
import os
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import FIXTURES, lorag  # noqa: E402

ROOT = Path(os.environ.get("LORAG_SOURCE_DIR", Path(__file__).resolve().parents[2]))
EMBEDDER = Path(os.environ.get("LORAG_EMBEDDER", ROOT / "models" / "all-MiniLM-L6-v2"))
DATA = FIXTURES / "rag_answer"
MODEL = DATA / "chat_long"


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@unittest.skipUnless((EMBEDDER / "config.json").exists(), f"no embedder at {EMBEDDER}")
class Ask(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lorag_ask_")
        cls.store = Path(cls.tmp) / "store"
        rc, out, err = lorag("index", "add", "--store", cls.store, "--embedder", EMBEDDER, DATA / "docs.jsonl")
        assert rc == 0, err
        cls.reference = json.loads((DATA / "reference.json").read_text())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def ask(self, *args, stdin=None, max_new_tokens=None):
        return lorag("ask", "--model", MODEL, "--store", self.store, "--embedder", EMBEDDER, "--device", "cpu",
                     "--system", self.reference["system"],
                     "--max-new-tokens", max_new_tokens or self.reference["max_new_tokens"], *args, stdin=stdin)

    def test_answer_equals_transformers_on_the_retrieved_passage(self):
        case = self.reference["base"][1]  # "When is pay day?" over [hr/pay]
        rc, out, err = self.ask("--top-k", "1", "--json", case["question"])
        self.assertEqual(rc, 0, err)
        [a] = jsonl(out)
        self.assertEqual([s["doc_id"] for s in a["sources"]], case["doc_ids"])
        self.assertEqual(a["prompt_tokens"], len(case["prompt_ids"]))
        self.assertEqual(a["answer"], case["text"])
        self.assertEqual(a["generated_tokens"], len(case["ids"]))
        self.assertEqual(a["finish_reason"], case["finish_reason"])
        self.assertEqual(a["dropped"], 0)

    def test_prints_answer_then_numbered_sources(self):
        rc, out, err = self.ask("--top-k", "3", "When is pay day?")
        self.assertEqual(rc, 0, err)
        rc, js, err2 = self.ask("--top-k", "3", "--json", "When is pay day?")
        self.assertEqual(rc, 0, err2)
        [a] = jsonl(js)
        self.assertEqual(len(a["sources"]), 3)
        self.assertEqual(a["sources"][0]["doc_id"], "hr/pay")
        lines = [f'[{s["n"]}] {s["doc_id"]} "{s["title"]}" (score {s["score"]:.3f})' for s in a["sources"]]
        self.assertTrue(out.endswith("\n\nSources:\n" + "\n".join(lines) + "\n"), out)
        self.assertTrue(out.startswith(a["answer"]), out)
        self.assertIn("retrieved 3, used 3, dropped 0", err)

    def test_interactive_reads_questions_until_exit(self):
        rc, out, err = self.ask("--top-k", "2", stdin="When is pay day?\n\n  How many leave days?  \nexit\nWhere is the VPN?\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.count("Sources:\n"), 2, out)
        # Asked before each line read: two questions, the blank line, and exit.
        self.assertEqual(err.count("question> "), 4, err)
        # EOF ends the loop as well.
        rc, out, err = self.ask("--json", stdin="When is pay day?\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual([a["question"] for a in jsonl(out)], ["When is pay day?"])

    def prompt_only(self, question, top_k, max_new_tokens=None):
        rc, out, err = self.ask("--top-k", top_k, "--json", "--prompt-only", question, max_new_tokens=max_new_tokens)
        self.assertEqual(rc, 0, err)
        return jsonl(out)[0], err

    def test_prompt_only_shows_the_fitted_prompt(self):
        case = self.reference["base"][1]
        p, _ = self.prompt_only(case["question"], 1)
        self.assertEqual(p["prompt"], case["prompt_text"])
        self.assertEqual(p["prompt_tokens"], len(case["prompt_ids"]))
        rc, out, err = self.ask("--top-k", "1", "--prompt-only", case["question"])
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith(case["prompt_text"] + "\n\nSources:\n[1] hr/pay"), out)

    def test_drops_lowest_ranked_passages_to_fit_the_context(self):
        question = self.reference["base"][0]["question"]
        full, _ = self.prompt_only(question, 4)
        self.assertEqual((full["retrieved"], full["dropped"]), (4, 0))
        two, _ = self.prompt_only(question, 2)
        # Leave room for the two best passages only: a window of 1024 tokens.
        room = 1024 - two["prompt_tokens"]
        p, err = self.prompt_only(question, 4, max_new_tokens=room)
        self.assertEqual(p["dropped"], 2)
        self.assertEqual(p["sources"], full["sources"][:2])
        self.assertEqual(p["prompt"], two["prompt"])
        self.assertLessEqual(p["prompt_tokens"] + room, 1024)
        self.assertIn("dropped 2 of 4 retrieved passages", err)
        # One token less and the second passage goes too.
        p, err = self.prompt_only(question, 4, max_new_tokens=room + 1)
        self.assertEqual([s["doc_id"] for s in p["sources"]], [full["sources"][0]["doc_id"]])
        self.assertIn("dropped 3 of 4 retrieved passages", err)

    def test_with_lora_adapter_matches_peft(self):
        rc, out, _ = lorag("ask", "--help")
        if "--adapter" not in out:
            self.skipTest("lorag ask has no --adapter yet")
        case = self.reference["adapter"][1]
        rc, out, err = self.ask("--adapter", DATA / "adapter", "--top-k", "1", "--json", case["question"])
        self.assertEqual(rc, 0, err)
        a = jsonl(out)[0]
        self.assertEqual([s["doc_id"] for s in a["sources"]], case["doc_ids"])
        self.assertEqual(a["answer"], case["text"])

    def test_missing_store(self):
        missing = Path(self.tmp) / "nowhere"
        rc, out, err = lorag("ask", "--model", MODEL, "--store", missing, "--embedder", EMBEDDER, "Q?")
        self.assertEqual(rc, 1)
        self.assertIn(f"{missing}: no document store here", err)
        self.assertEqual(out, "")
        self.assertNotIn("loaded", err)  # reported before the model loads
        rc, _, err = lorag("ask", "--model", MODEL, "Q?")
        self.assertEqual(rc, 2)
        self.assertIn("--store", err)

    def test_missing_embedder(self):
        missing = Path(self.tmp) / "no-embedder"
        rc, out, err = lorag("ask", "--model", MODEL, "--store", self.store, "--embedder", missing, "Q?")
        self.assertEqual(rc, 1)
        self.assertIn(f"{missing}: not a directory", err)
        self.assertNotIn("loaded", err)
        self.assertEqual(out, "")

    def test_bad_input(self):
        rc, _, err = self.ask("   ")
        self.assertEqual(rc, 2)
        self.assertIn("the question is empty", err)
        rc, _, err = self.ask("--top-k", "0", "Q?")
        self.assertEqual(rc, 2)
        self.assertIn("top_k", err)
        # The instructions and question alone overflow: a usage error with the numbers.
        rc, _, err = self.ask("When is pay day?", max_new_tokens=1000)
        self.assertEqual(rc, 2)
        self.assertIn("exceeds the model's context of 1024 tokens", err)


if __name__ == "__main__":
    unittest.main()
