// SPDX-License-Identifier: Apache-2.0
// A GGUF v2/v3 reader (model/formats, torch-free): header, metadata and tensor
// table parsed and bounds-checked up front; tensor bytes stay in the mapping.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/formats/gguf_metadata.h"
#include "model/formats/gguf_tensor_info.h"
#include "model/formats/mapped_file.h"

namespace lorag::model::formats {

class GgufCursor;

// The default `general.alignment` of the GGUF spec.
inline constexpr std::uint64_t kGgufDefaultAlignment = 32;

// A parsed GGUF file. Only little-endian files of version 2 or 3 are read.
// After construction every tensor's data span is known to lie inside the file,
// aligned, with the byte size its type and dims imply. Movable; reading is
// thread-safe. Every malformation throws FormatError with one line naming the
// file and what is wrong (truncation offset, bad type id, key, tensor name).
class GgufFile {
 public:
  // Maps and parses `path`. Throws IoError when it cannot be read, FormatError
  // when it is not valid GGUF.
  static GgufFile open(const std::filesystem::path& path);
  // Parses bytes the caller owns; `bytes` must outlive the result (its tensor
  // spans point into it). `name` stands for the file in messages.
  static GgufFile parse(std::span<const std::uint8_t> bytes, std::string name);

  // The path (or the name given to `parse`), used in messages.
  const std::string& name() const { return name_; }
  std::uint32_t version() const { return version_; }
  // `general.alignment`, or 32 when absent.
  std::uint64_t alignment() const { return alignment_; }
  // Byte offset of the data section (the aligned end of the tensor-info table).
  std::uint64_t data_offset() const { return data_offset_; }
  // Size of the whole file in bytes.
  std::uint64_t file_size() const { return bytes_.size(); }

  const GgufMetadata& metadata() const { return metadata_; }
  // Tensors in file order.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  // nullptr when no tensor has this name.
  const GgufTensorInfo* find_tensor(std::string_view name) const;
  // Throws FormatError "<file>: tensor 'x' not found" when absent.
  const GgufTensorInfo& tensor(std::string_view name) const;

 private:
  GgufFile() = default;
  void parse_all();
  // Magic and version checks; returns {tensor count, kv count}, both bounded by the file size.
  std::pair<std::uint64_t, std::uint64_t> parse_header(GgufCursor& in);
  void parse_metadata(GgufCursor& in, std::uint64_t n_kv);
  GgufTensorInfo parse_tensor_info(GgufCursor& in, std::uint64_t index) const;
  // Sets `data_offset_` and every tensor's `data`, checking alignment and bounds.
  void locate_data(std::uint64_t table_end);

  std::optional<MappedFile> mapped_;
  std::span<const std::uint8_t> bytes_;
  std::string name_;
  std::uint32_t version_ = 0;
  std::uint64_t alignment_ = kGgufDefaultAlignment;
  std::uint64_t data_offset_ = 0;
  GgufMetadata metadata_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, std::size_t, std::less<>> tensor_index_;
};

}  // namespace lorag::model::formats
