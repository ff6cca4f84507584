// SPDX-License-Identifier: Apache-2.0
// TrainConfig (train/): the knobs of one LoRA fine-tuning run, with the defaults
// PEFT/TRL users know (r 16, alpha 32, dropout 0.05, lr 2e-4, cosine, warm-up 3%).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adapters/lora_config.h"

namespace lorag::train {

struct TrainConfig {
  // Adapter.
  int64_t rank = 16;                    // LoRA r, e.g. 16
  double alpha = 32.0;                  // lora_alpha, e.g. 32 (scale alpha/r)
  double dropout = 0.05;                // lora_dropout on the adapter input, e.g. 0.05
  std::string targets = "all-linear";   // "all-linear" or comma-separated module names, e.g. "q_proj,v_proj"
  bool use_rslora = false;              // scale alpha/sqrt(r)
  std::string adapter_dtype = "fp32";   // dtype of A and B: fp32 (default, also on bf16 base weights), bf16, fp16

  // Optimizer (AdamW on the adapter parameters only) and schedule.
  double lr = 2e-4;                     // peak learning rate, e.g. 2e-4
  double weight_decay = 0.0;            // decoupled weight decay, e.g. 0.01
  double adam_beta1 = 0.9;              // as transformers' TrainingArguments
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
  std::string scheduler = "cosine";     // cosine, linear or constant (after warm-up)
  double warmup_ratio = 0.03;           // share of the steps spent warming up, e.g. 0.03
  int64_t warmup_steps = -1;            // steps; >= 0 overrides warmup_ratio, e.g. 100
  double max_grad_norm = 1.0;           // global-norm clipping threshold; 0 = no clipping

  // Loop.
  int64_t batch_size = 4;               // sequences per micro-batch, e.g. 4
  int64_t grad_accum = 1;               // micro-batches per optimizer step, e.g. 8
  int64_t epochs = 1;                   // passes over the training set, e.g. 3 (unused when max_steps > 0)
  int64_t max_steps = -1;               // optimizer steps; > 0 overrides epochs, e.g. 500
  uint64_t seed = 42;                   // adapter init, dropout, epoch order, e.g. 42
  int64_t eval_every = 0;               // steps between evaluations; 0 = only at the end
  int64_t save_every = 0;               // steps between checkpoints; 0 = none (the final adapter is always saved)
  bool gradient_checkpointing = false;  // recompute each decoder layer in backward (less memory, ~30% slower)
  int64_t loss_chunk_tokens = 1024;     // LM-head rows per loss chunk (bounds the [chunk, V] logits), e.g. 1024

  // Throws ConfigError naming the field and the value.
  void validate() const;
  // The adapter's PEFT config (target_modules from `targets`).
  adapters::LoraConfig lora_config(const std::string& base_model) const;
  // Warm-up steps for a run of `total_steps`: warmup_steps when >= 0, else
  // ceil(total_steps * warmup_ratio) as transformers' get_warmup_steps.
  int64_t resolved_warmup_steps(int64_t total_steps) const;
};

nlohmann::json to_json(const TrainConfig& config);

}  // namespace lorag::train
