// SPDX-License-Identifier: Apache-2.0
// AdapterSet (adapters/): one whole-model LoRA adapter — name, LoraConfig and its
// tensors under PEFT's saved keys — and attach/merge/unmerge/detach on a model.
#pragma once

#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/lora_config.h"
#include "model/causal_lm.h"

namespace lorag::adapters {

// PEFT's prefix on every saved key: `base_model.model.` + the Hugging Face name.
inline constexpr const char* kPeftPrefix = "base_model.model.";

// Not thread-safe. Copy only while detached: a copy of an attached set shares its
// slots, and only one copy may detach them.
class AdapterSet {
 public:
  // `tensors` by PEFT key (`base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`,
  // `...embed_tokens.lora_embedding_A`, full copies such as `base_model.model.lm_head.weight`
  // for modules_to_save). `source` names where they came from in messages. Validates
  // `config` (ConfigError). Keys are checked against a model only by attach().
  AdapterSet(std::string name, LoraConfig config, std::map<std::string, torch::Tensor> tensors,
             std::string source = "");
  // A fresh adapter for every module `config` targets, initialised as PEFT does
  // (linear: A Kaiming-uniform(a=√5), B = 0; embedding: A = 0, B ~ N(0, 1);
  // modules_to_save: copies of the current weights), fp32 on the CPU, drawn from
  // torch's global generator (seed it for reproducibility). Attaching it leaves the
  // model's output unchanged. Throws ConfigError when nothing is targeted.
  static AdapterSet create(model::CausalLMImpl& model, const LoraConfig& config, std::string name = "default");

  // Puts the adapter into `model`: each targeted LoraLinear gets A/B in `dtype`
  // (default: the model dtype) on the model's device. The slots share storage with
  // tensors(), so training updates show in tensors() and in save. Embedding LoRA and
  // modules_to_save have no slot: they are written into the base weights now (fp32
  // arithmetic) and the originals kept for detach. Throws Error when already
  // attached, FormatError naming the key for a tensor the model has no module for,
  // ShapeError naming the module and both shapes on a mismatch (nothing is changed
  // on failure).
  void attach(model::CausalLM model, std::optional<c10::ScalarType> dtype = std::nullopt);
  // Merges every slot (LoraLinear::merge); throws Error when not attached or merged.
  void merge();
  // Unmerges every slot; bf16/fp16 round trips are approximate (see LoraLinear).
  void unmerge();
  // Removes the slots and restores embedding/modules_to_save weights exactly.
  // Throws Error while merged. No-op when not attached.
  void detach();
  // Enables/disables the LoRA slots' contribution (not embedding LoRA or modules_to_save,
  // which are written into the weights).
  void set_enabled(bool enabled);

  bool attached() const { return model_ != nullptr; }
  bool merged() const { return merged_; }
  const std::string& name() const { return name_; }
  const LoraConfig& config() const { return config_; }
  const std::string& source() const { return source_; }
  // By PEFT key; while attached the LoRA ones alias the model's slots (device, dtype).
  const std::map<std::string, torch::Tensor>& tensors() const { return tensors_; }
  // The A and B weights of every slot while attached (for the optimizer); empty otherwise.
  std::vector<torch::Tensor> parameters() const;

 private:
  std::string name_;
  LoraConfig config_;
  std::map<std::string, torch::Tensor> tensors_;
  std::string source_;
  std::shared_ptr<model::CausalLMImpl> model_;
  std::vector<model::LoraLinear> slots_;
  std::map<std::string, torch::Tensor> originals_;  // parameter name → weight before attach
  bool merged_ = false;
};

}  // namespace lorag::adapters
