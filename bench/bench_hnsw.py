#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""HNSW search latency: lorag's store search (`lorag bench retrieve`, search part)
against Python faiss-cpu searching **the same index file** with the same query
vectors, one query at a time, in the same run; optionally a second lorag binary
(e.g. one built before a change) on the same store, run back to back.

Caches matter as much as code here: `lorag bench retrieve` embeds each query
right before searching it, and the embedder's forward pass evicts the graph and
the vectors from the caches. faiss-cpu is therefore timed both ways: queries
back to back (warm caches, as bench_rag.py's faiss-only table) and each right
after sentence-transformers embeds it (as lorag's figure).

The store is bench_rag.py's HNSW32 store (runs/bench_rag/store_10000_hnsw). The
query vectors are the queries embedded by sentence-transformers (normalised), as
bench_rag.py embeds them, unless --query-vectors gives them as a .npy file.

usage: bench_hnsw.py --store DIR --queries FILE [--query-vectors NPY]
                     [--baseline-bin LORAG] [--rounds 2]
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("LORAG_BIN", str(ROOT / "build/cli/lorag"))
EMBEDDER = ROOT / "models" / "all-MiniLM-L6-v2"

FAISS_SEARCH = r"""
import sys, time, json, numpy as np, faiss
index = faiss.read_index(sys.argv[1])
faiss.downcast_index(index.index).hnsw.efSearch = 128   # as lorag's store sets it
queries = np.load(sys.argv[2]).astype("float32")
index.search(queries[:5], 10)
embed = lambda i: None
if len(sys.argv) > 3:  # embed each query's text first, untimed, as lorag bench retrieve does
    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(sys.argv[3], device="cpu")
    texts = [line for line in open(sys.argv[4]).read().splitlines() if line.strip()]
    embed = lambda i: model.encode([texts[i]], normalize_embeddings=True)
ms = []
for i, q in enumerate(queries):
    embed(i)
    t0 = time.perf_counter(); index.search(q[None, :], 10); ms.append((time.perf_counter() - t0) * 1e3)
ms.sort()
print(json.dumps({"p50": ms[len(ms) // 2], "p99": ms[min(len(ms) - 1, int(round(0.99 * len(ms))) - 1)],
                  "version": faiss.__version__}))
"""


def lorag_search_ms(binary, store, queries):
    """(p50, p99) of the search part of `lorag bench retrieve`, in ms."""
    p = subprocess.run([binary, "bench", "retrieve", "--store", store, "--queries", queries, "--top-k", "10"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{binary} bench retrieve failed:\n{p.stderr[-3000:]}")
    header, row = [line for line in p.stdout.splitlines() if line.startswith("|") and "---" not in line][-2:]
    cells = dict(zip([c.strip() for c in header.split("|")], [c.strip() for c in row.split("|")]))
    return float(cells["search p50 ms"]), float(cells["search p99 ms"])


def faiss_search_ms(index_file, vectors, threads, after_embedding_queries=None):
    env = {**os.environ}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    extra = [EMBEDDER, after_embedding_queries] if after_embedding_queries else []
    p = subprocess.run([sys.executable, "-c", FAISS_SEARCH, index_file, vectors, *extra], capture_output=True,
                       text=True, env=env, check=True)
    return json.loads(p.stdout)


def embed_queries(queries, out):
    import numpy as np
    from sentence_transformers import SentenceTransformer
    lines = [line for line in Path(queries).read_text().splitlines() if line.strip()]
    texts = [json.loads(line)["question"] if line.startswith("{") else line for line in lines]
    model = SentenceTransformer(str(EMBEDDER), device="cpu")
    np.save(out, model.encode(texts, normalize_embeddings=True, convert_to_numpy=True))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--queries", type=Path, required=True, help="one query per line, as bench_rag.py writes them")
    ap.add_argument("--query-vectors", type=Path, help=".npy of the queries' embeddings; default: embed them")
    ap.add_argument("--baseline-bin", help="another lorag binary to measure on the same store")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    manifest = json.loads((args.store / "manifest.json").read_text())
    index_file = args.store / manifest["index_file"]
    vectors = args.query_vectors
    if vectors is None:
        vectors = args.store.parent / "hnsw_query_vectors.npy"
        embed_queries(args.queries, vectors)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"# bench_hnsw.py: {manifest['chunks']} chunks, {manifest['index_factory']} (efSearch 128), top-10, "
          f"commit {commit}, {os.cpu_count()} cores\n")
    print("Search of one query, ms. lorag and the baseline: `lorag bench retrieve` (each query embedded "
          "first); faiss-cpu: warm = queries back to back, after embedding = each right after "
          "sentence-transformers embeds it.\n")
    print("| round | lorag p50 | lorag p99 | baseline p50 | baseline p99 | faiss-cpu warm p50 (1 thread) "
          "| faiss-cpu warm p50 | faiss-cpu after embedding p50 (1 thread) | p99 "
          "| lorag / faiss-cpu after embedding, p50 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in range(args.rounds):
        base = lorag_search_ms(args.baseline_bin, args.store, args.queries) if args.baseline_bin else None
        ours = lorag_search_ms(BIN, args.store, args.queries)
        one = faiss_search_ms(index_file, vectors, 1)
        warm = faiss_search_ms(index_file, vectors, None)
        # One OpenMP thread: on a busy machine faiss-cpu's per-query parallel region
        # waits for a second thread to be scheduled (tens of ms); its best case.
        cold = faiss_search_ms(index_file, vectors, 1, args.queries)
        b = f"{base[0]:.3f} | {base[1]:.3f}" if base else "- | -"
        print(f"| {r + 1} | {ours[0]:.3f} | {ours[1]:.3f} | {b} | {one['p50']:.3f} | {warm['p50']:.3f} | "
              f"{cold['p50']:.3f} | {cold['p99']:.3f} | {ours[0] / cold['p50']:.2f} |", flush=True)
    print(f"\nfaiss-cpu {one['version']}.")


if __name__ == "__main__":
    main()
