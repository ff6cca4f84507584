// SPDX-License-Identifier: Apache-2.0
// A memory-mapped safetensors file (model/formats): the JSON header parsed and
// checked, tensor bytes handed out without copying. Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/formats/mapped_file.h"

namespace lorag::model::formats {

// One tensor's entry in the header.
struct SafetensorsEntry {
  std::string dtype;            // "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;   // row-major, e.g. {576, 576}
  std::span<const uint8_t> data;  // points into the mapping
};

class SafetensorsFile {
 public:
  // Maps and parses `path`. Throws IoError when it cannot be read, FormatError
  // naming the file and tensor when the header is malformed: bad length, bad
  // JSON, unknown dtype, offsets out of bounds or not matching the shape.
  static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& path);
  // Parses bytes already in memory (the fuzzer's entry point); `name` is for messages.
  // The caller keeps `bytes` alive as long as the result.
  static std::shared_ptr<SafetensorsFile> parse(std::span<const uint8_t> bytes, const std::string& name);

  const std::map<std::string, SafetensorsEntry>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Throws FormatError naming the file when `name` is absent.
  const SafetensorsEntry& at(const std::string& name) const;
  bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
  const std::string& name() const { return name_; }

 private:
  MappedFile file_;
  std::string name_;
  std::map<std::string, SafetensorsEntry> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Bytes per element of a safetensors dtype; 0 when unknown.
int64_t safetensors_dtype_size(const std::string& dtype);

}  // namespace lorag::model::formats
