// SPDX-License-Identifier: Apache-2.0
#include "adapters/adapter_bank.h"

#include "model/core/error.h"

namespace lorag::adapters {

AdapterBank::AdapterBank(model::CausalLM model, std::optional<c10::ScalarType> dtype)
    : model_(std::move(model)), dtype_(dtype) {}

void AdapterBank::add(AdapterSet adapter) {
  const auto name = adapter.name();
  LORAG_CHECK(!name.empty(), UsageError, "adapter bank: an adapter needs a name");
  LORAG_CHECK(!adapters_.count(name), UsageError, "adapter bank: an adapter named '", name, "' is already loaded");
  adapters_.emplace(name, std::move(adapter));
}

void AdapterBank::remove(const std::string& name) {
  auto& adapter = get(name);
  adapter.detach();
  if (active_ == name) active_.clear();
  adapters_.erase(name);
}

AdapterSet& AdapterBank::get(const std::string& name) {
  auto it = adapters_.find(name);
  if (it == adapters_.end()) {
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    LORAG_FAIL(UsageError, "adapter bank: no adapter named '", name, "' (loaded: ",
               known.empty() ? "none" : known, ")");
  }
  return it->second;
}

void AdapterBank::activate(const std::string& name) {
  if (name == active_) return;
  if (!name.empty()) get(name);  // unknown names fail before anything changes
  if (!active_.empty()) {
    get(active_).detach();
    active_.clear();
  }
  if (name.empty()) return;
  get(name).attach(model_, dtype_);
  active_ = name;
}

std::vector<std::string> AdapterBank::names() const {
  std::vector<std::string> out;
  for (const auto& [name, adapter] : adapters_) out.push_back(name);
  return out;
}

}  // namespace lorag::adapters
