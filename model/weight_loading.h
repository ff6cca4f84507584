// SPDX-License-Identifier: Apache-2.0
// Copies a checkpoint's tensors into a module's parameters by name (model/).
#pragma once

#include <torch/nn/module.h>

#include <set>
#include <string>

#include "model/tensor_source.h"

namespace lorag::model {

// For every parameter of `module` (named as Hugging Face keys), reads the tensor
// of the same name from `source` and copies it in, converting dtype and moving it
// to the parameter's device. Throws FormatError naming the tensor when one is
// missing from the checkpoint or when the checkpoint holds tensors the model has
// no place for, and ShapeError naming the tensor and both shapes on a mismatch.
// Keys with no weights of their own (`rotary_emb.inv_freq`, a tied `lm_head.weight`)
// are ignored. Parameters named in `preloaded` (quantized bases already set from the
// same checkpoint, model/quant/gguf_quantized.h) are neither read nor copied.
void load_weights(torch::nn::Module& module, const TensorSource& source,
                  const std::set<std::string>& preloaded = {});

}  // namespace lorag::model
