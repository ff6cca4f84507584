// SPDX-License-Identifier: Apache-2.0
// GGUF metadata values (model/formats): construction with range checks.
#include "model/formats/gguf_value.h"

#include <limits>
#include <type_traits>

#include "model/core/error.h"

namespace lorag::model::formats {

namespace {
using T = GgufValueType;

bool is_unsigned(T t) { return t == T::kUint8 || t == T::kUint16 || t == T::kUint32 || t == T::kUint64; }
bool is_signed(T t) { return t == T::kInt8 || t == T::kInt16 || t == T::kInt32 || t == T::kInt64; }
bool is_float(T t) { return t == T::kFloat32 || t == T::kFloat64; }

std::uint64_t unsigned_max(T t) {
  switch (t) {
    case T::kUint8: return std::numeric_limits<std::uint8_t>::max();
    case T::kUint16: return std::numeric_limits<std::uint16_t>::max();
    case T::kUint32: return std::numeric_limits<std::uint32_t>::max();
    default: return std::numeric_limits<std::uint64_t>::max();
  }
}

std::int64_t signed_bound(T t, bool upper) {
  switch (t) {
    case T::kInt8: return upper ? INT8_MAX : INT8_MIN;
    case T::kInt16: return upper ? INT16_MAX : INT16_MIN;
    case T::kInt32: return upper ? INT32_MAX : INT32_MIN;
    default: return upper ? INT64_MAX : INT64_MIN;
  }
}

void check_unsigned(T t, std::uint64_t v) {
  LORAG_CHECK(is_unsigned(t), FormatError, "gguf value: ", gguf_value_type_name(t), " is not an unsigned type");
  LORAG_CHECK(v <= unsigned_max(t), FormatError, "gguf value: ", v, " does not fit in ", gguf_value_type_name(t));
}

void check_signed(T t, std::int64_t v) {
  LORAG_CHECK(is_signed(t), FormatError, "gguf value: ", gguf_value_type_name(t), " is not a signed type");
  LORAG_CHECK(v >= signed_bound(t, false) && v <= signed_bound(t, true), FormatError, "gguf value: ", v,
              " does not fit in ", gguf_value_type_name(t));
}

void check_float(T t) {
  LORAG_CHECK(is_float(t), FormatError, "gguf value: ", gguf_value_type_name(t), " is not a float type");
}
}  // namespace

std::string gguf_value_type_name(GgufValueType type) {
  switch (type) {
    case T::kUint8: return "uint8";
    case T::kInt8: return "int8";
    case T::kUint16: return "uint16";
    case T::kInt16: return "int16";
    case T::kUint32: return "uint32";
    case T::kInt32: return "int32";
    case T::kFloat32: return "float32";
    case T::kBool: return "bool";
    case T::kString: return "string";
    case T::kArray: return "array";
    case T::kUint64: return "uint64";
    case T::kInt64: return "int64";
    case T::kFloat64: return "float64";
  }
  return "type " + std::to_string(static_cast<std::uint32_t>(type));
}

bool is_gguf_value_type(std::uint32_t id) { return id <= static_cast<std::uint32_t>(T::kFloat64); }

std::uint64_t gguf_value_type_min_size(GgufValueType type) {
  switch (type) {
    case T::kUint8: case T::kInt8: case T::kBool: return 1;
    case T::kUint16: case T::kInt16: return 2;
    case T::kUint32: case T::kInt32: case T::kFloat32: return 4;
    case T::kString: case T::kUint64: case T::kInt64: case T::kFloat64: return 8;
    case T::kArray: return 4 + 8;  // element type + count
  }
  return 1;
}

GgufValue GgufValue::unsigned_int(GgufValueType type, std::uint64_t value) {
  check_unsigned(type, value);
  return GgufValue(type, type, value);
}

GgufValue GgufValue::signed_int(GgufValueType type, std::int64_t value) {
  check_signed(type, value);
  return GgufValue(type, type, value);
}

GgufValue GgufValue::floating(GgufValueType type, double value) {
  check_float(type);
  // Rounds through float so the value equals what a float32 file would hold.
  if (type == T::kFloat32) value = static_cast<float>(value);
  return GgufValue(type, type, value);
}

GgufValue GgufValue::boolean(bool value) { return GgufValue(T::kBool, T::kBool, value); }

GgufValue GgufValue::string(std::string value) { return GgufValue(T::kString, T::kString, std::move(value)); }

GgufValue GgufValue::unsigned_array(GgufValueType element_type, std::vector<std::uint64_t> values) {
  for (std::uint64_t v : values) check_unsigned(element_type, v);
  if (values.empty()) check_unsigned(element_type, 0);
  return GgufValue(T::kArray, element_type, std::move(values));
}

GgufValue GgufValue::signed_array(GgufValueType element_type, std::vector<std::int64_t> values) {
  for (std::int64_t v : values) check_signed(element_type, v);
  if (values.empty()) check_signed(element_type, 0);
  return GgufValue(T::kArray, element_type, std::move(values));
}

GgufValue GgufValue::floating_array(GgufValueType element_type, std::vector<double> values) {
  check_float(element_type);
  if (element_type == T::kFloat32) {
    for (double& v : values) v = static_cast<float>(v);
  }
  return GgufValue(T::kArray, element_type, std::move(values));
}

GgufValue GgufValue::bool_array(std::vector<bool> values) {
  return GgufValue(T::kArray, T::kBool, std::move(values));
}

GgufValue GgufValue::string_array(std::vector<std::string> values) {
  return GgufValue(T::kArray, T::kString, std::move(values));
}

std::size_t GgufValue::size() const {
  if (!is_array()) return 1;
  return std::visit(
      [](const auto& v) -> std::size_t {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string> || std::is_arithmetic_v<V>) {
          return 1;
        } else {
          return v.size();
        }
      },
      storage_);
}

std::string GgufValue::type_name() const {
  if (!is_array()) return gguf_value_type_name(type_);
  return "array[" + gguf_value_type_name(element_type_) + "]";
}

}  // namespace lorag::model::formats
