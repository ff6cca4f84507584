// SPDX-License-Identifier: Apache-2.0
// Writes safetensors files (model/formats), torch-free: the caller hands over raw
// little-endian bytes per tensor; the file appears atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace lorag::model::formats {

// One tensor to write. `data` must hold product(shape) * size(dtype) bytes and
// stay valid until write_safetensors returns.
struct SafetensorsTensorRef {
  std::string name;               // e.g. "model.layers.0.self_attn.q_proj.weight"
  std::string dtype;              // "F32", "F16", "BF16", "I64", ... (safetensors names)
  std::vector<int64_t> shape;     // row-major
  std::span<const uint8_t> data;  // the values
};

// Writes `tensors` (in name order, data 8-byte aligned after a space-padded JSON
// header, as the `safetensors` package does) and the string `metadata` (as
// `__metadata__`, e.g. {"format": "pt"}) to `path` via a temp file and rename.
// Throws FormatError naming the tensor for an unknown dtype, a byte size that does
// not match the shape, or a duplicate name; IoError naming the path when it cannot
// be written. `path` is untouched on failure.
void write_safetensors(const std::filesystem::path& path, const std::vector<SafetensorsTensorRef>& tensors,
                       const std::map<std::string, std::string>& metadata);

}  // namespace lorag::model::formats
