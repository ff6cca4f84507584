#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Data-parallel LoRA training benchmark: `lorag train` in one process against
N processes under torchrun (Gloo on CPU, NCCL on CUDA) with the same global
batch. Prints a markdown table: tokens/s in total and per process (median over
steps after the first, from metrics.csv), the time in collectives per step
(gradient all-reduce included, from the run's summary line) and the scaling.
On CPU each process gets cores/N OpenMP threads.

usage: bench_train_dist.py [--model DIR] [--device cpu|cuda] [--procs 1,2] [--steps N]
                           [--global-batch N] [--rank N] [--seq-tokens N]
"""
import argparse
import csv
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_train import BIN, ROOT, write_data  # noqa: E402

TORCHRUN = Path(sys.executable).parent / "torchrun"


def run(n, args, data, out):
    flags = ["train", "--model", args.model, "--data", data, "--out", out, "--device", args.device,
             "--rank", args.rank, "--alpha", 2 * args.rank, "--batch-size", args.global_batch // n,
             "--max-steps", args.steps, "--train-on-prompt", "--warmup-steps", 0]
    env = dict(os.environ)
    if args.device == "cpu":
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // n))
    cmd = [BIN, *flags] if n == 1 else [TORCHRUN, "--nproc-per-node", n, "--no-python", BIN, *flags]
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr[-3000:]}")
    with open(out / "metrics.csv") as f:
        rates = [float(r["tokens_per_s"]) for r in csv.DictReader(f)]
    m = re.search(r"collectives ([0-9.e+-]+) ms per step", p.stderr)
    return statistics.median(rates[1:] or rates), float(m.group(1)) if m else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / "models/SmolLM2-135M-Instruct"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--procs", default="1,2")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--global-batch", type=int, default=4)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--seq-tokens", type=int, default=96)
    args = ap.parse_args()
    procs = [int(p) for p in args.procs.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "data.jsonl"
        write_data(data, args.steps * args.global_batch, args.seq_tokens)
        for n in procs:
            rows.append((n, *run(n, args, data, tmp / f"run{n}")))
    print(f"Data-parallel LoRA training, {Path(args.model).name}, {args.device} fp32, r={args.rank} all-linear, "
          f"global batch {args.global_batch}, {args.steps} steps, {os.cpu_count()} cores, {platform.machine()}\n")
    print("| processes | total tokens/s | per process | collectives ms/step | scaling |\n|---|---|---|---|---|")
    base = rows[0][1]
    for n, rate, coll in rows:
        print(f"| {n} | {rate:.1f} | {rate / n:.1f} | {coll:.2f} | {rate / base:.2f}x |")


if __name__ == "__main__":
    main()
