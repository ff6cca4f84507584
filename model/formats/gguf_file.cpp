// SPDX-License-Identifier: Apache-2.0
// GGUF parsing (model/formats): header, metadata, tensor table, bounds checks.
// Layout per ggml docs/gguf.md; checks mirror ggml's gguf.cpp and gguf-py's reader.
#include "model/formats/gguf_file.h"

#include <cstdio>

#include "model/core/error.h"
#include "model/formats/gguf_cursor.h"

namespace lorag::model::formats {

namespace {
constexpr std::uint32_t kMaxDims = 4;  // GGML_MAX_DIMS
// Smallest possible encodings, used to reject counts the file cannot hold.
constexpr std::uint64_t kMinKvBytes = 8 + 4 + 1;          // empty key, type, 1-byte value
constexpr std::uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;  // empty name, n_dims = 0, type, offset

std::string printable(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (std::uint8_t b : bytes) {
    if (b >= 0x20 && b < 0x7f && b != '\'' && b != '\\') {
      out += static_cast<char>(b);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", b);
      out += buf;
    }
  }
  return out;
}

std::uint32_t byteswap32(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}
}  // namespace

GgufFile GgufFile::open(const std::filesystem::path& path) {
  GgufFile file;
  file.mapped_ = MappedFile::open(path);
  file.bytes_ = file.mapped_->bytes();
  file.name_ = path.string();
  file.parse_all();
  return file;
}

GgufFile GgufFile::parse(std::span<const std::uint8_t> bytes, std::string name) {
  GgufFile file;
  file.bytes_ = bytes;
  file.name_ = std::move(name);
  file.parse_all();
  return file;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufTensorInfo& GgufFile::tensor(std::string_view name) const {
  const GgufTensorInfo* info = find_tensor(name);
  LORAG_CHECK(info != nullptr, FormatError, name_, ": tensor '", name, "' not found");
  return *info;
}

void GgufFile::parse_all() {
  GgufCursor in(bytes_, name_);
  const auto [n_tensors, n_kv] = parse_header(in);
  parse_metadata(in, n_kv);
  tensors_.reserve(n_tensors);  // safe: `parse_header` bounded it by the file size
  for (std::uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo info = parse_tensor_info(in, i);
    tensor_index_.emplace(info.name, tensors_.size());
    tensors_.push_back(std::move(info));
  }
  locate_data(in.offset());
}

std::pair<std::uint64_t, std::uint64_t> GgufFile::parse_header(GgufCursor& in) {
  LORAG_CHECK(bytes_.size() >= 4, FormatError, name_, ": truncated: ", bytes_.size(),
              " bytes is too short for the gguf magic");
  const auto magic = bytes_.first(4);
  LORAG_CHECK(printable(magic) == "GGUF", FormatError, name_, ": bad magic '", printable(magic),
              "', expected 'GGUF' (not a gguf file?)");
  in.read_u32("magic");
  version_ = in.read_u32("version");
  LORAG_CHECK(byteswap32(version_) != 2 && byteswap32(version_) != 3, FormatError, name_,
              ": big-endian gguf files are not supported (version field reads ", version_, ")");
  LORAG_CHECK(version_ == 2 || version_ == 3, FormatError, name_, ": unsupported gguf version ", version_,
              ", expected 2 or 3");
  const std::uint64_t n_tensors = in.read_u64("tensor count");
  const std::uint64_t n_kv = in.read_u64("metadata key/value count");
  in.check_count(n_kv, kMinKvBytes, "metadata key/value");
  in.check_count(n_tensors, kMinTensorInfoBytes, "tensor");
  return {n_tensors, n_kv};
}

void GgufFile::parse_metadata(GgufCursor& in, std::uint64_t n_kv) {
  metadata_ = GgufMetadata(name_);
  for (std::uint64_t i = 0; i < n_kv; ++i) {
    const std::uint64_t at = in.offset();
    std::string key = in.read_string("metadata key #" + std::to_string(i));
    LORAG_CHECK(!metadata_.has(key), FormatError, name_, ": duplicate metadata key '", key, "' at offset ", at);
    const std::uint32_t type = in.read_u32("type of metadata '" + key + "'");
    LORAG_CHECK(is_gguf_value_type(type), FormatError, name_, ": metadata '", key, "' has unknown value type ",
                type, " at offset ", in.offset() - 4);
    GgufValue value = in.read_value(static_cast<GgufValueType>(type), key);
    metadata_.set(std::move(key), std::move(value));
  }
  if (metadata_.has("general.alignment")) {
    alignment_ = metadata_.get_u32("general.alignment");
    LORAG_CHECK(alignment_ != 0 && (alignment_ & (alignment_ - 1)) == 0, FormatError, name_,
                ": metadata 'general.alignment' is ", alignment_, ", expected a non-zero power of two");
  }
}

GgufTensorInfo GgufFile::parse_tensor_info(GgufCursor& in, std::uint64_t i) const {
  GgufTensorInfo info;
  const std::uint64_t at = in.offset();
  info.name = in.read_string("tensor name #" + std::to_string(i));
  const std::string what = "tensor '" + info.name + "'";
  LORAG_CHECK(!tensor_index_.contains(info.name), FormatError, name_, ": duplicate tensor name '", info.name,
              "' at offset ", at);
  const std::uint32_t n_dims = in.read_u32(what + " n_dims");
  LORAG_CHECK(n_dims <= kMaxDims, FormatError, name_, ": ", what, " has ", n_dims, " dims, at most ", kMaxDims,
              " are allowed");
  info.n_elements = 1;
  for (std::uint32_t d = 0; d < n_dims; ++d) {
    const std::uint64_t dim = in.read_u64(what + " dim");
    LORAG_CHECK(dim <= static_cast<std::uint64_t>(INT64_MAX), FormatError, name_, ": ", what, " dim ", d, " is ",
                dim, ", too large");
    info.dims.push_back(static_cast<std::int64_t>(dim));
    LORAG_CHECK(!__builtin_mul_overflow(info.n_elements, info.dims.back(), &info.n_elements), FormatError, name_,
                ": ", what, " has too many elements (dims overflow int64)");
  }
  const std::uint32_t type_id = in.read_u32(what + " type");
  const auto type = gguf_type_info(type_id);
  LORAG_CHECK(type.has_value(), FormatError, name_, ": ", what, " has unknown tensor type ", type_id);
  info.type = type->type;
  info.offset = in.read_u64(what + " offset");
  const std::int64_t ne0 = info.dims.empty() ? 1 : info.dims[0];
  LORAG_CHECK(ne0 % type->block_size == 0, FormatError, name_, ": ", what, " row size ", ne0,
              " is not a multiple of the ", type->name, " block size ", type->block_size);
  // type_size can exceed block_size (f64: 8 bytes per element), so the product is checked.
  std::int64_t n_bytes = 0;
  LORAG_CHECK(!__builtin_mul_overflow(info.n_elements / type->block_size, type->type_size, &n_bytes), FormatError,
              name_, ": ", what, " byte size overflows int64");
  info.n_bytes = static_cast<std::uint64_t>(n_bytes);
  return info;
}

void GgufFile::locate_data(std::uint64_t table_end) {
  data_offset_ = (table_end + alignment_ - 1) / alignment_ * alignment_;
  const std::uint64_t size = bytes_.size();
  for (GgufTensorInfo& info : tensors_) {
    LORAG_CHECK(info.offset % alignment_ == 0, FormatError, name_, ": tensor '", info.name, "' offset ",
                info.offset, " is not a multiple of the alignment ", alignment_);
    // Written as subtractions so a huge offset cannot wrap around.
    const bool inside = data_offset_ <= size && info.offset <= size - data_offset_ &&
                        info.n_bytes <= size - data_offset_ - info.offset;
    LORAG_CHECK(inside, FormatError, name_, ": tensor '", info.name, "' data (", info.n_bytes,
                " bytes at data offset ", info.offset, ", file offset ", data_offset_ + info.offset,
                ") lies past the end of the file (", size, " bytes)");
    info.data = bytes_.subspan(data_offset_ + info.offset, info.n_bytes);
  }
}

}  // namespace lorag::model::formats
