// SPDX-License-Identifier: Apache-2.0
#include "train/train_config.h"

#include <cmath>
#include <sstream>

#include "model/core/config_field_error.h"
#include "model/core/error.h"

namespace lorag::train {

void TrainConfig::validate() const {
  LORAG_CHECK_FIELD(rank >= 1, "rank", "must be >= 1, got ", rank);
  LORAG_CHECK_FIELD(alpha > 0, "alpha", "must be > 0, got ", alpha);
  LORAG_CHECK_FIELD(dropout >= 0 && dropout < 1, "dropout", "must be in [0, 1), got ", dropout);
  LORAG_CHECK_FIELD(!targets.empty(), "targets", "must name modules or be all-linear, got ''");
  LORAG_CHECK_FIELD(adapter_dtype == "fp32" || adapter_dtype == "bf16" || adapter_dtype == "fp16", "adapter_dtype",
                    "must be fp32, bf16 or fp16, got '", adapter_dtype, "'");
  LORAG_CHECK_FIELD(lr > 0 && std::isfinite(lr), "lr", "must be > 0, got ", lr);
  LORAG_CHECK_FIELD(weight_decay >= 0, "weight_decay", "must be >= 0, got ", weight_decay);
  LORAG_CHECK_FIELD(adam_beta1 >= 0 && adam_beta1 < 1, "adam_beta1", "must be in [0, 1), got ", adam_beta1);
  LORAG_CHECK_FIELD(adam_beta2 >= 0 && adam_beta2 < 1, "adam_beta2", "must be in [0, 1), got ", adam_beta2);
  LORAG_CHECK_FIELD(adam_epsilon > 0, "adam_epsilon", "must be > 0, got ", adam_epsilon);
  LORAG_CHECK_FIELD(scheduler == "cosine" || scheduler == "linear" || scheduler == "constant", "scheduler",
                    "must be cosine, linear or constant, got '", scheduler, "'");
  LORAG_CHECK_FIELD(warmup_ratio >= 0 && warmup_ratio < 1, "warmup_ratio", "must be in [0, 1), got ",
                    warmup_ratio);
  LORAG_CHECK_FIELD(warmup_steps >= -1, "warmup_steps", "must be >= 0, got ", warmup_steps);
  LORAG_CHECK_FIELD(max_grad_norm >= 0, "max_grad_norm", "must be >= 0 (0 = off), got ", max_grad_norm);
  LORAG_CHECK_FIELD(batch_size >= 1, "batch_size", "must be >= 1, got ", batch_size);
  LORAG_CHECK_FIELD(grad_accum >= 1, "grad_accum", "must be >= 1, got ", grad_accum);
  LORAG_CHECK_FIELD(max_steps > 0 || epochs >= 1, "epochs", "must be >= 1, got ", epochs);
  LORAG_CHECK_FIELD(max_steps == -1 || max_steps > 0, "max_steps", "must be > 0, got ", max_steps);
  LORAG_CHECK_FIELD(eval_every >= 0, "eval_every", "must be >= 0 (0 = at the end only), got ", eval_every);
  LORAG_CHECK_FIELD(save_every >= 0, "save_every", "must be >= 0 (0 = no checkpoints), got ", save_every);
  LORAG_CHECK_FIELD(loss_chunk_tokens >= 1, "loss_chunk_tokens", "must be >= 1, got ", loss_chunk_tokens);
}

adapters::LoraConfig TrainConfig::lora_config(const std::string& base_model) const {
  adapters::LoraConfig c;
  c.r = rank;
  c.lora_alpha = alpha;
  c.lora_dropout = dropout;
  c.use_rslora = use_rslora;
  c.base_model_name_or_path = base_model;
  if (targets == "all-linear") {
    c.target_modules.clear();
    c.target_modules_regex = true;
    c.target_modules_pattern = "all-linear";
  } else {
    c.target_modules.clear();
    std::stringstream in(targets);
    for (std::string name; std::getline(in, name, ',');) {
      if (!name.empty()) c.target_modules.push_back(name);
    }
    LORAG_CHECK(!c.target_modules.empty(), ConfigError, "targets: no module names in '", targets, "'");
  }
  c.validate();
  return c;
}

int64_t TrainConfig::resolved_warmup_steps(int64_t total_steps) const {
  if (warmup_steps >= 0) return warmup_steps;
  return static_cast<int64_t>(std::ceil(static_cast<double>(total_steps) * warmup_ratio));
}

nlohmann::json to_json(const TrainConfig& c) {
  return {{"rank", c.rank},
          {"alpha", c.alpha},
          {"dropout", c.dropout},
          {"targets", c.targets},
          {"use_rslora", c.use_rslora},
          {"adapter_dtype", c.adapter_dtype},
          {"lr", c.lr},
          {"weight_decay", c.weight_decay},
          {"adam_beta1", c.adam_beta1},
          {"adam_beta2", c.adam_beta2},
          {"adam_epsilon", c.adam_epsilon},
          {"scheduler", c.scheduler},
          {"warmup_ratio", c.warmup_ratio},
          {"warmup_steps", c.warmup_steps},
          {"max_grad_norm", c.max_grad_norm},
          {"batch_size", c.batch_size},
          {"grad_accum", c.grad_accum},
          {"epochs", c.epochs},
          {"max_steps", c.max_steps},
          {"seed", c.seed},
          {"eval_every", c.eval_every},
          {"save_every", c.save_every},
          {"gradient_checkpointing", c.gradient_checkpointing},
          {"loss_chunk_tokens", c.loss_chunk_tokens}};
}

}  // namespace lorag::train
