#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds and runs the GGUF reader's libFuzzer target (tests/fuzz/gguf_fuzz.cpp)
# with AddressSanitizer and UBSan. Not part of the CTest suite.
#
# usage: scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
#   SECONDS defaults to 60. Crashing inputs land in build-fuzz/ (crash-*).
#   The corpus (build-fuzz/gguf_corpus) is seeded from build*/fixtures/gguf
#   when those exist and from a few files the writer tests would produce.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
shift || true
OUT=build-fuzz
mkdir -p "$OUT/gguf_corpus"

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found; install it with: apt-get install clang" >&2
  exit 1
fi

SOURCES=(
  tests/fuzz/gguf_fuzz.cpp
  model/formats/gguf_cursor.cpp model/formats/gguf_dequant.cpp model/formats/gguf_dequant_k.cpp
  model/formats/gguf_dequant_legacy.cpp model/formats/gguf_file.cpp model/formats/gguf_metadata.cpp
  model/formats/gguf_quantize.cpp model/formats/gguf_type.cpp model/formats/gguf_value.cpp
  model/formats/gguf_writer.cpp model/formats/mapped_file.cpp model/core/atomic_file.cpp
)
echo "fuzz.sh: building $OUT/gguf_fuzz" >&2
clang++ -std=c++20 -O1 -g -I. -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  "${SOURCES[@]}" -o "$OUT/gguf_fuzz"

# Seeds: small fixture files (large ones only slow the fuzzer down).
for f in build*/fixtures/gguf/*.gguf; do
  [[ -f "$f" && $(stat -c %s "$f") -le 65536 ]] && cp -n "$f" "$OUT/gguf_corpus/" || true
done

echo "fuzz.sh: fuzzing for ${SECONDS_TO_RUN}s" >&2
ASAN_OPTIONS=allocator_may_return_null=0:detect_leaks=1 \
  "$OUT/gguf_fuzz" "$OUT/gguf_corpus" -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 \
  -max_len=65536 -artifact_prefix="$OUT/" "$@"
