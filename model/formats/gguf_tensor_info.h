// SPDX-License-Identifier: Apache-2.0
// The description of one tensor in a GGUF file (model/formats).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/formats/gguf_type.h"

namespace lorag::model::formats {

// One tensor's entry in the GGUF tensor-info table, validated by GgufFile.
// `dims` are in GGUF/ggml order: dims[0] (ne0) varies fastest, so a PyTorch
// weight of shape [out, in] is stored as dims {in, out}. Reverse them for torch.
struct GgufTensorInfo {
  std::string name;                 // e.g. "blk.0.attn_q.weight"
  std::vector<std::int64_t> dims;   // ggml order, 0 to 4 entries (0: a scalar), each >= 0
  GgufType type = GgufType::kF32;   // storage type
  std::uint64_t offset = 0;         // bytes from the start of the data section
  std::uint64_t n_bytes = 0;        // bytes of data: n_elements / block_size * type_size
  std::int64_t n_elements = 0;      // product of `dims`
  std::span<const std::uint8_t> data;  // the tensor's bytes inside the file's mapping

  // The shape in PyTorch order (dims reversed), e.g. {out, in}.
  std::vector<std::int64_t> torch_shape() const { return {dims.rbegin(), dims.rend()}; }
};

}  // namespace lorag::model::formats
