// SPDX-License-Identifier: Apache-2.0
// The configuration checked against the tensors a checkpoint holds (model/),
// before the model is allocated: a config.json that says 100000 layers or a
// 10^12-token vocabulary fails in one line instead of in LibTorch's allocator.
#pragma once

#include <string>

#include "model/config.h"
#include "model/tensor_source.h"

namespace lorag::model {

// Names of the config fields the messages cite, which differ between a
// config.json and GGUF metadata (e.g. "llama.block_count").
struct ConfigFieldNames {
  std::string num_hidden_layers = "num_hidden_layers";
  std::string vocab_size = "vocab_size";
  std::string hidden_size = "hidden_size";
};

// Checks, without allocating weights: the number of `model.layers.N` groups in
// `source` equals num_hidden_layers; `model.embed_tokens.weight` is
// [vocab_size, hidden_size]; then every parameter of the model `config` builds
// (constructed on the meta device, so sizes cost nothing) has the shape of the
// checkpoint's tensor of that name. Missing tensors are left to load_weights.
// Throws ConfigError naming the field, its value and what the tensors hold, or
// ShapeError naming the tensor and both shapes.
void check_weights_fit(const ModelConfig& config, const TensorSource& source, const ConfigFieldNames& fields = {});

}  // namespace lorag::model
