# SPDX-License-Identifier: Apache-2.0
"""Running the lorag binary from the CLI tests (paths come from ctest's environment)."""
import os
import subprocess
from pathlib import Path

BIN = os.environ.get("LORAG_BIN", "build/cli/lorag")
FIXTURES = Path(os.environ.get("LORAG_FIXTURES", "build/fixtures"))
# Commands with the model options, whose `--dtype auto` is bf16 on CPUs with native bf16.
MODEL_COMMANDS = {"generate", "chat", "ask", "compare", "bench", "info", "train", "serve"}


def pin_fp32(args):
    """ARGS with `--dtype fp32` added to a model command that does not choose a dtype, so
    the tests compare fp32 runs with their fp32 references on every CPU."""
    args = [str(a) for a in args]
    if args and args[0] in MODEL_COMMANDS and args[1:2] != ["retrieve"] and not any(a == "--dtype" or a.startswith("--dtype=") for a in args):
        args += ["--dtype", "fp32"]
    return args


def lorag(*args, stdin=None, env=None):
    """Runs `lorag ARGS...`; returns (exit code, stdout, stderr)."""
    full_env = {**os.environ, **(env or {})}
    p = subprocess.run([BIN, *pin_fp32(args)], input=stdin, capture_output=True, text=True, timeout=300,
                       env=full_env)
    return p.returncode, p.stdout, p.stderr
