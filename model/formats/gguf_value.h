// SPDX-License-Identifier: Apache-2.0
// One GGUF metadata value (model/formats): a scalar or a flat array of scalars,
// keeping the exact type it was stored with so a writer reproduces it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lorag::model::formats {

// The metadata value types of the GGUF spec, with their numeric ids.
enum class GgufValueType : std::uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

// The spec's lowercase name, e.g. "uint32"; "type 77" for an unknown id.
std::string gguf_value_type_name(GgufValueType type);
// Whether `id` is one of the 13 types above.
bool is_gguf_value_type(std::uint32_t id);
// Bytes one scalar of `type` occupies in a file (strings: the 8-byte length only).
std::uint64_t gguf_value_type_min_size(GgufValueType type);

// A scalar or an array. Unsigned integers are held as uint64, signed as int64,
// floats as double, whatever their stored width; `type()` keeps the stored one.
// Arrays of arrays are not representable (ggml rejects them too).
class GgufValue {
 public:
  using Storage = std::variant<std::uint64_t, std::int64_t, double, bool, std::string,
                               std::vector<std::uint64_t>, std::vector<std::int64_t>,
                               std::vector<double>, std::vector<bool>, std::vector<std::string>>;

  // Scalars. `type` must match the family (kUint8..kUint64 for unsigned_int, ...)
  // and the value must fit it; throws FormatError otherwise.
  static GgufValue unsigned_int(GgufValueType type, std::uint64_t value);
  static GgufValue signed_int(GgufValueType type, std::int64_t value);
  static GgufValue floating(GgufValueType type, double value);
  static GgufValue boolean(bool value);
  static GgufValue string(std::string value);
  static GgufValue u32(std::uint32_t value) { return unsigned_int(GgufValueType::kUint32, value); }
  static GgufValue i32(std::int32_t value) { return signed_int(GgufValueType::kInt32, value); }
  static GgufValue f32(float value) { return floating(GgufValueType::kFloat32, value); }

  // Arrays of `element_type` (any type but kArray); same checks as the scalars.
  static GgufValue unsigned_array(GgufValueType element_type, std::vector<std::uint64_t> values);
  static GgufValue signed_array(GgufValueType element_type, std::vector<std::int64_t> values);
  static GgufValue floating_array(GgufValueType element_type, std::vector<double> values);
  static GgufValue bool_array(std::vector<bool> values);
  static GgufValue string_array(std::vector<std::string> values);

  // The stored type; kArray for arrays.
  GgufValueType type() const { return type_; }
  // The element type of an array; equals `type()` for scalars.
  GgufValueType element_type() const { return element_type_; }
  bool is_array() const { return type_ == GgufValueType::kArray; }
  // Number of elements of an array; 1 for a scalar.
  std::size_t size() const;
  // "uint32" for scalars, "array[string]" for arrays.
  std::string type_name() const;
  const Storage& storage() const { return storage_; }

 private:
  GgufValue(GgufValueType type, GgufValueType element_type, Storage storage)
      : type_(type), element_type_(element_type), storage_(std::move(storage)) {}

  GgufValueType type_ = GgufValueType::kUint8;
  GgufValueType element_type_ = GgufValueType::kUint8;
  Storage storage_;
};

}  // namespace lorag::model::formats
