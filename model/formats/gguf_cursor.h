// SPDX-License-Identifier: Apache-2.0
// A bounds-checked little-endian reader over a GGUF file's bytes (model/formats,
// internal to GgufFile and its fuzzer).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model/formats/gguf_value.h"

namespace lorag::model::formats {

// Reads GGUF primitives from `bytes` starting at offset 0. Every read checks the
// remaining length first and throws FormatError "<name>: truncated at offset N
// reading <what> ..." instead of reading past the end. Not thread-safe.
class GgufCursor {
 public:
  GgufCursor(std::span<const std::uint8_t> bytes, std::string_view name) : bytes_(bytes), name_(name) {}

  std::uint64_t offset() const { return offset_; }
  std::uint64_t remaining() const { return bytes_.size() - offset_; }
  std::uint64_t size() const { return bytes_.size(); }

  std::uint8_t read_u8(std::string_view what);
  std::uint16_t read_u16(std::string_view what);
  std::uint32_t read_u32(std::string_view what);
  std::uint64_t read_u64(std::string_view what);
  // A GGUF string: uint64 length then that many bytes (not NUL-terminated).
  std::string read_string(std::string_view what);
  // One metadata value of `type` (arrays included); `key` names it in messages.
  GgufValue read_value(GgufValueType type, std::string_view key);

  // Throws FormatError "<name>: <what> count N needs at least B bytes but only R remain"
  // unless `count` items of at least `min_item_size` bytes each can fit.
  void check_count(std::uint64_t count, std::uint64_t min_item_size, std::string_view what) const;

 private:
  const std::uint8_t* take(std::uint64_t n, std::string_view what);
  GgufValue read_array(std::string_view key);

  std::span<const std::uint8_t> bytes_;
  std::string_view name_;
  std::uint64_t offset_ = 0;
};

}  // namespace lorag::model::formats
