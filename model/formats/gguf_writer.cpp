// SPDX-License-Identifier: Apache-2.0
// GGUF v3 serialization (model/formats), the inverse of GgufFile's parser.
#include "model/formats/gguf_writer.h"

#include <bit>
#include <sstream>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/formats/gguf_quantize.h"

namespace lorag::model::formats {

namespace {
// Little-endian scalar output, independent of the host byte order.
class LeOut {
 public:
  explicit LeOut(std::ostream& out) : out_(out) {}
  void u8(std::uint8_t v) { put(v, 1); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void bytes(const void* p, std::size_t n) {
    out_.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
    offset_ += n;
  }
  void str(const std::string& s) { u64(s.size()), bytes(s.data(), s.size()); }
  void pad_to(std::uint64_t alignment) {
    while (offset_ % alignment != 0) u8(0);
  }
  std::uint64_t offset() const { return offset_; }

 private:
  void put(std::uint64_t v, int n) {
    char buf[8];
    for (int i = 0; i < n; ++i) buf[i] = static_cast<char>(v >> (8 * i));
    bytes(buf, static_cast<std::size_t>(n));
  }
  std::ostream& out_;
  std::uint64_t offset_ = 0;
};

// Scalar `i` of a value: the scalar alternative itself, or element `i` of the array.
template <typename Scalar>
Scalar element(const GgufValue::Storage& s, std::size_t i) {
  if (const auto* scalar = std::get_if<Scalar>(&s)) return *scalar;
  return std::get<std::vector<Scalar>>(s)[i];
}

void write_scalar(LeOut& out, GgufValueType type, const GgufValue::Storage& s, std::size_t i) {
  using T = GgufValueType;
  switch (type) {
    case T::kUint8: out.u8(static_cast<std::uint8_t>(element<std::uint64_t>(s, i))); break;
    case T::kUint16: out.u16(static_cast<std::uint16_t>(element<std::uint64_t>(s, i))); break;
    case T::kUint32: out.u32(static_cast<std::uint32_t>(element<std::uint64_t>(s, i))); break;
    case T::kUint64: out.u64(element<std::uint64_t>(s, i)); break;
    case T::kInt8: out.u8(static_cast<std::uint8_t>(element<std::int64_t>(s, i))); break;
    case T::kInt16: out.u16(static_cast<std::uint16_t>(element<std::int64_t>(s, i))); break;
    case T::kInt32: out.u32(static_cast<std::uint32_t>(element<std::int64_t>(s, i))); break;
    case T::kInt64: out.u64(static_cast<std::uint64_t>(element<std::int64_t>(s, i))); break;
    case T::kFloat32: out.u32(std::bit_cast<std::uint32_t>(static_cast<float>(element<double>(s, i)))); break;
    case T::kFloat64: out.u64(std::bit_cast<std::uint64_t>(element<double>(s, i))); break;
    case T::kBool: out.u8(element<bool>(s, i) ? 1 : 0); break;
    case T::kString: out.str(element<std::string>(s, i)); break;
    case T::kArray: LORAG_FAIL(InternalError, "internal error: nested gguf array");
  }
}

void write_value(LeOut& out, const GgufValue& value) {
  out.u32(static_cast<std::uint32_t>(value.type()));
  if (!value.is_array()) {
    write_scalar(out, value.type(), value.storage(), 0);
    return;
  }
  out.u32(static_cast<std::uint32_t>(value.element_type()));
  out.u64(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) write_scalar(out, value.element_type(), value.storage(), i);
}
}  // namespace

GgufWriter::GgufWriter(std::uint32_t alignment) : alignment_(alignment) {
  LORAG_CHECK(alignment != 0 && (alignment & (alignment - 1)) == 0, FormatError, "gguf writer: alignment ",
              alignment, " is not a non-zero power of two");
  if (alignment != 32) metadata_.set("general.alignment", GgufValue::u32(alignment));
}

void GgufWriter::set(std::string key, GgufValue value) { metadata_.set(std::move(key), std::move(value)); }

std::int64_t GgufWriter::check_tensor(const std::string& name, const std::vector<std::int64_t>& dims,
                                      GgufType type) const {
  for (const Tensor& t : tensors_) {
    LORAG_CHECK(t.name != name, FormatError, "gguf writer: duplicate tensor name '", name, "'");
  }
  LORAG_CHECK(dims.size() <= 4, FormatError, "gguf writer: tensor '", name, "' has ", dims.size(),
              " dims, at most 4 are allowed");
  const GgufTypeInfo& info = gguf_type_info(type);
  std::int64_t n = 1;
  for (std::int64_t d : dims) {
    LORAG_CHECK(d >= 0 && !__builtin_mul_overflow(n, d, &n), FormatError, "gguf writer: tensor '", name,
                "' has a bad dim ", d);
  }
  const std::int64_t ne0 = dims.empty() ? 1 : dims[0];
  LORAG_CHECK(ne0 % info.block_size == 0, FormatError, "gguf writer: tensor '", name, "' row size ", ne0,
              " is not a multiple of the ", info.name, " block size ", info.block_size);
  return n;
}

void GgufWriter::add_tensor(std::string name, std::vector<std::int64_t> dims, GgufType type,
                            std::vector<std::uint8_t> data) {
  const std::int64_t n = check_tensor(name, dims, type);
  const GgufTypeInfo& info = gguf_type_info(type);
  const auto expected = static_cast<std::uint64_t>(n / info.block_size * info.type_size);
  LORAG_CHECK(data.size() == expected, FormatError, "gguf writer: tensor '", name, "' has ", data.size(),
              " bytes, expected ", expected, " for ", n, " ", info.name, " elements");
  tensors_.push_back({std::move(name), std::move(dims), type, std::move(data)});
}

void GgufWriter::add_tensor(std::string name, std::vector<std::int64_t> dims, std::span<const float> values,
                            GgufType type) {
  const std::int64_t n = check_tensor(name, dims, type);
  LORAG_CHECK(static_cast<std::int64_t>(values.size()) == n, FormatError, "gguf writer: tensor '", name,
              "' has ", values.size(), " values, its dims need ", n);
  add_tensor(std::move(name), std::move(dims), type, quantize(type, values));
}

void GgufWriter::write_to(std::ostream& stream) const {
  LeOut out(stream);
  out.bytes("GGUF", 4);
  out.u32(3);
  out.u64(tensors_.size());
  out.u64(metadata_.size());
  for (const auto& [key, value] : metadata_.entries()) {
    out.str(key);
    write_value(out, value);
  }
  std::uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    out.str(t.name);
    out.u32(static_cast<std::uint32_t>(t.dims.size()));
    for (std::int64_t d : t.dims) out.u64(static_cast<std::uint64_t>(d));
    out.u32(static_cast<std::uint32_t>(t.type));
    out.u64(offset);
    offset += (t.data.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  out.pad_to(alignment_);
  for (const Tensor& t : tensors_) {
    out.bytes(t.data.data(), t.data.size());
    out.pad_to(alignment_);
  }
}

std::string GgufWriter::serialize() const {
  std::ostringstream out;
  write_to(out);
  return out.str();
}

void GgufWriter::write(const std::filesystem::path& path) const {
  write_file_atomically(path, [this](std::ostream& out) { write_to(out); });
}

}  // namespace lorag::model::formats
