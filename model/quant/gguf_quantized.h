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

// Parses `--quantized`: "keep", "dequantize", or "auto" (keep on the CPU, where
// memory bandwidth bounds decode; dequantize on CUDA, where dense bf16 runs through
// cuBLAS and memory is rarely short; `keep` runs quant_cuda.h's kernels there). Throws UsageError naming
// the flag for anything else.
QuantizedMode resolve_quantized_mode(const std::string& name, bool on_cuda);

// For every LoraLinear of `net` (on `device`) whose `<module>.weight` is stored in
// `file` in a type kept quantized (kernels/quant_dot.h), and for the embedding
// matrix, sets a QuantizedWeight over the file's bytes (no copy; llama's attn_q/attn_k rows are
// un-permuted into a copy, as gguf_source.h does for dense reads). `config` gives
// the head counts. Returns the Hugging Face names of the weights set, for
// load_weights to skip. On CUDA the blocks are copied to the device as they are.
// Throws ShapeError when a tensor does not fit its layer, UsageError when this
// build has no CUDA kernels and `device` is CUDA.
std::set<std::string> keep_quantized_weights(CausalLMImpl& net, std::shared_ptr<const formats::GgufFile> file,
                                             const ModelConfig& config, const c10::Device& device = c10::kCPU);

}  // namespace lorag::model::quant
