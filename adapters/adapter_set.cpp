// SPDX-License-Identifier: Apache-2.0
#include "adapters/adapter_set.h"

#include <cmath>

#include "adapters/adapter_checks.h"
#include "adapters/adapter_key.h"
#include "adapters/target_matching.h"
#include "model/core/error.h"
#include "model/core/shape_str.h"

namespace lorag::adapters {
namespace {
using Kind = AdapterKey::Kind;

// A and B of one module, with the keys they came from.
struct LoraPair {
  torch::Tensor a, b;
  std::string a_key, b_key;
  bool embedding = false;
};

// What attach() will do, fully checked before anything is changed.
struct AttachPlan {
  struct Slot {
    model::LoraLinear module;
    std::string name;
    LoraPair pair;
    double scale;
  };
  struct Write {
    std::string param;     // model parameter name
    torch::Tensor target;  // the parameter
    torch::Tensor value;   // fp32 or parameter dtype, copied in
  };
  std::vector<Slot> slots;
  std::map<std::string, Write> writes;  // by parameter name
};

std::map<std::string, LoraPair> collect_pairs(const std::map<std::string, torch::Tensor>& tensors,
                                              const std::string& where,
                                              std::map<std::string, std::string>* full) {
  std::map<std::string, LoraPair> pairs;
  for (const auto& [key, tensor] : tensors) {
    auto parsed = parse_adapter_key(key);
    auto& pair = pairs[parsed.target];
    switch (parsed.kind) {
      case Kind::kLoraA: case Kind::kEmbeddingA:
        pair.a = tensor, pair.a_key = key, pair.embedding = parsed.kind == Kind::kEmbeddingA; break;
      case Kind::kLoraB: case Kind::kEmbeddingB:
        pair.b = tensor, pair.b_key = key; break;
      case Kind::kFull:
        pairs.erase(parsed.target);
        (*full)[parsed.target] = key;
        break;
    }
  }
  for (const auto& [module, pair] : pairs) {
    LORAG_CHECK(pair.a.defined() && pair.b.defined(), FormatError, where, ": module '", module, "' has ",
                pair.a.defined() ? pair.a_key : pair.b_key, " but not its ", pair.a.defined() ? "B" : "A",
                " counterpart");
    LORAG_CHECK(pair.a.dim() == 2 && pair.b.dim() == 2, ShapeError, where, ": '", pair.a_key, "' is ",
                shape_str(pair.a.sizes()), " and '", pair.b_key, "' is ", shape_str(pair.b.sizes()),
                ", expected two matrices");
  }
  return pairs;
}

// PEFT's embedding LoRA adds embedding(ids, Aᵀ)·Bᵀ·s, i.e. the table gains s·(B·A)ᵀ.
torch::Tensor embedding_delta(const LoraPair& pair, double scale) {
  return (torch::matmul(pair.b.to(torch::kFloat32), pair.a.to(torch::kFloat32)) * scale).t();  // [V, C]
}

void check_rank(const LoraPair& pair, int64_t expected, const std::string& module, const std::string& where) {
  // A is [R, in] for linears and [R, V] for embeddings; B is [out, R] / [C, R].
  const int64_t r = pair.a.size(0);
  LORAG_CHECK(r == expected && pair.b.size(1) == expected, ShapeError, where, ": '", pair.a_key, "' is ",
              shape_str(pair.a.sizes()), " and '", pair.b_key, "' is ", shape_str(pair.b.sizes()), ", expected rank ",
              expected, " for module '", module, "' (hint: r=", r, " or a rank_pattern entry?)");
}
// Checks every tensor against `model` and works out what attach() will change.
AttachPlan plan_attach(const std::map<std::string, torch::Tensor>& tensors, const LoraConfig& config,
                       const std::string& source, model::CausalLMImpl* model, c10::ScalarType type) {
  const auto device = model->device();
  std::map<std::string, std::string> full;  // parameter → key
  auto pairs = collect_pairs(tensors, source, &full);
  auto params = model->named_parameters();
  auto modules = model->named_modules();
  AttachPlan plan;
  for (const auto& [param, key] : full) {
    const auto* target = params.find(param);
    LORAG_CHECK(target, FormatError, source, ": '", key, "' replaces parameter '", param,
                "', which the model does not have",
                param.rfind(kOutputModule, 0) == 0 ? " (hint: lm_head is tied to embed_tokens in this model)" : "");
    const auto& value = tensors.at(key);
    LORAG_CHECK(value.sizes() == target->sizes(), ShapeError, source, ": '", key, "' is ", shape_str(value.sizes()),
                ", expected ", shape_str(target->sizes()), " for ", param);
    plan.writes[param] = {param, *target, value};
  }
  for (auto& [module, pair] : pairs) {
    check_rank(pair, config.rank_for(module), module, source);
    const double scale = config.scale_for(module);
    if (pair.embedding) {
      LORAG_CHECK(module == kEmbedModule && !model->config().tie_word_embeddings, FormatError, source, ": '",
                  pair.a_key, "' is an embedding lora for '", module, "', which lorag supports only on ",
                  kEmbedModule, " of a model with untied embeddings");
      LORAG_CHECK(!model->quantized_embedding(), UsageError, source, ": '", pair.a_key, "' is an embedding lora for ",
                  kEmbedModule, ", which is kept quantized (hint: --quantized dequantize)");
      auto embed = model->model->embed_tokens;  // [V, C]
      LORAG_CHECK(pair.a.size(1) == embed.size(0) && pair.b.size(0) == embed.size(1), ShapeError, source, ": '",
                  pair.a_key, "' is ", shape_str(pair.a.sizes()), " and '", pair.b_key, "' is ",
                  shape_str(pair.b.sizes()), ", expected [r, ", embed.size(0), "] and [", embed.size(1), ", r] for ",
                  module, ".weight ", shape_str(embed.sizes()));
      // Without an embedding slot (model/ owns the embedding) the update is written
      // into the table; detach restores the saved original.
      // PEFT may save the embedding's own weight (`base_layer.weight`) too; the delta
      // goes on top of whichever table ends up in place.
      const std::string param = std::string(kEmbedModule) + ".weight";
      auto& write = plan.writes[param];
      auto table = write.value.defined() ? write.value : embed;
      write = {param, embed, table.to(device, torch::kFloat32) + embedding_delta(pair, scale).to(device)};
      continue;
    }
    const auto* found = modules.find(module);
    auto linear = found ? std::dynamic_pointer_cast<model::LoraLinearImpl>(*found) : nullptr;
    LORAG_CHECK(linear, FormatError, source, ": '", pair.a_key, "' is for module '", module,
                "', which the model has no linear layer for",
                module == kOutputModule ? " (hint: lm_head is tied to embed_tokens in this model)" : "");
    LORAG_CHECK(pair.a.size(1) == linear->in_features() && pair.b.size(0) == linear->out_features(), ShapeError,
                source, ": '", pair.a_key, "' is ", shape_str(pair.a.sizes()), " and '", pair.b_key, "' is ",
                shape_str(pair.b.sizes()), ", expected [r, ", linear->in_features(), "] and [", linear->out_features(),
                ", r] for ", module, ".weight ", shape_str(linear->weight.sizes()));
    LORAG_CHECK(!linear->attached(), Error, source, ": module '", module, "' already carries an adapter");
    pair.a = pair.a.to(device, type);
    pair.b = pair.b.to(device, type);
    plan.slots.push_back({model::LoraLinear(linear), module, pair, scale});
  }
  return plan;
}
}  // namespace

AdapterSet::AdapterSet(std::string name, LoraConfig config, std::map<std::string, torch::Tensor> tensors,
                       std::string source)
    : name_(std::move(name)), config_(std::move(config)), tensors_(std::move(tensors)), source_(std::move(source)) {
  config_.validate();
  if (source_.empty()) source_ = "adapter '" + name_ + "'";
}

AdapterSet AdapterSet::create(model::CausalLMImpl& model, const LoraConfig& config, std::string name) {
  config.validate();
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [module_name, linear] : find_targets(model, config)) {
    const int64_t r = config.rank_for(module_name);
    auto a = torch::empty({r, linear->in_features()});  // [R, in]
    torch::nn::init::kaiming_uniform_(a, std::sqrt(5.0));  // PEFT init_lora_weights=True
    tensors[adapter_key(module_name, Kind::kLoraA)] = a;
    tensors[adapter_key(module_name, Kind::kLoraB)] = torch::zeros({linear->out_features(), r});  // [out, R]
  }
  if (is_target(config, kEmbedModule, false)) {
    LORAG_CHECK(!model.quantized_embedding(), UsageError, "lora config: target '", kEmbedModule,
                "' is an embedding lora on an embedding kept quantized (hint: --quantized dequantize)");
    const int64_t r = config.rank_for(kEmbedModule);
    const auto& embed = model.model->embed_tokens;  // [V, C]
    // PEFT's embedding init is the other way round: A = 0, B ~ N(0, 1).
    tensors[adapter_key(kEmbedModule, Kind::kEmbeddingA)] = torch::zeros({r, embed.size(0)});
    tensors[adapter_key(kEmbedModule, Kind::kEmbeddingB)] = torch::randn({embed.size(1), r});
  }
  for (const auto& item : model.named_parameters()) {
    const auto& param = item.key();
    const auto module = param.substr(0, param.rfind('.'));
    if (is_module_to_save(config, module)) tensors[kPeftPrefix + param] = item.value().detach().to(torch::kCPU).clone();
  }
  LORAG_CHECK(!tensors.empty(), ConfigError, "lora config: target_modules matches no module of the model");
  return AdapterSet(std::move(name), config, std::move(tensors));
}

