// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the safetensors reader (tests/fuzz, not part of the CTest
// suite; built and run by scripts/fuzz.sh safetensors). Any input may be rejected
// with FormatError; anything else (a crash, a sanitizer report, another
// exception, a tensor whose bytes leave the input) is a bug.
#include <cstddef>
#include <cstdint>
#include <span>

#include "model/core/error.h"
#include "model/formats/safetensors_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using lorag::model::formats::SafetensorsFile;
  try {
    const auto file = SafetensorsFile::parse(std::span(data, size), "fuzz.safetensors");
    for (const auto& [name, entry] : file->tensors()) {
      // The reader promises: bytes inside the input, exactly numel * dtype size of them.
      if (entry.data.data() < data || entry.data.data() + entry.data.size() > data + size) __builtin_trap();
      std::int64_t numel = 1;
      for (std::int64_t d : entry.shape) numel *= d;
      const std::int64_t bytes = numel * lorag::model::formats::safetensors_dtype_size(entry.dtype);
      if (bytes != static_cast<std::int64_t>(entry.data.size())) __builtin_trap();
      volatile std::uint8_t sink = 0;
      for (std::uint8_t b : entry.data) sink ^= b;  // every byte readable
      (void)sink;
    }
    for (const auto& [key, value] : file->metadata()) (void)file->contains(key + value);
  } catch (const lorag::FormatError&) {
    // Expected for malformed input.
  }
  return 0;
}
