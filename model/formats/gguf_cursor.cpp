// SPDX-License-Identifier: Apache-2.0
// Bounds-checked little-endian reads of GGUF primitives and metadata values.
#include "model/formats/gguf_cursor.h"

#include <bit>

#include "model/core/error.h"

namespace lorag::model::formats {

namespace {
// Assembles bytes in little-endian order, so big-endian hosts read files correctly too.
template <typename U>
U load_le(const std::uint8_t* p) {
  U v = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i) v |= static_cast<U>(static_cast<U>(p[i]) << (8 * i));
  return v;
}

float bits_to_f32(std::uint32_t bits) { return std::bit_cast<float>(bits); }
double bits_to_f64(std::uint64_t bits) { return std::bit_cast<double>(bits); }
}  // namespace

const std::uint8_t* GgufCursor::take(std::uint64_t n, std::string_view what) {
  LORAG_CHECK(n <= remaining(), FormatError, name_, ": truncated at offset ", offset_, " reading ", what, " (need ",
              n, " bytes, file is ", bytes_.size(), " bytes)");
  const std::uint8_t* p = bytes_.data() + offset_;
  offset_ += n;
  return p;
}

std::uint8_t GgufCursor::read_u8(std::string_view what) { return *take(1, what); }
std::uint16_t GgufCursor::read_u16(std::string_view what) { return load_le<std::uint16_t>(take(2, what)); }
std::uint32_t GgufCursor::read_u32(std::string_view what) { return load_le<std::uint32_t>(take(4, what)); }
std::uint64_t GgufCursor::read_u64(std::string_view what) { return load_le<std::uint64_t>(take(8, what)); }

std::string GgufCursor::read_string(std::string_view what) {
  const std::uint64_t start = offset_;
  const std::uint64_t length = read_u64(what);
  LORAG_CHECK(length <= remaining(), FormatError, name_, ": ", what, " at offset ", start, " has length ", length,
              ", past the end of the file (", remaining(), " bytes remain)");
  const std::uint8_t* p = take(length, what);
  return std::string(reinterpret_cast<const char*>(p), length);
}

void GgufCursor::check_count(std::uint64_t count, std::uint64_t min_item_size, std::string_view what) const {
  LORAG_CHECK(count <= remaining() / min_item_size, FormatError, name_, ": ", what, " count ", count,
              " at offset ", offset_, " cannot fit in the ", remaining(), " bytes that remain");
}

GgufValue GgufCursor::read_value(GgufValueType type, std::string_view key) {
  using T = GgufValueType;
  const std::string what = "value of '" + std::string(key) + "'";
  switch (type) {
    case T::kUint8: return GgufValue::unsigned_int(type, read_u8(what));
    case T::kInt8: return GgufValue::signed_int(type, static_cast<std::int8_t>(read_u8(what)));
    case T::kUint16: return GgufValue::unsigned_int(type, read_u16(what));
    case T::kInt16: return GgufValue::signed_int(type, static_cast<std::int16_t>(read_u16(what)));
    case T::kUint32: return GgufValue::unsigned_int(type, read_u32(what));
    case T::kInt32: return GgufValue::signed_int(type, static_cast<std::int32_t>(read_u32(what)));
    case T::kUint64: return GgufValue::unsigned_int(type, read_u64(what));
    case T::kInt64: return GgufValue::signed_int(type, static_cast<std::int64_t>(read_u64(what)));
    case T::kFloat32: return GgufValue::floating(type, bits_to_f32(read_u32(what)));
    case T::kFloat64: return GgufValue::floating(type, bits_to_f64(read_u64(what)));
    case T::kBool: {
      const std::uint64_t at = offset_;
      const std::uint8_t b = read_u8(what);
      LORAG_CHECK(b <= 1, FormatError, name_, ": bool ", what, " at offset ", at, " is ", int(b), ", expected 0 or 1");
      return GgufValue::boolean(b != 0);
    }
    case T::kString: return GgufValue::string(read_string(what));
    case T::kArray: return read_array(key);
  }
  LORAG_FAIL(FormatError, name_, ": metadata '", key, "' has unknown value type ", static_cast<std::uint32_t>(type),
             " at offset ", offset_);
}

GgufValue GgufCursor::read_array(std::string_view key) {
  using T = GgufValueType;
  const std::string what = "array '" + std::string(key) + "'";
  const std::uint64_t at = offset_;
  const std::uint32_t raw = read_u32(what + " element type");
  LORAG_CHECK(is_gguf_value_type(raw), FormatError, name_, ": array '", key, "' at offset ", at,
              " has unknown element type ", raw);
  const auto elem = static_cast<T>(raw);
  LORAG_CHECK(elem != T::kArray, FormatError, name_, ": array '", key, "' at offset ", at,
              " holds nested arrays, which gguf readers do not support");
  const std::uint64_t count = read_u64(what + " length");
  // Guards every allocation below: `count` is untrusted until it fits the file.
  check_count(count, gguf_value_type_min_size(elem), what);
  const std::string item = "element of " + what;
  switch (elem) {
    case T::kUint8: case T::kUint16: case T::kUint32: case T::kUint64: {
      std::vector<std::uint64_t> v(count);
      for (auto& x : v) {
        x = elem == T::kUint8 ? read_u8(item) : elem == T::kUint16 ? read_u16(item)
            : elem == T::kUint32 ? read_u32(item) : read_u64(item);
      }
      return GgufValue::unsigned_array(elem, std::move(v));
    }
    case T::kInt8: case T::kInt16: case T::kInt32: case T::kInt64: {
      std::vector<std::int64_t> v(count);
      for (auto& x : v) {
        x = elem == T::kInt8 ? static_cast<std::int8_t>(read_u8(item))
            : elem == T::kInt16 ? static_cast<std::int16_t>(read_u16(item))
            : elem == T::kInt32 ? static_cast<std::int32_t>(read_u32(item))
            : static_cast<std::int64_t>(read_u64(item));
      }
      return GgufValue::signed_array(elem, std::move(v));
    }
    case T::kFloat32: case T::kFloat64: {
      std::vector<double> v(count);
      for (auto& x : v) x = elem == T::kFloat32 ? bits_to_f32(read_u32(item)) : bits_to_f64(read_u64(item));
      return GgufValue::floating_array(elem, std::move(v));
    }
    case T::kBool: {
      std::vector<bool> v(count);
      for (std::uint64_t i = 0; i < count; ++i) {
        const std::uint64_t byte_at = offset_;
        const std::uint8_t b = read_u8(item);
        LORAG_CHECK(b <= 1, FormatError, name_, ": bool ", item, " at offset ", byte_at, " is ", int(b),
                    ", expected 0 or 1");
        v[i] = b != 0;
      }
      return GgufValue::bool_array(std::move(v));
    }
    case T::kString: {
      std::vector<std::string> v;
      v.reserve(count);
      for (std::uint64_t i = 0; i < count; ++i) v.push_back(read_string(item));
      return GgufValue::string_array(std::move(v));
    }
    case T::kArray: break;
  }
  LORAG_FAIL(InternalError, "internal error: unhandled gguf array element type ", raw);
}

}  // namespace lorag::model::formats
