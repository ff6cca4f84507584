// SPDX-License-Identifier: Apache-2.0
// PEFT's saved tensor keys, taken apart (adapters/).
#pragma once

#include <string>

namespace lorag::adapters {

struct AdapterKey {
  enum class Kind { kLoraA, kLoraB, kEmbeddingA, kEmbeddingB, kFull };
  Kind kind = Kind::kFull;
  // Module for LoRA kinds (`model.layers.0.self_attn.q_proj`); for kFull the model
  // parameter it replaces (`lm_head.weight`; PEFT's `.base_layer.` dropped).
  std::string target;
};

// Parses `base_model.model.<module>.lora_A.weight`, `.lora_B.weight`,
// `.lora_embedding_A`, `.lora_embedding_B`; anything else is a full tensor
// (modules_to_save, or an embedding's `base_layer.weight` PEFT saves alongside).
// The `base_model.model.` prefix is optional on input.
AdapterKey parse_adapter_key(const std::string& key);

// The saved key for a LoRA tensor of `module` (the inverse of parse_adapter_key).
std::string adapter_key(const std::string& module, AdapterKey::Kind kind);

}  // namespace lorag::adapters