void AdapterSet::attach(model::CausalLM model, std::optional<c10::ScalarType> dtype) {
  LORAG_CHECK(!attached(), Error, source_, ": adapter '", name_, "' is already attached (detach it first)");
  check_adapter_values(tensors_, config_, source_);
  auto plan = plan_attach(tensors_, config_, source_, model.get(), dtype.value_or(model->dtype()));
  torch::NoGradGuard no_grad;
  for (auto& slot : plan.slots) {
    slot.module->attach(slot.pair.a, slot.pair.b, slot.scale, config_.lora_dropout, slot.name);
    // The slots' parameters become the set's tensors, so training shows in save().
    tensors_[slot.pair.a_key] = slot.module->lora_A->weight;
    tensors_[slot.pair.b_key] = slot.module->lora_B->weight;
    slots_.push_back(slot.module);
  }
  for (auto& [param, write] : plan.writes) {
    if (!originals_.count(write.param)) originals_[write.param] = write.target.detach().clone();
    write.target.copy_(write.value.to(write.target.device(), write.target.scalar_type()));
  }
  model_ = model.ptr();
  merged_ = false;
}

void AdapterSet::merge() {
  LORAG_CHECK(attached(), Error, source_, ": merge: adapter '", name_, "' is not attached");
  LORAG_CHECK(!merged_, Error, source_, ": merge: adapter '", name_, "' is already merged");
  for (size_t i = 0; i < slots_.size(); ++i) {
    try {
      slots_[i]->merge();
    } catch (...) {
      for (size_t j = 0; j < i; ++j) slots_[j]->unmerge();  // all or nothing
      throw;
    }
  }
  merged_ = true;
}

void AdapterSet::unmerge() {
  LORAG_CHECK(merged_, Error, source_, ": unmerge: adapter '", name_, "' is not merged");
  for (auto& slot : slots_) slot->unmerge();
  merged_ = false;
}

void AdapterSet::detach() {
  if (!attached()) return;
  LORAG_CHECK(!merged_, Error, source_, ": cannot detach adapter '", name_, "' while merged (unmerge it first)");
  for (auto& slot : slots_) slot->detach();
  slots_.clear();
  torch::NoGradGuard no_grad;
  auto params = model_->named_parameters();
  for (const auto& [param, original] : originals_) params[param].copy_(original);
  originals_.clear();
  model_.reset();
}

void AdapterSet::set_enabled(bool enabled) {
  for (auto& slot : slots_) slot->set_enabled(enabled);
}

std::vector<torch::Tensor> AdapterSet::parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& slot : slots_) {
    for (auto& p : slot->adapter_parameters()) out.push_back(p);
  }
  return out;
}

}  // namespace lorag::adapters
