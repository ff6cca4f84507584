// SPDX-License-Identifier: Apache-2.0
// Quantizes a loaded model's linear layers in place (model/quant): `lorag train
// --quantize q8_0|q4_k` on a Hugging Face model, the QLoRA set-up for checkpoints
// that are not GGUF files.
#pragma once

#include <cstdint>
#include <string>

#include "model/causal_lm.h"
#include "model/formats/gguf_type.h"

namespace lorag::model::quant {

struct QuantizeAtLoadReport {
  int64_t matrices = 0;  // LoraLinear bases now quantized
  int64_t skipped = 0;   // dense ones left as they were (rows not a multiple of the block size)
  int64_t bytes = 0;     // bytes of the blocks written
};

// "q8_0", "q4_k", ... → the type; throws UsageError naming --quantize when the name
// is not a type lorag both writes and runs (q4_0, q4_1, q5_0, q5_1, q8_0, q4_k, q5_k, q6_k).
formats::GgufType parse_quantize_type(const std::string& name);

// Every LoraLinear of `net` with a dense base whose in_features fill `type`'s blocks:
// the weight is encoded with ggml's reference quantizer (formats::quantize) and
// replaced by a QuantizedWeight on the same device, freeing the dense copy, one
// layer at a time. Adapters must not be attached yet.
QuantizeAtLoadReport quantize_linear_bases(CausalLMImpl& net, formats::GgufType type);

}  // namespace lorag::model::quant
