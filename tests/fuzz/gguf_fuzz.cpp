// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the GGUF reader (tests/fuzz, not part of the CTest suite;
// built and run by scripts/fuzz.sh). Any input may be rejected with FormatError;
// anything else (a crash, a sanitizer report, another exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/core/error.h"
#include "model/formats/gguf_dequant.h"
#include "model/formats/gguf_file.h"
#include "model/formats/gguf_writer.h"

namespace {
using namespace lorag::model::formats;

// Calls every getter on every key: conversions must throw FormatError or succeed.
void touch_metadata(const GgufMetadata& meta) {
  for (const auto& entry : meta.entries()) {
    const std::string& key = entry.first;
    auto attempt = [](auto&& fn) {
      try {
        fn();
      } catch (const lorag::FormatError&) {
      }
    };
    attempt([&] { meta.get_string(key); });
    attempt([&] { meta.get_u32(key); });
    attempt([&] { meta.get_i64(key); });
    attempt([&] { meta.get_f32(key); });
    attempt([&] { meta.get_bool(key); });
    attempt([&] { meta.get_string_array(key); });
    attempt([&] { meta.get_f32_array(key); });
    attempt([&] { meta.get_i32_array(key); });
  }
}

// Writes the parsed file back out and parses the result: the writer must accept
// everything the reader accepted, and the reader must accept the writer's output.
void round_trip(const GgufFile& file) {
  GgufWriter writer(static_cast<std::uint32_t>(file.alignment()));
  for (const auto& [key, value] : file.metadata().entries()) writer.set(key, value);
  for (const GgufTensorInfo& t : file.tensors()) {
    writer.add_tensor(t.name, t.dims, t.type, {t.data.begin(), t.data.end()});
  }
  const std::string bytes = writer.serialize();
  const GgufFile again = GgufFile::parse(
      std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), "round-trip.gguf");
  if (again.tensors().size() != file.tensors().size() || again.metadata().size() != file.metadata().size()) {
    __builtin_trap();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const GgufFile file = GgufFile::parse(std::span(data, size), "fuzz.gguf");
    touch_metadata(file.metadata());
    for (const GgufTensorInfo& t : file.tensors()) {
      // Bounded so a 0-byte tensor with a huge element count cannot exhaust memory.
      if (can_dequantize(t.type) && t.n_elements <= (1 << 20)) dequantize_tensor(t, 1);
    }
    round_trip(file);
  } catch (const lorag::FormatError&) {
    // Expected for malformed input.
  }
  return 0;
}
