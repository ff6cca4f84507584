// SPDX-License-Identifier: Apache-2.0
#include "adapters/inference_adapters.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "adapters/adapter_key.h"
#include "adapters/peft_io.h"
#include "model/core/error.h"
#include "model/model_loader.h"

namespace lorag::adapters {
namespace fs = std::filesystem;
namespace {

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out.empty() ? "none" : out;
}

std::optional<c10::ScalarType> adapter_dtype(const std::string& name, const c10::Device& device) {
  if (name == "auto") return std::nullopt;
  try {
    return model::resolve_dtype(name, device);
  } catch (const UsageError&) {
    LORAG_FAIL(UsageError, "adapter dtype '", name, "' is not one of auto, fp32, bf16, fp16");
  }
}

std::vector<AdapterSpec> parse_specs(const std::vector<std::string>& texts) {
  std::vector<AdapterSpec> specs;
  for (const auto& text : texts) {
    auto spec = parse_adapter_spec(text);
    for (const auto& other : specs) {
      LORAG_CHECK(other.name != spec.name, UsageError, "two adapters are named '", spec.name, "' (",
                  other.dir.string(), " and ", spec.dir.string(), "); name them apart with NAME=DIR");
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace

AdapterSpec parse_adapter_spec(const std::string& text) {
  AdapterSpec spec;
  const auto eq = text.find('=');
  const bool named = eq != std::string::npos && eq > 0 && text.substr(0, eq).find('/') == std::string::npos;
  spec.dir = named ? text.substr(eq + 1) : text;
  LORAG_CHECK(!spec.dir.empty(), UsageError, "adapter '", text, "': no folder given (expected DIR or NAME=DIR)");
  if (named) {
    spec.name = text.substr(0, eq);
  } else {
    // "out/math/" has an empty last component: take the folder's own name.
    auto normal = spec.dir.lexically_normal();
    spec.name = (normal.has_filename() ? normal.filename() : normal.parent_path().filename()).string();
  }
  LORAG_CHECK(!spec.name.empty() && spec.name != "." && spec.name != "..", UsageError, "adapter '", text,
              "': cannot name it after its folder; give NAME=DIR");
  LORAG_CHECK(spec.name != kBaseAdapter, UsageError, "adapter '", text, "': the name '", kBaseAdapter,
              "' is reserved for the base model; give another with NAME=DIR");
  return spec;
}

InferenceAdapters::InferenceAdapters(model::CausalLM model, const InferenceAdapterConfig& config)
    : bank_(model, adapter_dtype(config.dtype, model->device())),
      stack_(model, adapter_dtype(config.dtype, model->device())) {
  const auto specs = parse_specs(config.specs);
  std::vector<std::string> names;
  for (const auto& spec : specs) names.push_back(spec.name);
  std::string chosen = config.use;
  if (chosen.empty()) chosen = specs.size() == 1 ? specs[0].name : kBaseAdapter;
  LORAG_CHECK(chosen == kBaseAdapter || std::find(names.begin(), names.end(), chosen) != names.end(), UsageError,
              "no adapter named '", chosen, "' to use (loaded: ", join(names), ")");
  if (config.merge) {
    LORAG_CHECK(!specs.empty(), UsageError, "merge needs an adapter to merge");
    LORAG_CHECK(chosen != kBaseAdapter, UsageError, "merge needs one adapter chosen among ", specs.size(), " (",
                join(names), "); only the chosen one is merged");
  }
  for (const auto& spec : specs) {
    // Merged weights cannot switch adapters, so the others would never be used.
    if (config.merge && spec.name != chosen) continue;
    LORAG_CHECK(fs::is_directory(spec.dir), IoError, spec.dir.string(),
                fs::exists(spec.dir) ? ": is not a folder" : ": adapter folder not found",
                " (expected a PEFT folder with adapter_config.json and adapter_model.safetensors)");
    bank_.add(load_peft_adapter(spec.dir, spec.name));
  }
  default_ = chosen;
  select("");
  if (config.merge) {
    bank_.get(default_).merge();
    merged_ = true;
    return;  // a merged adapter is the only one: nothing to stack
  }
  restack();
}

void InferenceAdapters::restack() {
  std::vector<const AdapterSet*> stackable;
  for (const auto& name : bank_.names()) {
    auto& adapter = bank_.get(name);
    if (AdapterStack::stackable(adapter)) stackable.push_back(&adapter);
  }
  stack_.rebuild(stackable);
}

void InferenceAdapters::add(AdapterSet adapter) {
  const std::string name = adapter.name();
  LORAG_CHECK(!merged_, UsageError, "cannot load adapter '", name, "': '", default_,
              "' is merged into the weights (load the model without --merge)");
  LORAG_CHECK(name != kBaseAdapter, UsageError, "the adapter name '", kBaseAdapter,
              "' is reserved for the base model; give another");
  bank_.add(std::move(adapter));
  try {
    restack();
  } catch (...) {  // it does not fit: leave the set as it was
    bank_.remove(name);
    restack();
    throw;
  }
}

void InferenceAdapters::remove(const std::string& name) {
  LORAG_CHECK(!merged_, UsageError, "cannot unload adapter '", name, "': it is merged into the weights");
  LORAG_CHECK(name != kBaseAdapter, UsageError, "cannot unload '", kBaseAdapter, "': it is the base model");
  const auto loaded = bank_.names();
  LORAG_CHECK(std::find(loaded.begin(), loaded.end(), name) != loaded.end(), UsageError, "no adapter named '", name,
              "' to unload (loaded: ", join(loaded), ")");
  bank_.remove(name);
  if (default_ == name) default_ = kBaseAdapter;
  if (selected_ == name) selected_ = default_;
  restack();
}

bool InferenceAdapters::stackable(const std::string& name) {
  return name == kBaseAdapter || AdapterStack::stackable(bank_.get(name));
}

void InferenceAdapters::select(const std::string& name) {
  const std::string& target = name.empty() ? default_ : name;
  if (merged_) {
    LORAG_CHECK(target == default_, UsageError, "adapter '", target, "' is not available: '", default_,
                "' is merged into the weights, so it is the only one (available: ", default_, ")");
    return;
  }
  if (target != kBaseAdapter) {
    const auto loaded = bank_.names();
    LORAG_CHECK(std::find(loaded.begin(), loaded.end(), target) != loaded.end(), UsageError, "no adapter named '",
                target, "' (available: ", join(available()), ")");
  }
  bank_.activate(target == kBaseAdapter ? "" : target);
  selected_ = target;
}

std::string InferenceAdapters::attached() const { return bank_.active().empty() ? kBaseAdapter : bank_.active(); }

void InferenceAdapters::attach_for_batch(const std::string& name) {
  const auto chosen = selected_;
  select(name);
  selected_ = chosen;
}

std::vector<std::string> InferenceAdapters::available() const {
  if (merged_) return {default_};
  auto names = bank_.names();
  names.push_back(kBaseAdapter);
  return names;
}

std::vector<std::string> InferenceAdapters::describe() {
  std::vector<std::string> lines;
  for (const auto& name : bank_.names()) {
    auto& adapter = bank_.get(name);
    std::string state = merged_ && name == default_ ? " [merged]" : name == selected_ ? " [active]" : "";
    lines.push_back(name + ": " + adapter.source() + " (" + describe_adapter(adapter) + ")" + state);
  }
  return lines;
}

std::string describe_adapter(const AdapterSet& adapter) {
  const auto& c = adapter.config();
  int64_t modules = 0, params = 0;
  for (const auto& [key, tensor] : adapter.tensors()) {
    const auto kind = parse_adapter_key(key).kind;
    modules += kind == AdapterKey::Kind::kLoraA || kind == AdapterKey::Kind::kEmbeddingA;
    params += tensor.numel();
  }
  // PEFT saves "all-linear" expanded to every full module name: list each kind once.
  std::set<std::string> unique;
  for (const auto& t : c.target_modules) unique.insert(t.substr(t.rfind('.') + 1));
  const std::vector<std::string> kinds(unique.begin(), unique.end());
  std::ostringstream out;
  out << "r=" << c.r << ", alpha=" << c.lora_alpha << (c.use_rslora ? ", rslora" : "") << ", targets "
      << (c.target_modules_regex ? c.target_modules_pattern : join(kinds, ","));
  if (!c.modules_to_save.empty()) out << ", modules_to_save " << join(c.modules_to_save, ",");
  out << ", " << modules << " modules, " << params << " parameters";
  return out.str();
}

}  // namespace lorag::adapters
