#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Ingest throughput against document size (issue 18): one large text file against
the same text cut into many small files, both through `lorag index add` with the
default embedder, run in turns so machine load falls on both alike.

A large document should ingest at the chunks/s of many small ones: the store
chunks, normalises and tokenizes in time linear in the text, and the encoder's cost
is per token. The small files are cut at paragraph ends into ~1 KB pieces, so their
chunks are shorter on average (a file's last chunk is partial); the table gives
KB/s too: both forms hold the same text, so KB/s compares the work itself.

usage: bench_ingest_size.py [--mb 1 5] [--rounds 2] [--work DIR]
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("LORAG_BIN", str(ROOT / "build/cli/lorag"))
EMBEDDER = ROOT / "models" / "all-MiniLM-L6-v2"
WORDS = ("policy leave travel expense approval manager request employee contract holiday budget report "
         "security access badge office remote training review salary benefit pension insurance claim "
         "deadline project client invoice payment supplier audit compliance record archive").split()


def paragraphs(total_bytes, seed=0):
    rng = random.Random(seed)
    out, size, n = [], 0, 0
    while size < total_bytes:
        n += 1
        text = f"## Section {n}\n\n" + " ".join(
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."
            for _ in range(rng.randint(4, 9)))
        out.append(text)
        size += len(text) + 2
    return out


def write_inputs(work, mb):
    paras = paragraphs(int(mb * 1e6))
    big = work / f"big_{mb}mb"
    small = work / f"small_{mb}mb"
    for d in (big, small):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    (big / "handbook.md").write_text("\n\n".join(paras) + "\n")
    piece, n = [], 0
    for p in paras:
        piece.append(p)
        if sum(len(x) for x in piece) >= 1000:
            (small / f"part{n:06d}.md").write_text("\n\n".join(piece) + "\n")
            piece, n = [], n + 1
    if piece:
        (small / f"part{n:06d}.md").write_text("\n\n".join(piece) + "\n")
    return big, small


def ingest(src, store):
    shutil.rmtree(store, ignore_errors=True)
    files = sorted(str(p) for p in src.iterdir())
    t0 = time.perf_counter()
    subprocess.run([BIN, "index", "add", "--store", str(store), "--embedder", str(EMBEDDER), *files],
                   check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    stats = json.loads(subprocess.run([BIN, "index", "stats", "--store", str(store)], check=True,
                                      capture_output=True, text=True).stdout)
    return stats, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, nargs="+", default=[1.0, 5.0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--work", type=Path, default=ROOT / "runs" / "bench_ingest_size")
    args = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    print(f"# bench_ingest_size.py, {time.strftime('%Y-%m-%d')}, commit {commit}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}, {args.rounds} rounds (median)\n")
    print("| text | form | files | chunks | seconds | chunks/s | KB/s | one file / small files, chunks/s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for mb in args.mb:
        big, small = write_inputs(args.work, mb)
        runs = {"one file": [], "small files": []}
        for _ in range(args.rounds):
            for form, src in (("one file", big), ("small files", small)):
                runs[form].append(ingest(src, args.work / "store"))
        rates = {}
        for form, src in (("one file", big), ("small files", small)):
            stats = runs[form][-1][0]
            seconds = statistics.median(s for _, s in runs[form])
            chunks = stats["chunks"]
            kb = sum(p.stat().st_size for p in src.iterdir()) / 1e3
            rates[form] = chunks / seconds
            ratio = f"{rates['one file'] / rates['small files']:.2f}" if form == "small files" else ""
            print(f"| {mb:g} MB | {form} | {len(list(src.iterdir()))} | {chunks} | {seconds:.1f} | "
                  f"{chunks / seconds:.1f} | {kb / seconds:.1f} | {ratio} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
