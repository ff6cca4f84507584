# SPDX-License-Identifier: Apache-2.0
"""Hostile inputs and faults at the command line (issue #18): each fails fast in
one line naming the file, field or flag, loses no work, and leaves no leftovers.
Reproducers are fixtures with one field changed."""
import fcntl
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import BIN, FIXTURES, lorag  # noqa: E402

ROOT = Path(os.environ.get("LORAG_SOURCE_DIR", Path(__file__).resolve().parents[2]))
EMBEDDER = Path(os.environ.get("LORAG_EMBEDDER", ROOT / "models" / "all-MiniLM-L6-v2"))
CORPUS = ROOT / "tests" / "rag" / "data" / "retrieval_corpus.jsonl"
MODEL = FIXTURES / "models" / "chat_bpe"


def one_line_error(test, err):
    lines = [l for l in err.splitlines() if l.strip()]
    test.assertTrue(lines, "no error message")
    test.assertIn("error", lines[-1].lower())
    return lines[-1]


class Flags(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def config(self, obj):
        path = self.dir / "run.json"
        path.write_text(json.dumps(obj))
        return path

    def test_config_values_of_the_wrong_type_are_usage_errors(self):
        for value, kind in [(5, "number"), ({"a": 1}, "object"), ([["x"]], "array")]:
            rc, out, err = lorag("generate", "--model", MODEL, "--prompt", "x", "--config", self.config({"stop": value}))
            self.assertEqual(rc, 2, err)
            self.assertIn("field 'stop' is " + kind, err)
            self.assertEqual(out, "")

    def test_deeply_nested_config_is_refused(self):
        path = self.dir / "deep.json"
        path.write_text('{"stop": ' + "[" * 200000 + "]" * 200000 + "}")
        rc, _, err = lorag("generate", "--model", MODEL, "--prompt", "x", "--config", path)
        self.assertEqual(rc, 1, err)
        self.assertIn("JSON nested deeper than 256 levels", err)

    def test_non_finite_sampling_values_are_named(self):
        for flag, field in [("--temperature", "temperature"), ("--top-p", "top_p"),
                            ("--repetition-penalty", "repetition_penalty")]:
            for value in ["inf", "nan"]:
                rc, _, err = lorag("generate", "--model", MODEL, "--prompt", "x", flag, value)
                self.assertEqual(rc, 1, err)
                self.assertIn(field + " must be a finite number", err)

    def test_chat_row_with_an_unknown_role_is_named(self):
        rows = self.dir / "in.jsonl"
        rows.write_text(json.dumps({"messages": [{"role": "robot", "content": "hi"}]}) + "\n")
        rc, _, err = lorag("generate", "--model", MODEL, "--input", rows)
        self.assertEqual(rc, 1, err)
        self.assertIn("role 'robot' is not one of system, user, assistant", err)

    def test_training_row_with_an_empty_completion_is_named(self):
        data = self.dir / "sft.jsonl"
        data.write_text(json.dumps({"prompt": "What?", "completion": ""}) + "\n")
        rc, _, err = lorag("train", "--model", MODEL, "--data", data, "--out", self.dir / "run", "--max-steps", 1)
        self.assertNotEqual(rc, 0)
        self.assertIn("sft.jsonl:1: field 'completion' is empty", err)

    def test_questions_with_a_string_doc_ids_or_blank_question_are_named(self):
        for row, needle in [({"question": "Q?", "doc_ids": "a.md, b.md"}, "field 'doc_ids' is a string"),
                            ({"question": " \t "}, "field 'question' is only whitespace")]:
            questions = self.dir / "q.jsonl"
            questions.write_text(json.dumps(row) + "\n")
            rc, _, err = lorag("compare", "--model", MODEL, "--questions", questions, "--out", self.dir / "report")
            self.assertEqual(rc, 1, err)
            self.assertIn("q.jsonl:1: " + needle, err)


class Outputs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        (self.dir / "a-file").write_text("x")

    def tearDown(self):
        self.tmp.cleanup()

    def test_generate_output_is_checked_before_generating(self):
        rows = self.dir / "in.jsonl"
        rows.write_text(json.dumps({"prompt": "hi"}) + "\n")
        rc, out, err = lorag("generate", "--model", MODEL, "--input", rows, "--output", self.dir / "a-file" / "out.jsonl",
                             "--max-new-tokens", 2)
        self.assertEqual(rc, 1, err)
        self.assertIn("does not exist", err)
        self.assertNotIn("tok/s", err, "it generated before failing")

    def test_compare_out_is_checked_before_answering(self):
        questions = self.dir / "q.jsonl"
        questions.write_text(json.dumps({"question": "Q?", "answer": "A"}) + "\n")
        rc, _, err = lorag("compare", "--model", MODEL, "--questions", questions, "--out", self.dir / "a-file" / "rep",
                           "--max-new-tokens", 2)
        self.assertEqual(rc, 1, err)
        self.assertIn("cannot create output folder", err)
        self.assertNotIn("compare: 1 questions", err, "it read the questions before checking --out")


class Files(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.fifo = self.dir / "notes.md"
        os.mkfifo(self.fifo)

    def tearDown(self):
        self.tmp.cleanup()

    def test_fifo_as_config_file_is_refused_not_waited_on(self):
        rc, _, err = lorag("generate", "--model", MODEL, "--prompt", "x", "--config", self.fifo)
        self.assertNotEqual(rc, 0)
        self.assertIn("notes.md: is a FIFO, expected a regular file", err)

    def test_fifo_as_tokenizer_is_refused(self):
        model = self.dir / "model"
        shutil.copytree(MODEL, model)
        (model / "tokenizer.json").unlink()
        os.mkfifo(model / "tokenizer.json")
        rc, _, err = lorag("generate", "--model", model, "--prompt", "x")
        self.assertEqual(rc, 1, err)
        self.assertIn("tokenizer.json: is a FIFO", err)

    def test_fifo_as_training_data_is_refused(self):
        # cmd_train refuses anything but a regular file up front (its message says "no such data file").
        rc, _, err = lorag("train", "--model", MODEL, "--data", self.fifo, "--out", self.dir / "run")
        self.assertNotEqual(rc, 0)
        self.assertIn("notes.md", err)


class Train(unittest.TestCase):
    def test_second_writer_of_a_run_folder_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run"
            out.mkdir()
            with open(out / "train.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a running `lorag train` holds this
                rc, _, err = lorag("train", "--model", MODEL, "--data", FIXTURES / "train" / "qa.jsonl", "--out", out,
                                   "--max-steps", 1, env={"OMP_NUM_THREADS": "1"})
            self.assertEqual(rc, 1, err)
            self.assertIn("another lorag train is writing this folder", err)
            self.assertFalse((out / "adapter_model.safetensors").exists())

    def test_diverging_run_stops_and_writes_no_adapter(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run"
            rc, _, err = lorag("train", "--model", MODEL, "--data", FIXTURES / "train" / "qa.jsonl", "--out", out,
                               "--max-steps", 6, "--lr", "1e30", "--max-grad-norm", 0, "--batch-size", 2,
                               env={"OMP_NUM_THREADS": "1"})
            self.assertEqual(rc, 1, err)
            self.assertIn("training stopped at step", err)
            self.assertFalse((out / "adapter_model.safetensors").exists())


def limit_file_size(limit):
    def apply():
        # Writes past `limit` fail with EFBIG (as on a full disk) instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@unittest.skipUnless((EMBEDDER / "config.json").exists(), f"no embedder at {EMBEDDER}")
class Store(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.store = self.dir / "store"

    def tearDown(self):
        self.tmp.cleanup()

    def add(self, *paths, preexec=None):
        p = subprocess.run([BIN, "index", "add", "--store", str(self.store), "--embedder", str(EMBEDDER),
                            *map(str, paths)], capture_output=True, text=True, timeout=300, preexec_fn=preexec)
        return p.returncode, p.stdout, p.stderr

    def listing(self):
        rc, out, err = lorag("index", "list", "--store", self.store)
        self.assertEqual(rc, 0, err)
        return sorted(json.loads(l)["id"] for l in out.splitlines() if l.strip())

    def test_full_disk_fails_cleanly_and_keeps_the_store(self):
        small = self.dir / "small.md"
        small.write_text("# Leave\nEmployees get 25 days of annual leave.\n")
        rc, _, err = self.add(small)
        self.assertEqual(rc, 0, err)
        before = self.listing()
        rc, _, err = self.add(CORPUS, preexec=limit_file_size(16 * 1024))
        # A clean runtime error, not the exit-time crash HDF5's failed flush used to cause.
        self.assertEqual(rc, 1, err)
        self.assertIn("hdf5 flush failed", err)
        self.assertEqual([p.name for p in self.store.iterdir() if p.name.endswith(".tmp") or ".tmp." in p.name], [])
        self.assertEqual(self.listing(), before)
        rc, _, err = self.add(CORPUS)
        self.assertEqual(rc, 0, err)
        self.assertGreater(len(self.listing()), len(before))

    def test_next_writer_clears_stale_temporaries(self):
        small = self.dir / "small.md"
        small.write_text("# Leave\nEmployees get 25 days of annual leave.\n")
        self.assertEqual(self.add(small)[0], 0)
        stale = [self.store / "chunks-000099.h5.tmp", self.store / "index-000099.faiss.tmp",
                 self.store / ".tmp.manifest.json.1234"]
        for p in stale:
            p.write_bytes(b"\0" * 1024)
        other = self.dir / "other.md"
        other.write_text("# Pay\nSalaries are paid monthly.\n")
        rc, _, err = self.add(other)
        self.assertEqual(rc, 0, err)
        for p in stale:
            self.assertFalse(p.exists(), p)

    def test_folder_without_documents_is_an_error(self):
        empty = self.dir / "docs"
        empty.mkdir()
        (empty / "image.png").write_bytes(b"\x89PNG")
        os.mkfifo(empty / "pipe.md")
        rc, _, err = self.add(empty)
        self.assertEqual(rc, 2, err)
        self.assertIn("no documents in this folder", err)
        self.assertIn("2 other entries skipped", err)

    def test_fifo_document_is_refused(self):
        fifo = self.dir / "pipe.md"
        os.mkfifo(fifo)
        rc, _, err = self.add(fifo)
        self.assertEqual(rc, 1, err)
        self.assertIn("pipe.md: is a FIFO", err)

    def test_deeply_nested_document_metadata_is_refused(self):
        docs = self.dir / "docs.jsonl"
        docs.write_text('{"id": "a", "content": "x", "meta": ' + "[" * 200000 + "]" * 200000 + "}\n")
        rc, _, err = self.add(docs)
        self.assertEqual(rc, 1, err)
        self.assertIn("docs.jsonl:1: JSON nested deeper than 256 levels", err)


if __name__ == "__main__":
    unittest.main()
