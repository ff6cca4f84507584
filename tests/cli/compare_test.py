# SPDX-License-Identifier: Apache-2.0
"""`lorag compare` on the tiny chat model of fixtures/rag_answer with its PEFT
adapter and a store of its documents (real embedder): every system runs, the
grounded answers equal transformers'/PEFT's greedy answers to the same prompts,
the metrics follow from them, the report files are written, and bad input is
refused with a clear message."""
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
SYSTEMS = ["base", "rag", "finetuned", "hybrid"]


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@unittest.skipUnless((EMBEDDER / "config.json").exists(), f"no embedder at {EMBEDDER}")
class Compare(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="lorag_compare_"))
        cls.store = cls.tmp / "store"
        rc, out, err = lorag("index", "add", "--store", cls.store, "--embedder", EMBEDDER, DATA / "docs.jsonl")
        assert rc == 0, err
        cls.reference = json.loads((DATA / "reference.json").read_text())
        pay = cls.reference["base"][1]  # "When is pay day?", answered from [hr/pay] alone
        assert pay["doc_ids"] == ["hr/pay"]
        # The reference answer of q1 is transformers' own grounded answer, so the
        # rag system must match it exactly; q3 has no answer in the documents.
        cls.questions = cls.tmp / "questions.jsonl"
        cls.questions.write_text("\n".join(json.dumps(q) for q in [
            {"id": "q1", "question": pay["question"], "answer": pay["text"], "doc_ids": ["hr/pay"]},
            {"id": "q2", "question": "How many days of paid leave do full-time staff get?", "answer": "25 days",
             "doc_ids": ["hr/leave"]},
            {"id": "q3", "question": "What is the meaning of life?"},
        ]) + "\n")
        cls.out = cls.tmp / "report"
        cls.rc, cls.stdout, cls.stderr = cls.compare("--adapter", DATA / "adapter", "--out", cls.out)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    @classmethod
    def compare(cls, *args, questions=None):
        return lorag("compare", "--model", MODEL, "--store", cls.store, "--embedder", EMBEDDER, "--device", "cpu",
                     "--questions", questions or cls.questions, "--system", cls.reference["system"],
                     "--max-new-tokens", cls.reference["max_new_tokens"], "--top-k", "1", "--k", "1",
                     "--bootstrap", "200", *args)

    def rows(self, out=None):
        return jsonl(((out or self.out) / "results.jsonl").read_text())

    def row(self, question_id, system):
        [r] = [r for r in self.rows() if r["question_id"] == question_id and r["system"] == system]
        return r

    def test_runs_every_system_on_every_question(self):
        self.assertEqual(self.rc, 0, self.stderr)
        rows = self.rows()
        self.assertEqual(len(rows), 3 * 4)
        self.assertEqual({(r["question_id"], r["system"]) for r in rows},
                         {(q, s) for q in ["q1", "q2", "q3"] for s in SYSTEMS})
        for r in rows:
            self.assertEqual(r["uses_retrieval"], r["system"] in ("rag", "hybrid"))
            self.assertEqual(len(r["sources"]), 1 if r["uses_retrieval"] else 0, r)
            self.assertGreater(r["tokens_generated"], 0)
            self.assertLessEqual(r["tokens_generated"], self.reference["max_new_tokens"])
            self.assertGreater(r["latency_s"], 0)

    def test_grounded_answers_equal_transformers_and_peft(self):
        base, adapter = self.reference["base"][1], self.reference["adapter"][1]
        rag, hybrid = self.row("q1", "rag"), self.row("q1", "hybrid")
        self.assertEqual(rag["answer"], base["text"])
        self.assertEqual(hybrid["answer"], adapter["text"])
        self.assertEqual([s["doc_id"] for s in rag["sources"]], ["hr/pay"])
        # The adapter is switched off for the base systems and on for the others.
        self.assertNotEqual(base["text"], adapter["text"])

    def test_metrics_follow_from_the_answers(self):
        rag = self.row("q1", "rag")
        self.assertEqual(rag["metrics"]["exact_match"], 1)
        self.assertEqual(rag["metrics"]["token_f1"], 1)
        self.assertEqual(rag["metrics"]["hit_at_k"], 1)
        self.assertEqual(self.row("q2", "rag")["metrics"]["hit_at_k"],
                         int(self.row("q2", "rag")["sources"][0]["doc_id"] == "hr/leave"))
        self.assertNotIn("hit_at_k", self.row("q1", "base")["metrics"])  # no retrieval, no hit@k
        # q3 is unanswerable: scored on abstention, not on overlap.
        q3 = self.row("q3", "base")["metrics"]
        self.assertNotIn("token_f1", q3)
        self.assertIn("correct_abstention", q3)
        summary = json.loads((self.out / "summary.json").read_text())
        self.assertEqual(summary["systems"], SYSTEMS)

    def test_report_files_and_printed_summary(self):
        for name in ["results.jsonl", "summary.json", "report.md", "report.html"]:
            self.assertTrue((self.out / name).is_file(), name)
        html = (self.out / "report.html").read_text()
        self.assertTrue(html.lstrip().lower().startswith("<!doctype html>"), html[:80])
        self.assertIn("When is pay day?", html)
        md = (self.out / "report.md").read_text()
        for system in SYSTEMS:
            self.assertIn(f"| {system} |", md)
            self.assertRegex(self.stdout, rf"(?m)^{system} +\d+ ")  # the printed summary table
        self.assertIn("report.html", self.stderr)

    def test_systems_subset(self):
        out = self.tmp / "subset"
        rc, _, err = self.compare("--adapter", DATA / "adapter", "--systems", "rag", "hybrid", "--out", out)
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted({r["system"] for r in self.rows(out)}), ["hybrid", "rag"])
        self.assertEqual(next(r for r in self.rows(out) if r["question_id"] == "q1" and r["system"] == "rag")["answer"],
                         self.reference["base"][1]["text"])

    def test_judge_grades_answers_with_references(self):
        out = self.tmp / "judged"
        rc, _, err = self.compare("--systems", "rag", "--judge-model", MODEL, "--judge-max-new-tokens", "8",
                                  "--out", out)
        self.assertEqual(rc, 0, err)
        rows = {r["question_id"]: r for r in self.rows(out)}
        # The tiny model's reply is not a grade: recorded, reported as unparsed, never invented.
        for q in ["q1", "q2"]:
            self.assertIn("judge_reply", rows[q])
            self.assertTrue(rows[q]["judge"] is None or 1 <= rows[q]["judge"]["score"] <= 5, rows[q])
        self.assertNotIn("judge_reply", rows["q3"])  # unanswerable: not graded

    def test_bad_input(self):
        rc, _, err = self.compare("--systems", "hybrid", "--out", self.tmp / "x")
        self.assertEqual(rc, 2)
        self.assertIn("system 'hybrid'", err)
        self.assertIn("base, rag", err)
        rc, _, err = self.compare("--adapter", DATA / "adapter", "--merge", "--out", self.tmp / "x")
        self.assertEqual(rc, 2)
        self.assertIn("--merge", err)
        bad = self.tmp / "bad.jsonl"
        bad.write_text('{"question": "ok?"}\n{"answer": "no question"}\n')
        rc, out, err = self.compare("--out", self.tmp / "x", questions=bad)
        self.assertEqual(rc, 1)
        self.assertIn(f"{bad}:2", err)
        self.assertIn("question", err)
        # A usage error leaves no output folder behind (the runtime error above may:
        # outputs are checked, and so created, before the work starts).
        rc, _, err = lorag("compare", "--model", MODEL, "--out", self.tmp / "y")
        self.assertEqual(rc, 2)
        self.assertIn("--questions", err)
        self.assertFalse((self.tmp / "y").exists())


if __name__ == "__main__":
    unittest.main()
