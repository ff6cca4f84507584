// SPDX-License-Identifier: Apache-2.0
// Torch tensors into a safetensors file (model/): the one tensor writer, for
// adapters, exported models and test references, over the byte-level writer in
// model/formats/safetensors_writer.h.
#pragma once

#include <ATen/Tensor.h>

#include <filesystem>
#include <map>
#include <string>

namespace lorag::model {

// Writes `tensors` (any device, any of F64/F32/F16/BF16/I64/I32/I16/I8/U8/BOOL) to
// `path` atomically (temp file + rename), in key order, with `metadata` as `__metadata__` (PEFT and
// safetensors write {"format": "pt"}). Tensor bytes are copied verbatim, so a
// load→save round trip is bit-exact. Throws FormatError naming the key for an
// unsupported dtype, IoError naming the path when it cannot be written.
void write_safetensors(const std::filesystem::path& path, const std::map<std::string, at::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace lorag::model
