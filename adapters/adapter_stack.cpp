// SPDX-License-Identifier: Apache-2.0
#include "adapters/adapter_stack.h"

#include <algorithm>
#include <map>

#include "adapters/adapter_checks.h"
#include "adapters/adapter_key.h"
#include "model/core/error.h"
#include "model/core/shape_str.h"

namespace lorag::adapters {
namespace {
using Kind = AdapterKey::Kind;

// One adapter's A and B for one module, scale folded into B later.
struct Pair {
  torch::Tensor a, b;  // [r, in], [out, r]
  std::string a_key;
};

std::map<std::string, Pair> linear_pairs(const AdapterSet& adapter) {
  std::map<std::string, Pair> pairs;
  for (const auto& [key, tensor] : adapter.tensors()) {
    const auto parsed = parse_adapter_key(key);
    if (parsed.kind == Kind::kLoraA) pairs[parsed.target].a = tensor, pairs[parsed.target].a_key = key;
    if (parsed.kind == Kind::kLoraB) pairs[parsed.target].b = tensor;
  }
  for (const auto& [module, pair] : pairs) {
    LORAG_CHECK(pair.a.defined() && pair.b.defined() && pair.a.dim() == 2 && pair.b.dim() == 2 &&
                    pair.a.size(0) == pair.b.size(1),
                FormatError, adapter.source(), ": module '", module, "' needs lora_A [r, in] and lora_B [out, r]");
  }
  return pairs;
}

}  // namespace

AdapterStack::AdapterStack(model::CausalLM model, std::optional<c10::ScalarType> dtype)
    : model_(std::move(model)), dtype_(dtype), rows_(std::make_shared<model::LoraRowMask>()) {}

AdapterStack::~AdapterStack() { clear(); }

bool AdapterStack::stackable(const AdapterSet& adapter) {
  for (const auto& [key, tensor] : adapter.tensors()) {
    const auto kind = parse_adapter_key(key).kind;
    if (kind != Kind::kLoraA && kind != Kind::kLoraB) return false;
  }
  return true;
}

void AdapterStack::rebuild(const std::vector<const AdapterSet*>& adapters) {
  torch::NoGradGuard no_grad;
  const auto device = model_->device();
  const auto type = dtype_.value_or(model_->dtype());
  auto modules = model_->named_modules();
  // Check every adapter against the model and find the padded rank first.
  std::vector<std::map<std::string, Pair>> all;
  std::map<std::string, model::LoraLinear> targets;
  int64_t rank = 0;
  for (const auto* adapter : adapters) {
    LORAG_ASSERT(stackable(*adapter), "adapter stack: '", adapter->name(), "' is not stackable");
    check_adapter_values(adapter->tensors(), adapter->config(), adapter->source());
    auto pairs = linear_pairs(*adapter);
    for (const auto& [module, pair] : pairs) {
      const auto* found = modules.find(module);
      auto linear = found ? std::dynamic_pointer_cast<model::LoraLinearImpl>(*found) : nullptr;
      LORAG_CHECK(linear, FormatError, adapter->source(), ": '", pair.a_key, "' is for module '", module,
                  "', which the model has no linear layer for");
      LORAG_CHECK(pair.a.size(1) == linear->in_features() && pair.b.size(0) == linear->out_features(), ShapeError,
                  adapter->source(), ": '", pair.a_key, "' is ", shape_str(pair.a.sizes()), " and lora_B is ",
                  shape_str(pair.b.sizes()), ", expected [r, ", linear->in_features(), "] and [",
                  linear->out_features(), ", r] for ", module, ".weight ", shape_str(linear->weight.sizes()));
      targets.emplace(module, model::LoraLinear(linear));
      rank = std::max(rank, pair.a.size(0));
    }
    all.push_back(std::move(pairs));
  }
  const int64_t n = adapters.size();
  const int64_t width = n * rank;
  std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> stacks;
  const auto options = torch::TensorOptions().dtype(type).device(device);
  for (const auto& [module, linear] : targets) {
    auto a = torch::zeros({width, linear->in_features()}, options);   // [S, in]
    auto b = torch::zeros({linear->out_features(), width}, options);  // [out, S]
    for (int64_t i = 0; i < n; ++i) {
      auto it = all[i].find(module);
      if (it == all[i].end()) continue;
      const int64_t r = it->second.a.size(0);
      const double scale = adapters[i]->config().scale_for(module);
      a.narrow(0, i * rank, r).copy_(it->second.a);
      // The scale applied in fp32 before rounding to the stack dtype, as PEFT scales
      // the update (not the weight) but the product is the same up to rounding.
      b.narrow(1, i * rank, r).copy_(it->second.b.to(device, torch::kFloat32) * scale);
    }
    stacks[module] = {a, b};
  }
  clear();
  for (auto& [module, linear] : targets) {
    linear->set_stack(stacks[module].first, stacks[module].second, rows_);
    stacked_.push_back(linear);
  }
  names_.clear();
  for (const auto* adapter : adapters) names_.push_back(adapter->name());
  rank_ = rank;
  width_ = width;
}

void AdapterStack::clear() {
  for (auto& linear : stacked_) linear->clear_stack();
  stacked_.clear();
  names_.clear();
  rank_ = width_ = 0;
  rows_->mask = torch::Tensor();
}

torch::Tensor AdapterStack::mask_row(const std::string& name) const {
  const auto options = torch::TensorOptions().dtype(dtype_.value_or(model_->dtype())).device(model_->device());
  auto row = torch::zeros({width_}, options);  // [S]
  auto it = std::find(names_.begin(), names_.end(), name);
  if (it != names_.end()) row.narrow(0, (it - names_.begin()) * rank_, rank_).fill_(1);
  return row;
}

}  // namespace lorag::adapters
