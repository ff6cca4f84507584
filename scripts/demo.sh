#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the bundled default model (SmolLM2-135M-Instruct), offline:
# sets up if needed, then asks the model a question and streams the answer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PROMPT="${*:-What are three good habits for keeping sensitive data safe at work?}"
echo "[demo] lorag info" >&2
build/cli/lorag info >&2
echo "[demo] lorag generate --prompt \"$PROMPT\"" >&2
build/cli/lorag generate --prompt "$PROMPT" --max-new-tokens 160
