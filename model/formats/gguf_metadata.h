// SPDX-License-Identifier: Apache-2.0
// The key/value metadata of a GGUF file (model/formats), in file order, with
// typed getters that convert between integer widths and name the key on error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/formats/gguf_value.h"

namespace lorag::model::formats {

// An ordered key -> GgufValue map. `source` (usually the file path) prefixes every
// error message. Getters throw FormatError naming the source and key when the key
// is missing, the stored type does not convert ("... is string, expected uint32"),
// or an integer does not fit the requested width. Read-only use is thread-safe.
class GgufMetadata {
 public:
  using Entry = std::pair<std::string, GgufValue>;

  explicit GgufMetadata(std::string source = "gguf") : source_(std::move(source)) {}

  // Adds `key`, or replaces its value in place when it exists.
  void set(std::string key, GgufValue value);
  bool has(std::string_view key) const { return index_.find(key) != index_.end(); }
  // nullptr when `key` is absent.
  const GgufValue* find(std::string_view key) const;
  // Throws FormatError "<source>: metadata key 'k' not found" when absent.
  const GgufValue& get(std::string_view key) const;
  // All entries in insertion (file) order.
  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  const std::string& source() const { return source_; }

  // Scalars. Integer getters accept any integer type whose value fits; float
  // getters accept float32/float64 and integers; bool and string are exact.
  const std::string& get_string(std::string_view key) const;
  std::uint32_t get_u32(std::string_view key) const;
  std::int32_t get_i32(std::string_view key) const;
  std::uint64_t get_u64(std::string_view key) const;
  std::int64_t get_i64(std::string_view key) const;
  float get_f32(std::string_view key) const;
  double get_f64(std::string_view key) const;
  bool get_bool(std::string_view key) const;

  // The same, returning `fallback` when the key is absent (a wrong type still throws).
  std::string get_string_or(std::string_view key, std::string fallback) const;
  std::uint32_t get_u32_or(std::string_view key, std::uint32_t fallback) const;
  std::int64_t get_i64_or(std::string_view key, std::int64_t fallback) const;
  float get_f32_or(std::string_view key, float fallback) const;
  bool get_bool_or(std::string_view key, bool fallback) const;

  // Arrays. The element conversions follow the scalar rules above.
  const std::vector<std::string>& get_string_array(std::string_view key) const;
  std::vector<float> get_f32_array(std::string_view key) const;
  std::vector<std::int32_t> get_i32_array(std::string_view key) const;
  std::vector<std::int64_t> get_i64_array(std::string_view key) const;
  std::vector<std::uint8_t> get_u8_array(std::string_view key) const;
  // Number of elements of an array value; throws when the value is a scalar.
  std::size_t get_array_size(std::string_view key) const;

 private:
  template <typename Int>
  Int get_int(std::string_view key, std::string_view wanted) const;
  template <typename Int>
  std::vector<Int> get_int_array(std::string_view key, std::string_view wanted) const;
  [[noreturn]] void fail_type(std::string_view key, const GgufValue& value, std::string_view wanted) const;

  std::string source_;
  std::vector<Entry> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace lorag::model::formats
