# SPDX-License-Identifier: Apache-2.0
"""Running the lorag binary from the CLI tests (paths come from ctest's environment)."""
import os
import subprocess
from pathlib import Path

BIN = os.environ.get("LORAG_BIN", "build/cli/lorag")
FIXTURES = Path(os.environ.get("LORAG_FIXTURES", "build/fixtures"))


def lorag(*args, stdin=None, env=None):
    """Runs `lorag ARGS...`; returns (exit code, stdout, stderr)."""
    full_env = {**os.environ, **(env or {})}
    p = subprocess.run([BIN, *map(str, args)], input=stdin, capture_output=True, text=True, timeout=300,
                       env=full_env)
    return p.returncode, p.stdout, p.stderr
