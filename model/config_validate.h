// SPDX-License-Identifier: Apache-2.0
// Sanity checks on a model's configuration beyond field types (model/): what
// config.json or GGUF metadata says, checked before anything is allocated for it.
// Kept apart from config.cpp so new families add fields there without touching
// the checks here. Torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "model/config.h"

namespace lorag::model {

namespace formats {
class GgufFile;
}

// config.json checks that need the raw JSON: size fields (`hidden_size`,
// `num_hidden_layers`, ..., also inside `rope_scaling`) must be whole numbers
// (576.5 is refused; nlohmann would truncate it), and an explicit `model_type`
// must agree with `architectures`[0] for the families lorag knows.
// Throws ConfigError "`source`: config field 'x' ...".
void check_config_json(const nlohmann::json& j, const std::string& source);

// Value checks on a built config (called from ModelConfig::validate): every
// floating-point field finite, scaling factors positive, special token ids
// (bos/eos/pad) inside [0, vocab_size). Throws ConfigError naming the field.
void check_config_values(const ModelConfig& c);

// GGUF: `key` (e.g. "llama.block_count") must equal the number of `blk.N.`
// tensor groups the file holds, checked before anything is sized by it.
// Throws ConfigError naming the key, the value and the count found.
void check_gguf_block_count(const formats::GgufFile& file, int64_t block_count, const std::string& key);

}  // namespace lorag::model
