#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the test fixtures: tiny models in the real formats (random weights),
tiny tokenizers, and reference outputs from transformers/sentencepiece/gguf.

Each module in scripts/fixtures/ has `make(out_dir: Path)` and writes into its
own sub-folder. A module is re-run only when its source (or this file) changed,
so repeated ctest runs cost nothing.

usage: make_fixtures.py OUT_DIR [--only NAME] [--force]
"""
import argparse
import hashlib
import importlib
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def digest(*paths):
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--only")
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    modules = sorted(p.stem for p in (HERE / "fixtures").glob("*.py") if not p.stem.startswith("_"))
    # Shared helpers, and models.py (other modules build on its tiny models),
    # count towards every module's digest.
    shared = sorted((HERE / "fixtures").glob("_*.py")) + [HERE / "fixtures" / "models.py"]
    for name in modules:
        if args.only and name != args.only:
            continue
        src = HERE / "fixtures" / f"{name}.py"
        stamp = out / f".{name}.stamp"
        want = digest(__file__, src, *shared)
        if not args.force and stamp.exists() and stamp.read_text() == want:
            print(f"[fixtures] {name}: up to date", file=sys.stderr)
            continue
        print(f"[fixtures] {name}: writing", file=sys.stderr)
        importlib.import_module(f"fixtures.{name}").make(out)
        stamp.write_text(want)
    return 0


if __name__ == "__main__":
    sys.exit(main())
