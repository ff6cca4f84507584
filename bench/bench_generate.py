#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end generation benchmark: lorag against transformers on the same model,
prompt, device and dtype, greedy, the same number of new tokens. Prints a
markdown table (median of --repeats runs) with ratios lorag / transformers.

usage: bench_generate.py [--model DIR|FILE.gguf] [--device cpu|cuda] [--dtype fp32|bf16]
                         [--new-tokens N] [--prompt-tokens N] [--repeats N]
"""
import argparse
import datetime
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("LORAG_BIN", str(ROOT / "build/cli/lorag"))
STATS = re.compile(r"load ([\d.]+) s \| prefill (\d+) tok, ([\d.]+) tok/s \| decode (\d+) tok, ([\d.]+) tok/s")


def make_prompt(n_tokens):
    base = ("Private language models let organisations keep their data on their own machines. "
            "They fine-tune small models and ground answers in their own documents. ")
    return (base * (n_tokens // 20 + 1))[: n_tokens * 5]


def run_lorag(args, prompt):
    # Load time from a plain `lorag generate`; speed and memory from `lorag bench
    # generate`, which warms up first as the transformers side does (on CUDA the
    # first forward also pays for lazy kernel loading and cuBLAS set-up).
    cmd = [BIN, "generate", "--model", args.model, "--device", args.device, "--dtype", args.dtype,
           "--chat-template", "none", "--prompt", prompt, "--max-new-tokens", str(args.new_tokens), "--ignore-eos"]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    load = float(STATS.search(p.stderr).group(1))
    cmd = [BIN, "bench", "generate", "--model", args.model, "--device", args.device, "--dtype", args.dtype,
           "--prompt-tokens", str(args.prompt_tokens), "--new-tokens", str(args.new_tokens),
           "--warmup", "1", "--repeats", "1"]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    row = [c.strip() for c in p.stdout.strip().splitlines()[-1].strip("|").split("|")]
    prefill, decode, peak = (float(row[i].split()[0]) for i in (7, 8, 9))
    if args.device != "cuda":  # on CPU both sides report the process's peak RSS
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"load_s": load, "prefill_tps": prefill, "decode_tps": decode, "peak_mb": peak}


def run_transformers(args, prompt):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[args.dtype]
    sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
    t0 = time.perf_counter()
    # A .gguf file is read by transformers too (dequantized at load, as lorag does).
    path = Path(args.model)
    where, extra = (str(path.parent), {"gguf_file": path.name}) if path.suffix == ".gguf" else (args.model, {})
    tok = AutoTokenizer.from_pretrained(where, **extra)
    model = AutoModelForCausalLM.from_pretrained(where, dtype=dtype, **extra).to(args.device).eval()
    sync()
    load = time.perf_counter() - t0
    ids = tok(prompt, return_tensors="pt").input_ids.to(args.device)
    common = dict(do_sample=False, eos_token_id=None, pad_token_id=0, attention_mask=torch.ones_like(ids))
    with torch.no_grad():
        model.generate(ids, max_new_tokens=4, **common)  # warm-up
        sync(); t0 = time.perf_counter()
        model.generate(ids, max_new_tokens=1, **common)
        sync(); t_prefill = time.perf_counter() - t0
        t0 = time.perf_counter()
        model.generate(ids, max_new_tokens=args.new_tokens, **common)
        sync(); t_all = time.perf_counter() - t0
    if args.device == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"load_s": load, "prefill_tps": ids.shape[1] / t_prefill,
            "decode_tps": (args.new_tokens - 1) / max(t_all - t_prefill, 1e-9), "peak_mb": peak}


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / "models/SmolLM2-135M-Instruct"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="fp32")
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    prompt = make_prompt(args.prompt_tokens)
    lorag_runs = [run_lorag(args, prompt) for _ in range(args.repeats)]
    hf_runs = [run_transformers(args, prompt) for _ in range(args.repeats)]
    import torch
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    device = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor() or platform.machine()
    print(f"### generate: {Path(args.model).name}, {args.device} ({device}, {os.cpu_count()} cores), {args.dtype}\n")
    print(f"{datetime.date.today()}, torch {torch.__version__}, commit {commit}, "
          f"~{args.prompt_tokens}-token prompt, {args.new_tokens} new tokens, batch 1, greedy, "
          f"median of {args.repeats}\n")
    print("| metric | lorag | transformers | lorag / transformers |")
    print("| --- | --- | --- | --- |")
    for key, label in [("load_s", "load (s)"), ("prefill_tps", "prefill (tok/s)"),
                       ("decode_tps", "decode (tok/s)"), ("peak_mb", "peak memory (MiB)")]:
        a, b = median(lorag_runs, key), median(hf_runs, key)
        print(f"| {label} | {a:.2f} | {b:.2f} | {a / b:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
