// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the tokenizer.json reader (tests/fuzz, built and run by
// scripts/fuzz.sh tokenizer): the input is written as a model folder's
// tokenizer.json, loaded, and — when it loads — used to encode and decode a few
// strings. Any input may be rejected with a lorag::Error; a crash, a hang, a
// sanitizer report or another exception is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/core/error.h"
#include "model/text/tokenizer.h"

namespace {
const std::filesystem::path& scratch_dir() {
  static const auto dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("lorag_tok_fuzz_" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(scratch_dir() / "tokenizer.json", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const auto tokenizer = lorag::model::text::load_tokenizer(scratch_dir());
    for (const char* s : {"Hello, world!", " ünïcödé ✓\n\ttabs", "<s>[INST] hi [/INST]", ""}) {
      const auto ids = tokenizer->encode(s, true);
      (void)tokenizer->decode(ids, false);
    }
  } catch (const lorag::Error&) {
    // Expected for malformed input.
  }
  return 0;
}
