#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""LoRA training benchmark: `lorag train` against PEFT + transformers on the same
model, data, rank, targets, batch size, device and dtype. Each side runs in its
own process (peak RSS is per process). Prints a markdown table with training
tokens/s (median over steps after the first) and peak memory, and the ratios
lorag / PEFT.

usage: bench_train.py [--model DIR] [--device cpu|cuda] [--dtype fp32|bf16] [--steps N]
                      [--batch-size N] [--rank N] [--seq-tokens N]
"""
import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("LORAG_BIN", str(ROOT / "build/cli/lorag"))


def write_data(path, n_records, words):
    text = ("Private language models keep data on the organisation's own machines and answer from its documents. " * 64).split()
    with open(path, "w") as f:
        for i in range(n_records):
            q = " ".join(text[i % 7: i % 7 + 12])
            a = " ".join(text[(i * 3) % 11: (i * 3) % 11 + words])
            f.write(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}) + "\n")


def peft_worker(args):
    """The PEFT side: the same chat rendering (apply_chat_template), response and
    prompt tokens both in the batch, AdamW on the adapter, one step per batch."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(42)
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    tok = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype).to(args.device)
    model = get_peft_model(model, LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.05,
                                             target_modules="all-linear", task_type="CAUSAL_LM"))
    for n, p in model.named_parameters():
        if "lora_" in n:
            p.data = p.data.float()
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4, weight_decay=0.0)
    records = [json.loads(l) for l in open(args.data)]
    seqs = [tok.apply_chat_template(r["messages"], tokenize=True, return_dict=False) for r in records]
    seqs = [s["input_ids"] if isinstance(s, dict) else s for s in seqs]
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    rates = []
    for step in range(args.steps):
        batch = [seqs[(step * args.batch_size + i) % len(seqs)] for i in range(args.batch_size)]
        T = max(len(s) for s in batch)
        ids = torch.tensor([s + [pad] * (T - len(s)) for s in batch], device=args.device)
        mask = torch.tensor([[1] * len(s) + [0] * (T - len(s)) for s in batch], device=args.device)
        labels = ids.masked_fill(mask == 0, -100)
        t0 = time.perf_counter()
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
        opt.zero_grad()
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        rates.append(int(mask.sum()) / (time.perf_counter() - t0))
    print(json.dumps({"tokens_per_s": statistics.median(rates[1:] or rates)}))


def run_child(cmd, tmp):
    """Runs `cmd`; returns (stdout, peak RSS of that process in MiB) from wait4."""
    with open(tmp / "stdout", "w+") as out, open(tmp / "stderr", "w+") as err:
        p = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(map(str, cmd))}\n{err.read()[-3000:]}")
        return out.read(), usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / "models/SmolLM2-135M-Instruct"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="fp32")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--seq-tokens", type=int, default=96, help="about this many answer words per record")
    ap.add_argument("--peft-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peft_worker:
        return peft_worker(args)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "data.jsonl"
        write_data(data, args.steps * args.batch_size, args.seq_tokens)
        stdout, peft_rss = run_child([sys.executable, __file__, "--peft-worker", "--model", args.model, "--device", args.device,
                             "--dtype", args.dtype, "--steps", str(args.steps), "--batch-size", str(args.batch_size),
                             "--rank", str(args.rank), "--data", str(data)], tmp)
        peft_rate = json.loads(stdout.strip().splitlines()[-1])["tokens_per_s"]
        # lorag: response-only labels by default; --train-on-prompt matches PEFT's labels.
        out = tmp / "run"
        _, lorag_rss = run_child([BIN, "train", "--model", args.model, "--data", data, "--out", out, "--device", args.device,
                   "--dtype", args.dtype, "--rank", args.rank, "--alpha", 2 * args.rank, "--batch-size",
                   args.batch_size, "--max-steps", args.steps, "--train-on-prompt", "--warmup-steps", 0], tmp)
        with open(out / "metrics.csv") as f:
            rates = [float(r["tokens_per_s"]) for r in csv.DictReader(f)]
        lorag_rate = statistics.median(rates[1:] or rates)
    torch_version = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"],
                                   capture_output=True, text=True).stdout.strip()
    print(f"LoRA training, {Path(args.model).name}, {args.device} {args.dtype}, r={args.rank} all-linear, "
          f"batch {args.batch_size}, {args.steps} steps, torch {torch_version}, {platform.machine()}\n")
    print("| | lorag | PEFT+transformers | ratio |\n|---|---|---|---|")
    print(f"| train tokens/s | {lorag_rate:.1f} | {peft_rate:.1f} | {lorag_rate / peft_rate:.2f}x |")
    print(f"| peak RSS MiB | {lorag_rss:.0f} | {peft_rss:.0f} | {lorag_rss / peft_rss:.2f}x |")


if __name__ == "__main__":
    main()
