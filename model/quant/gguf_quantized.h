// SPDX-License-Identifier: Apache-2.0
// Puts a GGUF file's quantized matrices into a model as they are stored (model/quant):
// the `--quantized keep` half of GGUF loading; model_loader.cpp calls it before
// load_weights fills everything else.
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <set>
#include <string>

#include "model/causal_lm.h"
#include "model/config.h"
#include "model/formats/gguf_file.h"

namespace lorag::model::quant {

// How GGUF quantized tensors are held after loading.
enum class QuantizedMode { kKeep, kDequantize };

// Parses `--quantized`: "keep", "dequantize", or "auto" (keep on the CPU, where the
// kernels are; dequantize on CUDA, which has none yet). Throws UsageError naming
// the flag for anything else.
QuantizedMode resolve_quantized_mode(const std::string& name, bool on_cuda);

// For every LoraLinear of `net` (on the CPU) whose `<module>.weight` is stored in
// `file` in a type kept quantized (kernels/quant_dot.h), and for the embedding
// matrix, sets a QuantizedWeight over the file's bytes (no copy; llama's attn_q/attn_k rows are
// un-permuted into a copy, as gguf_source.h does for dense reads). `config` gives
// the head counts. Returns the Hugging Face names of the weights set, for
// load_weights to skip. Throws ShapeError when a tensor does not fit its layer.
std::set<std::string> keep_quantized_weights(CausalLMImpl& net, std::shared_ptr<const formats::GgufFile> file,
                                             const ModelConfig& config);

}  // namespace lorag::model::quant
