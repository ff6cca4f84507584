# SPDX-License-Identifier: Apache-2.0
"""`lorag index` and `lorag retrieve` with the real embedder (all-MiniLM-L6-v2):
scores equal sentence-transformers' cosine similarities, keyword-free queries find
their documents, upsert/delete/list/stats, filters and MMR, and bad input."""
import fcntl
import json
import os
import sys
import tempfile
import unittest
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import lorag  # noqa: E402

ROOT = Path(os.environ.get("LORAG_SOURCE_DIR", Path(__file__).resolve().parents[2]))
EMBEDDER = Path(os.environ.get("LORAG_EMBEDDER", ROOT / "models" / "all-MiniLM-L6-v2"))
DATA = ROOT / "tests" / "rag" / "data"
# fp32 encoder against sentence-transformers' fp32 forward: summation order only.
SCORE_TOLERANCE = 1e-3


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@unittest.skipUnless((EMBEDDER / "config.json").exists(), f"no embedder at {EMBEDDER}")
class Index(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.store = self.dir / "store"

    def tearDown(self):
        self.tmp.cleanup()

    def index(self, *args):
        return lorag("index", *args, "--embedder", EMBEDDER) if args[0] == "add" else lorag("index", *args)

    def retrieve(self, *args):
        rc, out, err = lorag("retrieve", "--store", self.store, "--embedder", EMBEDDER, "--json", *args)
        self.assertEqual(rc, 0, err)
        return jsonl(out)

    def add_corpus(self):
        rc, out, err = self.index("add", "--store", self.store, DATA / "retrieval_corpus.jsonl", "--json")
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def test_keyword_free_queries_find_their_document_in_top_3(self):
        self.assertEqual(self.add_corpus()["added"], 12)
        for q in jsonl((DATA / "queries.jsonl").read_text()):
            hits = self.retrieve("--top-k", "3", q["query"])
            self.assertIn(q["relevant"][0], [h["doc_id"] for h in hits], q["query"])

    def test_scores_match_sentence_transformers(self):
        from sentence_transformers import SentenceTransformer
        self.add_corpus()
        query = "Where can I eat at midday?"
        hits = self.retrieve("--top-k", "4", query)
        self.assertEqual(len(hits), 4)
        model = SentenceTransformer(str(EMBEDDER), device="cpu")
        q = model.encode([query], normalize_embeddings=True)[0]
        docs = model.encode([h["text"] for h in hits], normalize_embeddings=True)
        for h, d in zip(hits, docs):
            self.assertAlmostEqual(h["score"], float(q @ d), delta=SCORE_TOLERANCE)
        self.assertEqual([h["rank"] for h in hits], [1, 2, 3, 4])
        self.assertEqual(hits, sorted(hits, key=lambda h: -h["score"]))

    def test_folder_upsert_delete_list_stats(self):
        docs = self.dir / "docs"
        (docs / "hr").mkdir(parents=True)
        (docs / "hr" / "leave.md").write_text("# Leave policy\n\nYou get 25 vacation days a year.\n")
        (docs / "notes.txt").write_text("The office closes at six on Fridays.\n")
        rc, out, err = self.index("add", "--store", self.store, docs, "--chunk-size", "64", "--chunk-overlap", "8")
        self.assertEqual(rc, 0, err)
        self.assertIn("added 2, replaced 0, unchanged 0 documents", out)
        rc, out, err = self.index("list", "--store", self.store)
        self.assertEqual(rc, 0, err)
        listed = jsonl(out)
        self.assertEqual([d["id"] for d in listed], ["hr/leave.md", "notes.txt"])
        self.assertEqual(listed[0]["title"], "Leave policy")
        # Re-adding changed and unchanged files: the changed one replaces its chunks.
        (docs / "hr" / "leave.md").write_text("# Leave policy\n\nParental leave lasts sixteen weeks.\n")
        rc, out, err = self.index("add", "--store", self.store, docs, "--json")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out), {"added": 0, "replaced": 1, "unchanged": 1, "chunks_added": 1,
                                           "documents": 2, "chunks": 2})
        hits = self.retrieve("--top-k", "10", "how many vacation days")
        self.assertEqual(len(hits), 2)
        self.assertFalse(any("vacation" in h["text"] for h in hits))
        rc, out, err = self.index("delete", "--store", self.store, "--id", "notes.txt")
        self.assertEqual(rc, 0, err)
        self.assertIn("deleted notes.txt (1 chunks)", out)
        rc, out, err = self.index("stats", "--store", self.store)
        self.assertEqual(rc, 0, err)
        stats = json.loads(out)
        self.assertEqual((stats["documents"], stats["chunks"], stats["dimension"]), (1, 1, 384))
        self.assertEqual((stats["chunk_size"], stats["chunk_overlap"], stats["index_factory"]), (64, 8, "Flat"))
        rc, _, err = self.index("delete", "--store", self.store, "--id", "notes.txt")
        self.assertEqual(rc, 2)
        self.assertIn("no document with id 'notes.txt'", err)
        # Chunking is fixed at creation.
        rc, _, err = self.index("add", "--store", self.store, docs, "--chunk-size", "100")
        self.assertEqual(rc, 2)
        self.assertIn("--chunk-size 100 differs from the store's 64", err)

    def test_filters_mmr_and_min_score(self):
        self.add_corpus()
        hits = self.retrieve("--top-k", "10", "--filter", "tags=finance", "money")
        self.assertEqual(sorted(h["doc_id"] for h in hits), ["expenses", "pension"])
        self.assertEqual(hits[0]["metadata"]["tags"], ["finance"])
        hits = self.retrieve("--top-k", "12", "--min-score", "0.2", "holiday time off")
        self.assertTrue(hits and all(h["score"] >= 0.2 for h in hits))
        self.assertLess(len(hits), 12)
        plain = self.retrieve("--top-k", "3", "leave from work")
        diverse = self.retrieve("--top-k", "3", "--mmr", "0.0", "leave from work")
        self.assertEqual(plain[0]["doc_id"], diverse[0]["doc_id"])
        self.assertEqual(len(diverse), 3)
        rc, out, err = lorag("retrieve", "--store", self.store, "--embedder", EMBEDDER, "--top-k", "1", "canteen lunch")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"^\[1\] 0\.\d{4}  Canteen \(cafeteria #0, .*retrieval_corpus\.jsonl:7, bytes 0-\d+\)\n")

    def test_reindex_switches_factory_without_reembedding(self):
        self.add_corpus()
        queries = [q["query"] for q in jsonl((DATA / "queries.jsonl").read_text())]
        flat = [self.retrieve("--top-k", "3", q) for q in queries]
        rc, out, err = self.index("reindex", "--store", self.store, "--index-factory", "HNSW32")
        self.assertEqual(rc, 0, err)
        self.assertIn("Flat -> HNSW32", out)
        stats = json.loads(self.index("stats", "--store", self.store)[1])
        self.assertEqual((stats["index_factory"], stats["chunks"], stats["generation"]), ("HNSW32", 12, 3))  # create, add, reindex
        # A dozen vectors: the HNSW graph is exhaustive, so the hits and exact scores are Flat's.
        self.assertEqual([self.retrieve("--top-k", "3", q) for q in queries], flat)
        rc, _, err = self.index("reindex", "--store", self.store, "--index-factory", "NoSuchIndex")
        self.assertEqual(rc, 2)
        self.assertIn("index_factory 'NoSuchIndex' rejected by FAISS", err)
        stats = json.loads(self.index("stats", "--store", self.store)[1])
        self.assertEqual((stats["index_factory"], stats["generation"]), ("HNSW32", 3))  # unchanged

    def test_bad_input(self):
        rc, _, err = lorag("retrieve", "--store", self.dir / "none", "--embedder", EMBEDDER, "hello")
        self.assertEqual(rc, 1)
        self.assertIn("no document store here", err)
        bad = self.dir / "latin1.txt"
        bad.write_bytes(b"caf\xe9")
        rc, _, err = self.index("add", "--store", self.store, bad)
        self.assertEqual(rc, 1)
        self.assertIn(f"{bad}: invalid UTF-8 at byte 3", err)
        empty = self.dir / "empty.md"
        empty.write_text("")
        rc, _, err = self.index("add", "--store", self.store, empty)
        self.assertEqual(rc, 1)
        self.assertIn("empty file", err)
        self.assertFalse(self.store.exists())
        self.add_corpus()
        rc, _, err = lorag("retrieve", "--store", self.store, "--embedder", EMBEDDER, "--filter", "tags", "x")
        self.assertEqual(rc, 2)
        self.assertIn("filter 'tags' is not key=value", err)
        rc, _, err = lorag("retrieve", "--store", self.store, "--embedder", EMBEDDER, "--mmr", "1.5", "x")
        self.assertEqual(rc, 2)
        self.assertIn("mmr lambda is 1.5", err)
        rc, _, err = lorag("index", "frobnicate")
        self.assertEqual(rc, 2)
        self.assertIn("unknown subcommand 'frobnicate'", err)

    def test_second_writer_is_refused(self):
        self.add_corpus()
        with open(self.store / "lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            rc, _, err = self.index("add", "--store", self.store, DATA / "retrieval_corpus.jsonl")
            self.assertEqual(rc, 1)
            self.assertIn("another process is writing this store", err)
            self.assertEqual(len(self.retrieve("vpn")), 5)  # readers need no lock


if __name__ == "__main__":
    unittest.main()
