#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds and runs a libFuzzer target for one of lorag's file readers, with
# AddressSanitizer and UBSan. Not part of the CTest suite.
#
# usage: scripts/fuzz.sh [gguf|safetensors|json|tokenizer|all] [SECONDS] [extra libFuzzer flags...]
#   The target defaults to gguf, SECONDS to 60 (per target; `all` runs the four
#   one after the other and stops at the first crash). Crashing inputs land in
#   build-fuzz/ (crash-*). The corpus (build-fuzz/<target>_corpus) is seeded from
#   small fixture files under build*/fixtures when those exist.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=gguf
case "${1:-}" in gguf|safetensors|json|tokenizer|all) TARGET=$1; shift ;; esac
SECONDS_TO_RUN=${1:-60}
shift || true
if [[ "$TARGET" == all ]]; then
  for t in gguf safetensors json tokenizer; do "$0" "$t" "$SECONDS_TO_RUN" "$@"; done
  exit 0
fi
OUT=build-fuzz
CORPUS="$OUT/${TARGET}_corpus"
mkdir -p "$CORPUS"

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found; install it with: apt-get install clang" >&2
  exit 1
fi

COMMON=(model/formats/mapped_file.cpp model/core/atomic_file.cpp model/core/json_limits.cpp)
LIBS=()
case "$TARGET" in
  gguf)
    SOURCES=(tests/fuzz/gguf_fuzz.cpp
      model/formats/gguf_cursor.cpp model/formats/gguf_dequant.cpp model/formats/gguf_dequant_k.cpp
      model/formats/gguf_dequant_legacy.cpp model/formats/gguf_file.cpp model/formats/gguf_metadata.cpp
      model/formats/gguf_quantize.cpp model/formats/gguf_type.cpp model/formats/gguf_value.cpp
      model/formats/gguf_writer.cpp)
    SEEDS=(build*/fixtures/gguf/*.gguf)
    ;;
  safetensors)
    SOURCES=(tests/fuzz/safetensors_fuzz.cpp model/formats/safetensors_file.cpp)
    SEEDS=(build*/fixtures/peft/*/adapter_model.safetensors build*/fixtures/models/llama/model.safetensors)
    ;;
  json)
    SOURCES=(tests/fuzz/json_fuzz.cpp model/config.cpp model/config_validate.cpp model/core/log.cpp
      model/text/utf8.cpp model/text/chat_template.cpp model/text/chat_template_render.cpp model/text/json_field.cpp
      eval/question.cpp infer/prompt_records.cpp data/record_reader.cpp)
    SEEDS=(build*/fixtures/models/*/config.json build*/fixtures/train/*.jsonl data/examples/*.jsonl)
    LIBS=(-lpcre2-8)
    ;;
  tokenizer)
    SOURCES=(tests/fuzz/tokenizer_fuzz.cpp model/text/*.cpp model/core/log.cpp model/core/progress.cpp)
    SEEDS=(build*/fixtures/models/chat_bpe/tokenizer.json build*/fixtures/tokenizers/*/tokenizer.json)
    LIBS=(-lsentencepiece -lpcre2-8)
    ;;
esac
echo "fuzz.sh: building $OUT/${TARGET}_fuzz" >&2
clang++ -std=c++20 -O1 -g -I. -I/usr/include -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  "${SOURCES[@]}" "${COMMON[@]}" "${LIBS[@]}" -o "$OUT/${TARGET}_fuzz"

# Seeds: small fixture files (large ones only slow the fuzzer down).
n=0
for f in "${SEEDS[@]}"; do
  [[ -f "$f" && $(stat -c %s "$f") -le 262144 ]] && cp "$f" "$CORPUS/seed_$((n++))" || true
done

echo "fuzz.sh: fuzzing $TARGET for ${SECONDS_TO_RUN}s" >&2
ASAN_OPTIONS=allocator_may_return_null=0:detect_leaks=1 \
  "$OUT/${TARGET}_fuzz" "$CORPUS" -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 \
  -max_len=262144 -artifact_prefix="$OUT/" "$@"
