#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job, offline, on the bundled SmolLM2-135M-Instruct and all-MiniLM-L6-v2:
# for the example organisation in data/examples/, should you fine-tune, retrieve,
# or both? Sets up if needed, builds a document store from the knowledge base,
# fine-tunes a LoRA adapter on its Q&A pairs, then compares base, RAG, fine-tuned
# and hybrid answers on held-out questions and prints the summary table.
#
# usage: scripts/demo.sh [--quick] [--out DIR]
#   --quick: fewer pairs and questions, under 3 minutes on 2 cores
#   --out:   where everything lands (default runs/demo or runs/demo-quick); steps
#            already done there are skipped (delete the folder to redo)
# LORAG_SKIP_SETUP=1 skips the set-up check (the tests run the demo from a built tree).
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
RUN=""
while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) RUN="${2:?--out needs a folder}"; shift ;;
    *) echo "usage: scripts/demo.sh [--quick] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
# The demo needs only the binary; scripts/test.sh builds the rest.
[[ "${LORAG_SKIP_SETUP:-0}" == 1 ]] || LORAG_BUILD_TARGETS=lorag bash scripts/setup.sh
LORAG=${LORAG_BIN:-${LORAG_BUILD_DIR:-build}/cli/lorag}
EX=data/examples
if ((QUICK)); then
  RUN=${RUN:-runs/demo-quick}; SFT=$EX/sft_quick.jsonl; QUESTIONS=$EX/questions_quick.jsonl; EPOCHS=2
else
  RUN=${RUN:-runs/demo}; SFT=$EX/sft.jsonl; QUESTIONS=$EX/questions.jsonl; EPOCHS=3
fi
mkdir -p "$RUN"
say() { echo "[demo] $*" >&2; }
START=$SECONDS

if [[ ! -f "$RUN/store/manifest.json" ]]; then
  say "1/3 indexing the knowledge base: $LORAG index add --store $RUN/store $EX/kb.jsonl"
  "$LORAG" index add --store "$RUN/store" "$EX/kb.jsonl"
else
  say "1/3 store $RUN/store exists; skipping"
fi

if [[ ! -f "$RUN/adapter/adapter_model.safetensors" ]]; then
  say "2/3 fine-tuning a LoRA adapter: $LORAG train --data $SFT --out $RUN/adapter"
  "$LORAG" train --data "$SFT" --out "$RUN/adapter" --epochs "$EPOCHS" --lr 1e-3 --rank 16 --alpha 32 \
    --batch-size 8 --max-seq-len 256 --eval-fraction 0.1 --seed 42
else
  say "2/3 adapter $RUN/adapter exists; skipping"
fi

say "3/3 comparing base, rag, finetuned and hybrid: $LORAG compare ... --out $RUN/report"
"$LORAG" compare --adapter "$RUN/adapter" --store "$RUN/store" --questions "$QUESTIONS" --out "$RUN/report"
say "done in $((SECONDS - START)) s; report: $RUN/report/report.html (and report.md, results.jsonl)"
