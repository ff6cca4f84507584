// SPDX-License-Identifier: Apache-2.0
// Typed access to GGUF metadata (model/formats).
#include "model/formats/gguf_metadata.h"

#include <limits>
#include <type_traits>

#include "model/core/error.h"

namespace lorag::model::formats {

namespace {
// Converts one integer (held as uint64 or int64) to `Int` when it fits.
template <typename Int, typename Held>
bool fits(Held v) {
  if constexpr (std::is_signed_v<Held>) {
    if (v < 0) {
      return std::is_signed_v<Int> && v >= static_cast<std::int64_t>(std::numeric_limits<Int>::min());
    }
  }
  return static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(std::numeric_limits<Int>::max());
}
}  // namespace

void GgufMetadata::set(std::string key, GgufValue value) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
}

const GgufValue* GgufMetadata::find(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

const GgufValue& GgufMetadata::get(std::string_view key) const {
  const GgufValue* value = find(key);
  LORAG_CHECK(value != nullptr, FormatError, source_, ": metadata key '", key, "' not found");
  return *value;
}

void GgufMetadata::fail_type(std::string_view key, const GgufValue& value, std::string_view wanted) const {
  LORAG_FAIL(FormatError, source_, ": metadata '", key, "' is ", value.type_name(), ", expected ", wanted);
}

template <typename Int>
Int GgufMetadata::get_int(std::string_view key, std::string_view wanted) const {
  const GgufValue& value = get(key);
  if (!value.is_array()) {
    if (const auto* u = std::get_if<std::uint64_t>(&value.storage())) {
      LORAG_CHECK(fits<Int>(*u), FormatError, source_, ": metadata '", key, "' = ", *u, " does not fit in ", wanted);
      return static_cast<Int>(*u);
    }
    if (const auto* s = std::get_if<std::int64_t>(&value.storage())) {
      LORAG_CHECK(fits<Int>(*s), FormatError, source_, ": metadata '", key, "' = ", *s, " does not fit in ", wanted);
      return static_cast<Int>(*s);
    }
  }
  fail_type(key, value, wanted);
}

template <typename Int>
std::vector<Int> GgufMetadata::get_int_array(std::string_view key, std::string_view wanted) const {
  const GgufValue& value = get(key);
  std::vector<Int> out;
  auto convert = [&](const auto& values) {
    out.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      LORAG_CHECK(fits<Int>(values[i]), FormatError, source_, ": metadata '", key, "'[", i, "] = ", values[i],
                  " does not fit in ", wanted);
      out.push_back(static_cast<Int>(values[i]));
    }
  };
  if (value.is_array()) {
    if (const auto* u = std::get_if<std::vector<std::uint64_t>>(&value.storage())) {
      convert(*u);
      return out;
    }
    if (const auto* s = std::get_if<std::vector<std::int64_t>>(&value.storage())) {
      convert(*s);
      return out;
    }
  }
  fail_type(key, value, std::string("array[") + std::string(wanted) + "]");
}

const std::string& GgufMetadata::get_string(std::string_view key) const {
  const GgufValue& value = get(key);
  const auto* s = std::get_if<std::string>(&value.storage());
  if (s == nullptr || value.is_array()) fail_type(key, value, "string");
  return *s;
}

std::uint32_t GgufMetadata::get_u32(std::string_view key) const { return get_int<std::uint32_t>(key, "uint32"); }
std::int32_t GgufMetadata::get_i32(std::string_view key) const { return get_int<std::int32_t>(key, "int32"); }
std::uint64_t GgufMetadata::get_u64(std::string_view key) const { return get_int<std::uint64_t>(key, "uint64"); }
std::int64_t GgufMetadata::get_i64(std::string_view key) const { return get_int<std::int64_t>(key, "int64"); }

double GgufMetadata::get_f64(std::string_view key) const {
  const GgufValue& value = get(key);
  if (!value.is_array()) {
    if (const auto* d = std::get_if<double>(&value.storage())) return *d;
    if (const auto* u = std::get_if<std::uint64_t>(&value.storage())) return static_cast<double>(*u);
    if (const auto* s = std::get_if<std::int64_t>(&value.storage())) return static_cast<double>(*s);
  }
  fail_type(key, value, "float");
}

float GgufMetadata::get_f32(std::string_view key) const { return static_cast<float>(get_f64(key)); }

bool GgufMetadata::get_bool(std::string_view key) const {
  const GgufValue& value = get(key);
  const auto* b = std::get_if<bool>(&value.storage());
  if (b == nullptr || value.is_array()) fail_type(key, value, "bool");
  return *b;
}

std::string GgufMetadata::get_string_or(std::string_view key, std::string fallback) const {
  return has(key) ? get_string(key) : fallback;
}
std::uint32_t GgufMetadata::get_u32_or(std::string_view key, std::uint32_t fallback) const {
  return has(key) ? get_u32(key) : fallback;
}
std::int64_t GgufMetadata::get_i64_or(std::string_view key, std::int64_t fallback) const {
  return has(key) ? get_i64(key) : fallback;
}
float GgufMetadata::get_f32_or(std::string_view key, float fallback) const {
  return has(key) ? get_f32(key) : fallback;
}
bool GgufMetadata::get_bool_or(std::string_view key, bool fallback) const {
  return has(key) ? get_bool(key) : fallback;
}

const std::vector<std::string>& GgufMetadata::get_string_array(std::string_view key) const {
  const GgufValue& value = get(key);
  const auto* s = std::get_if<std::vector<std::string>>(&value.storage());
  if (s == nullptr) fail_type(key, value, "array[string]");
  return *s;
}

std::vector<float> GgufMetadata::get_f32_array(std::string_view key) const {
  const GgufValue& value = get(key);
  std::vector<float> out;
  if (const auto* d = std::get_if<std::vector<double>>(&value.storage())) {
    out.assign(d->begin(), d->end());
    return out;
  }
  if (value.is_array() && (std::holds_alternative<std::vector<std::uint64_t>>(value.storage()) ||
                           std::holds_alternative<std::vector<std::int64_t>>(value.storage()))) {
    for (std::int64_t v : get_i64_array(key)) out.push_back(static_cast<float>(v));
    return out;
  }
  fail_type(key, value, "array[float32]");
}

std::vector<std::int32_t> GgufMetadata::get_i32_array(std::string_view key) const {
  return get_int_array<std::int32_t>(key, "int32");
}
std::vector<std::int64_t> GgufMetadata::get_i64_array(std::string_view key) const {
  return get_int_array<std::int64_t>(key, "int64");
}
std::vector<std::uint8_t> GgufMetadata::get_u8_array(std::string_view key) const {
  return get_int_array<std::uint8_t>(key, "uint8");
}

std::size_t GgufMetadata::get_array_size(std::string_view key) const {
  const GgufValue& value = get(key);
  if (!value.is_array()) fail_type(key, value, "an array");
  return value.size();
}

}  // namespace lorag::model::formats
