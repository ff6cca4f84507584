// SPDX-License-Identifier: Apache-2.0
// PEFT adapter folders (adapters/): `adapter_config.json` + `adapter_model.safetensors`
// with PEFT's key names, as `save_pretrained` writes and `PeftModel.from_pretrained` reads.
#pragma once

#include <filesystem>
#include <string>

#include "adapters/adapter_set.h"

namespace lorag::adapters {

// Reads the folder `dir` into an AdapterSet named `name`; tensors are copied into
// CPU memory in their stored dtype. Throws IoError naming the file when one is
// missing (with a hint for `adapter_model.bin`), ConfigError naming the field for a
// bad config, FormatError naming the file for a malformed safetensors file.
AdapterSet load_peft_adapter(const std::filesystem::path& dir, const std::string& name = "default");

// Writes `adapter` to `dir` (created when missing): adapter_config.json and
// adapter_model.safetensors, each atomically, tensors in their current dtype and
// under their PEFT keys (no adapter name in them). Throws IoError naming the path.
void save_peft_adapter(const AdapterSet& adapter, const std::filesystem::path& dir);

}  // namespace lorag::adapters
