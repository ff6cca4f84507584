// SPDX-License-Identifier: Apache-2.0
#include "adapters/weighted_adapter.h"

#include <set>

#include "adapters/adapter_key.h"
#include "model/core/error.h"

namespace lorag::adapters {
namespace {
using Kind = AdapterKey::Kind;

struct Parts {
  std::vector<torch::Tensor> a, b;
  bool embedding = false;
};

std::string regex_escape_dots(const std::string& name) {
  std::string out;
  for (char c : name) out += c == '.' ? std::string("\\.") : std::string(1, c);
  return out;
}

// target_modules of the combination: the union of lists, or the alternation of regexes (PEFT).
void combine_targets(const std::vector<const AdapterSet*>& adapters, LoraConfig* out) {
  const bool regex = adapters.front()->config().target_modules_regex;
  std::set<std::string> names;
  std::string pattern;
  for (const auto* adapter : adapters) {
    const auto& c = adapter->config();
    LORAG_CHECK(c.target_modules_regex == regex, ConfigError,
                "combine adapters: target_modules mixes a list and a string across adapters");
    names.insert(c.target_modules.begin(), c.target_modules.end());
    pattern += (pattern.empty() ? "" : "|") + ("(" + c.target_modules_pattern + ")");
  }
  out->target_modules_regex = regex;
  out->target_modules.assign(names.begin(), names.end());
  const bool all_linear = adapters.front()->config().all_linear();
  out->target_modules_pattern = regex ? (all_linear ? std::string("all-linear") : pattern) : "";
  for (const auto* adapter : adapters) {
    LORAG_CHECK(adapter->config().all_linear() == all_linear, ConfigError,
                "combine adapters: cannot combine 'all-linear' with another target_modules regex");
  }
}
}  // namespace

AdapterSet combine_adapters(const std::vector<const AdapterSet*>& adapters, const std::vector<double>& weights,
                            const std::string& name) {
  LORAG_CHECK(!adapters.empty(), UsageError, "combine adapters: no adapters given");
  LORAG_CHECK(adapters.size() == weights.size(), UsageError, "combine adapters: ", adapters.size(),
              " adapters but ", weights.size(), " weights");
  std::map<std::string, Parts> modules;
  int64_t total_r = 0;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < adapters.size(); ++i) {
    const auto& adapter = *adapters[i];
    total_r += adapter.config().r;
    for (const auto& [key, tensor] : adapter.tensors()) {
      // PEFT saves a targeted embedding/lm_head's base weight (`base_layer.weight`)
      // beside its LoRA; it is the base model's, not part of the update.
      if (key.find(".base_layer.") != std::string::npos) continue;
      auto parsed = parse_adapter_key(key);
      LORAG_CHECK(parsed.kind != Kind::kFull, ConfigError, "combine adapters: '", adapter.name(), "' holds '", key,
                  "' (modules_to_save or a full weight), which cannot be combined");
      auto& parts = modules[parsed.target];
      auto t = tensor.detach().to(torch::kCPU, torch::kFloat32);
      if (parsed.kind == Kind::kLoraA || parsed.kind == Kind::kEmbeddingA) {
        // PEFT 'cat': the weight and the adapter's own scale go into A.
        parts.a.push_back(t * (weights[i] * adapter.config().scale_for(parsed.target)));  // [Rᵢ, in]
      } else {
        parts.b.push_back(t);  // [out, Rᵢ]
      }
      parts.embedding = parts.embedding || parsed.kind == Kind::kEmbeddingA || parsed.kind == Kind::kEmbeddingB;
    }
  }
  LoraConfig config = adapters.front()->config();
  config.r = total_r;
  config.lora_alpha = static_cast<double>(total_r);
  config.use_rslora = false;
  config.rank_pattern.clear();
  config.alpha_pattern.clear();
  config.modules_to_save.clear();
  combine_targets(adapters, &config);
  std::map<std::string, torch::Tensor> tensors;
  for (auto& [module, parts] : modules) {
    LORAG_CHECK(parts.a.size() == parts.b.size(), FormatError, "combine adapters: module '", module,
                "' lacks an A or a B matrix in one of the adapters");
    auto a = torch::cat(parts.a, 0);  // [ΣRᵢ, in]
    auto b = torch::cat(parts.b, 1);  // [out, ΣRᵢ]
    const int64_t r = a.size(0);
    if (r != total_r) {
      // alpha = rank keeps every module's scale at 1, so the delta is exactly Σ wᵢ·sᵢ·Bᵢ·Aᵢ.
      config.rank_pattern[regex_escape_dots(module)] = r;
      config.alpha_pattern[regex_escape_dots(module)] = static_cast<double>(r);
    }
    tensors[adapter_key(module, parts.embedding ? Kind::kEmbeddingA : Kind::kLoraA)] = a;
    tensors[adapter_key(module, parts.embedding ? Kind::kEmbeddingB : Kind::kLoraB)] = b;
  }
  return AdapterSet(name, std::move(config), std::move(tensors));
}

}  // namespace lorag::adapters
