#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""RAG benchmark: lorag's document store against Python faiss + sentence-transformers
(the LangChain/Chroma user's stack) on the same synthetic corpus, embedder, device
and queries, in the same run. Prints markdown tables with ratios lorag / Python:

- ingest: chunks/s of `lorag index add` (chunking, embedding, FAISS, HDF5, atomic
  save) against sentence-transformers' encode + faiss add (in memory, nothing saved);
- query latency p50/p99 (embed one question, search top-10) on a Flat index;
- HNSW32 (`lorag index reindex`): latency and recall@10 against the Flat results;
- the cost of Debian's generic FAISS build: the same Flat and HNSW searches in
  Python's faiss-cpu with its AVX2 kernels and with FAISS_OPT_LEVEL=generic.

usage: bench_rag.py [--sizes 10000 100000] [--python-ingest-max N] [--queries 200]
                    [--device cpu|cuda] [--work DIR]
"""
import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("LORAG_BIN", str(ROOT / "build/cli/lorag"))
EMBEDDER = ROOT / "models" / "all-MiniLM-L6-v2"
KB = ROOT / "data" / "examples" / "kb"
QUESTIONS = ROOT / "data" / "examples" / "questions.jsonl"


def sentences():
    out = []
    for path in sorted(KB.rglob("*.md")):
        text = re.sub(r"^#.*$", "", path.read_text(), flags=re.M)
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.replace("\n", " ")) if len(s.split()) >= 5]
    return out


def make_corpus(n, seed=0):
    """n one-chunk documents of 3-4 knowledge-base sentences each (~60-90 tokens)."""
    rng = random.Random(seed)
    pool = sentences()
    return [{"id": f"doc{i:06d}", "title": f"Record {i}",
             "content": " ".join(rng.sample(pool, rng.randint(3, 4))) + f" Reference {rng.randrange(10**6)}."}
            for i in range(n)]


def make_queries(n, seed=1):
    rng = random.Random(seed)
    qs = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    pool = sentences()
    while len(qs) < n:
        words = rng.choice(pool).split()
        qs.append(" ".join(words[: rng.randint(6, 12)]))
    return qs[:n]


def percentiles(ms):
    ms = sorted(ms)
    return ms[len(ms) // 2], ms[min(len(ms) - 1, int(round(0.99 * len(ms))) - 1)]


def lorag(*args):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"lorag {' '.join(map(str, args))} failed:\n{p.stderr[-3000:]}")
    return p


def lorag_ingest(docs_path, store, device):
    if store.exists():
        shutil.rmtree(store)
    t0 = time.perf_counter()
    lorag("index", "add", "--store", store, "--embedder", EMBEDDER, "--embedder-device", device, docs_path)
    seconds = time.perf_counter() - t0
    chunks = json.loads(lorag("index", "stats", "--store", store).stdout)["chunks"]
    return chunks, seconds


def lorag_queries(store, queries_path, device, ids_out):
    p = lorag("bench", "retrieve", "--store", store, "--embedder", EMBEDDER, "--embedder-device", device,
              "--queries", queries_path, "--top-k", 10, "--ids-out", ids_out)
    row = p.stdout.strip().splitlines()[-1].strip("|").split("|")
    embed50, embed99, search50, search99, total50, total99 = (float(x) for x in row[4:10])
    ids = [json.loads(line)["ids"] for line in Path(ids_out).read_text().splitlines()]
    return {"embed": (embed50, embed99), "search": (search50, search99), "total": (total50, total99), "ids": ids}


def recall_at_10(found, truth):
    return statistics.mean(len(set(f) & set(t)) / max(1, len(t)) for f, t in zip(found, truth))


# ---- Python side -------------------------------------------------------------------------

def python_ingest_and_query(docs, queries, device, ingest, lorag_store):
    """sentence-transformers + faiss: ingest (timed when `ingest`; otherwise the
    vectors lorag stored are loaded, to spare a second long embedding run) and
    per-query latency."""
    import faiss
    import numpy as np
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(EMBEDDER), device=device)
    texts = [d["content"] for d in docs]
    seconds = None
    if ingest:
        t0 = time.perf_counter()
        vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        seconds = time.perf_counter() - t0
    else:
        manifest = json.loads((lorag_store / "manifest.json").read_text())
        stored = faiss.read_index(str(lorag_store / manifest["index_file"]))
        vectors = faiss.vector_to_array(faiss.downcast_index(stored.index).codes).view("float32")
        vectors = vectors.reshape(stored.ntotal, stored.d)
    t0 = time.perf_counter()
    index = faiss.IndexIDMap2(faiss.index_factory(vectors.shape[1], "Flat", faiss.METRIC_INNER_PRODUCT))
    index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    if ingest:
        seconds += time.perf_counter() - t0
    for q in queries[:5]:  # warm-up, as lorag bench retrieve does
        index.search(model.encode([q], normalize_embeddings=True), 10)
    embed, search, total = [], [], []
    for q in queries:
        t0 = time.perf_counter()
        v = model.encode([q], normalize_embeddings=True, convert_to_numpy=True)
        t1 = time.perf_counter()
        index.search(v, 10)
        t2 = time.perf_counter()
        embed.append((t1 - t0) * 1e3), search.append((t2 - t1) * 1e3), total.append((t2 - t0) * 1e3)
    return {"chunks_per_s": len(texts) / seconds if ingest else None, "embed": percentiles(embed),
            "search": percentiles(search), "total": percentiles(total)}, vectors, model.encode(
                queries, normalize_embeddings=True, convert_to_numpy=True)


FAISS_SEARCH = r"""
import sys, time, numpy as np, faiss
vectors, queries = np.load(sys.argv[1]), np.load(sys.argv[2])
out = {"faiss_level": getattr(faiss, "get_compile_options", lambda: "?")()}
for factory in ["Flat", "HNSW32"]:
    index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    index.add(vectors)
    if factory.startswith("HNSW"):
        index.hnsw.efSearch = 128   # as lorag's store sets it
    index.search(queries[:5], 10)
    ms = []
    for q in queries:
        t0 = time.perf_counter(); index.search(q[None, :], 10); ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    out[factory] = (ms[len(ms) // 2], ms[min(len(ms) - 1, int(round(0.99 * len(ms))) - 1)])
print(__import__("json").dumps(out))
"""


def faiss_search_levels(vectors, query_vectors, work):
    """Flat/HNSW32 single-query search in faiss-cpu with AVX2 and with the generic kernels."""
    import numpy as np
    np.save(work / "vectors.npy", vectors)
    np.save(work / "queries.npy", query_vectors)
    out = {}
    for level in ["avx2", "generic"]:
        env = {**os.environ, "FAISS_OPT_LEVEL": level}
        p = subprocess.run([sys.executable, "-c", FAISS_SEARCH, work / "vectors.npy", work / "queries.npy"],
                           capture_output=True, text=True, env=env, check=True)
        out[level] = json.loads(p.stdout)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--python-ingest-max", type=int, default=10**9,
                    help="run Python's ingest only up to this many chunks; above, it searches lorag's stored vectors")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--work", type=Path, default=ROOT / "runs" / "bench_rag")
    args = ap.parse_args()
    import torch
    args.work.mkdir(parents=True, exist_ok=True)
    queries = make_queries(args.queries)
    queries_path = args.work / "queries.txt"
    queries_path.write_text("\n".join(queries) + "\n")

    print(f"# bench_rag.py — {datetime.date.today()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, device {args.device}, torch {torch.__version__}, {args.queries} queries, top-10\n")
    ingest_rows, query_rows, hnsw_rows, level_rows = [], [], [], []
    for n in args.sizes:
        docs = make_corpus(n)
        docs_path = args.work / f"docs_{n}.jsonl"
        docs_path.write_text("".join(json.dumps(d) + "\n" for d in docs))
        store = args.work / f"store_{n}"
        chunks, seconds = lorag_ingest(docs_path, store, args.device)
        flat = lorag_queries(store, queries_path, args.device, args.work / f"ids_flat_{n}.jsonl")
        hnsw_store = args.work / f"store_{n}_hnsw"
        if hnsw_store.exists():
            shutil.rmtree(hnsw_store)
        shutil.copytree(store, hnsw_store)
        t0 = time.perf_counter()
        lorag("index", "reindex", "--store", hnsw_store, "--index-factory", "HNSW32")
        build_s = time.perf_counter() - t0
        hnsw = lorag_queries(hnsw_store, queries_path, args.device, args.work / f"ids_hnsw_{n}.jsonl")
        py, vectors, query_vectors = python_ingest_and_query(docs, queries, args.device, n <= args.python_ingest_max,
                                                             store)
        levels = faiss_search_levels(vectors, query_vectors, args.work)

        lorag_rate = chunks / seconds
        if py["chunks_per_s"]:
            ingest_rows.append(f"| {chunks} | {lorag_rate:.0f} | {py['chunks_per_s']:.0f} | "
                               f"{lorag_rate / py['chunks_per_s']:.2f} |")
        else:
            ingest_rows.append(f"| {chunks} | {lorag_rate:.0f} | - | - |")
        for part in ["embed", "search", "total"]:
            (l50, l99), (p50, p99) = flat[part], py[part]
            query_rows.append(f"| {chunks} | {part} | {l50:.2f} | {l99:.2f} | {p50:.2f} | {p99:.2f} | "
                              f"{l50 / p50:.2f} | {l99 / p99:.2f} |")
        hnsw_rows.append(f"| {chunks} | {build_s:.1f} | {flat['search'][0]:.2f} | {hnsw['search'][0]:.3f} | "
                         f"{hnsw['search'][1]:.3f} | {recall_at_10(hnsw['ids'], flat['ids']):.3f} |")
        for factory in ["Flat", "HNSW32"]:
            a, g = levels["avx2"][factory], levels["generic"][factory]
            level_rows.append(f"| {chunks} | {factory} | {a[0]:.3f} | {a[1]:.3f} | {g[0]:.3f} | {g[1]:.3f} | "
                              f"{g[0] / a[0]:.2f} |")
        print(f"[bench_rag] {n} chunks done", file=sys.stderr)

    print("## Ingest (chunks/s; lorag: `lorag index add` end to end, saved; Python: encode + faiss add in memory)\n")
    print("| chunks | lorag | Python | ratio |\n| --- | --- | --- | --- |")
    print("\n".join(ingest_rows))
    print("\n## Query latency, Flat index, one question at a time (ms)\n")
    print("| chunks | part | lorag p50 | lorag p99 | Python p50 | Python p99 | ratio p50 | ratio p99 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(query_rows))
    print("\n## lorag with HNSW32 (efSearch 128): search latency and recall@10 against Flat\n")
    print("| chunks | reindex s | Flat search p50 ms | HNSW search p50 ms | HNSW search p99 ms | recall@10 |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(hnsw_rows))
    print("\n## What AVX2 is worth: faiss-cpu search alone, AVX2 against generic kernels (ms)\n")
    print("| chunks | index | AVX2 p50 | AVX2 p99 | generic p50 | generic p99 | generic / AVX2 p50 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(level_rows))


if __name__ == "__main__":
    main()
