#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Several x rows through the quantized kernels: continuous-batching decode and short
prefills on a GGUF kept quantized, for one or more lorag binaries side by side (e.g.
a build before and after a kernel change). Prints markdown tables for bench/RESULTS.md:

- `lorag bench engine --concurrency 1 4 16 --preamble-tokens 0`: aggregate output
  tok/s (each decode step runs the matrices on as many rows as streams);
- `lorag bench generate --prompt-tokens P` for each P: prefill tok/s (P rows per
  matrix product) and batch-1 decode tok/s;

with each binary's figure as a ratio to the first binary's, measured in turns in the
same run (--rounds, best round per binary). The environment is passed through (OMP_NUM_THREADS, ...).

usage: bench_quant_rows.py [--bin LABEL=PATH ...] [--model FILE.gguf] [--dtype auto]
                           [--concurrency 1 4 16] [--prompt-tokens 16 32 64 128] [--repeats 3] [--rounds 2]
"""
import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `lorag bench engine`'s row: | case | concurrent | tok/s | ...
ENGINE_ROW = re.compile(r"^\| (\S+) \| (\d+) \| ([\d.]+) \|", re.M)
# `lorag bench generate`'s row: prompt, new, batch, prefill and decode as "median (min-max)".
GENERATE_ROW = re.compile(r"\| (\d+) \| (\d+) \| (\d+) \| ([\d.]+) \([^)]*\) \| ([\d.]+) \([^)]*\) \| (\d+) \|")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run(cmd):
    log("$ " + " ".join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p.stdout


def engine(binary, args):
    out = run([binary, "bench", "engine", "--model", args.model, "--device", "cpu", "--dtype", args.dtype,
               "--quantized", "keep", "--preamble-tokens", "0", "--prompt-tokens", str(args.engine_prompt_tokens),
               "--new-tokens", str(args.new_tokens), "--concurrency", *map(str, args.concurrency)])
    rates = {}
    for case, conc, tps in ENGINE_ROW.findall(out):
        if case == "base":
            rates[int(conc)] = float(tps)
    if set(rates) != set(args.concurrency):
        sys.exit(f"could not read lorag bench engine output:\n{out}")
    return rates


def generate(binary, args, prompt_tokens):
    out = run([binary, "bench", "generate", "--model", args.model, "--device", "cpu", "--dtype", args.dtype,
               "--quantized", "keep", "--prompt-tokens", str(prompt_tokens), "--new-tokens", str(args.new_tokens),
               "--batch", "1", "--repeats", str(args.repeats)])
    m = GENERATE_ROW.search(out)
    if not m:
        sys.exit(f"could not read lorag bench generate output:\n{out}")
    return float(m.group(4)), float(m.group(5))


def cell(value, first):
    return f"{value:.1f}" if first is None else f"{value:.1f} ({value / first:.2f}x)"



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", action="append", default=[], help="LABEL=PATH, repeated (default: this build)")
    ap.add_argument("--model", default=str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--engine-prompt-tokens", type=int, default=32)
    ap.add_argument("--prompt-tokens", type=int, nargs="+", default=[16, 32, 64, 128])
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2, help="binaries measured in turns; best round per binary")
    ap.add_argument("--skip-engine", action="store_true")
    ap.add_argument("--skip-generate", action="store_true")
    args = ap.parse_args()
    bins = [b.split("=", 1) for b in args.bin] or [["lorag", str(ROOT / "build/cli/lorag")]]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    print(f"### Several rows through the quantized kernels: {Path(args.model).name}, cpu "
          f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores)\n")
    print(f"{datetime.date.today()}, commit {commit}, --dtype {args.dtype} --quantized keep, OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS', 'unset')}, load average {os.getloadavg()[0]:.1f} at start; "
          f"binaries: " + ", ".join(f"{label} = `{path}`" for label, path in bins) + "\n")
    if not args.skip_engine:
        print(f"`bench engine --preamble-tokens 0 --prompt-tokens {args.engine_prompt_tokens} --new-tokens "
              f"{args.new_tokens}`, aggregate output tok/s (ratio to {bins[0][0]}):\n")
        print("| binary | " + " | ".join(f"{c} streams" for c in args.concurrency) + " |")
        print("| --- |" + " --- |" * len(args.concurrency))
        best = {label: {} for label, _ in bins}
        for _ in range(args.rounds):  # in turns, so that a change of load hits every binary
            for label, path in bins:
                for c, r in engine(path, args).items():
                    best[label][c] = max(best[label].get(c, 0.0), r)
        first = best[bins[0][0]]
        for i, (label, _) in enumerate(bins):
            print(f"| {label} | " + " | ".join(cell(best[label][c], first[c] if i else None)
                                               for c in args.concurrency) + " |", flush=True)
        print()
    if not args.skip_generate:
        print(f"`bench generate --batch 1 --new-tokens {args.new_tokens} --repeats {args.repeats}`, prefill tok/s "
              f"by prompt length, and decode tok/s (ratio to {bins[0][0]}):\n")
        print("| binary | " + " | ".join(f"prefill {p}" for p in args.prompt_tokens) + " | decode |")
        print("| --- |" + " --- |" * (len(args.prompt_tokens) + 1))
        best = {label: [0.0] * (len(args.prompt_tokens) + 1) for label, _ in bins}
        for _ in range(args.rounds):
            for label, path in bins:
                got = [generate(path, args, p) for p in args.prompt_tokens]
                rates = [g[0] for g in got] + [got[-1][1]]
                best[label] = [max(a, b) for a, b in zip(best[label], rates)]
        first = best[bins[0][0]]
        for i, (label, _) in enumerate(bins):
            print(f"| {label} | " + " | ".join(cell(r, first[k] if i else None) for k, r in enumerate(best[label]))
                  + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
