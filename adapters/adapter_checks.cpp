// SPDX-License-Identifier: Apache-2.0
// Adapter value checks (adapters/), issue #18.
#include "adapters/adapter_checks.h"

#include <torch/torch.h>

#include <cmath>

#include "adapters/adapter_key.h"
#include "model/core/error.h"

namespace lorag::adapters {

void check_adapter_values(const std::map<std::string, torch::Tensor>& tensors, const LoraConfig& config,
                          const std::string& source) {
  torch::NoGradGuard no_grad;
  std::map<std::string, double> max_abs;  // by key
  for (const auto& [key, tensor] : tensors) {
    if (!tensor.is_floating_point() || tensor.numel() == 0) continue;
    LORAG_CHECK(torch::isfinite(tensor).all().item<bool>(), FormatError, source, ": tensor '", key,
                "' holds non-finite values (NaN or Inf); refusing to attach it");
    max_abs[key] = tensor.abs().max().item<double>();
  }
  using Kind = AdapterKey::Kind;
  for (const auto& [key, tensor] : tensors) {
    const auto parsed = parse_adapter_key(key);
    if (parsed.kind != Kind::kLoraA && parsed.kind != Kind::kEmbeddingA) continue;
    const auto b_key = adapter_key(parsed.target, parsed.kind == Kind::kLoraA ? Kind::kLoraB : Kind::kEmbeddingB);
    if (!tensors.count(b_key) || tensor.dim() != 2) continue;  // pairing errors are reported by attach
    const double scale = config.scale_for(parsed.target);
    const double r = static_cast<double>(tensor.size(0));
    // Embedding lora adds one row of B·A per token, so its "input width" is 1.
    const double width = parsed.kind == Kind::kLoraA ? static_cast<double>(tensor.size(1)) : 1.0;
    const double bound = std::abs(scale) * r * max_abs[key] * max_abs[b_key] * width;
    LORAG_CHECK(std::isfinite(scale) && bound <= kMaxLoraUpdate, ConfigError, source,
                ": lora_alpha=", config.alpha_for(parsed.target), " gives module '", parsed.target, "' a scale of ",
                scale, ", so its update can reach ", bound, " (limit ", kMaxLoraUpdate,
                "; hint: is lora_alpha in adapter_config.json right?)");
  }
}

}  // namespace lorag::adapters
