// SPDX-License-Identifier: Apache-2.0
// Several named adapters for one model, one active at a time (adapters/).
//
// Design: LoraLinear has one slot (STYLE §4), so the bank keeps every AdapterSet
// and loads the requested one into the slots. After an adapter's first activation
// its tensors already live on the model's device in the adapter dtype, so switching
// back is a pointer swap per slot (no copy); embedding LoRA and modules_to_save are
// rewritten into the base weights on each switch. Batches that mix adapters use
// the AdapterStack (adapters/adapter_stack.h) instead of this one slot.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter_set.h"

namespace lorag::adapters {

class AdapterBank {
 public:
  // `dtype`: the adapter dtype for every slot (default: the model dtype).
  explicit AdapterBank(model::CausalLM model, std::optional<c10::ScalarType> dtype = std::nullopt);

  // Adds `adapter` under its name (inactive). Throws UsageError when the name is taken.
  void add(AdapterSet adapter);
  // Detaches and drops `name`. Throws UsageError when unknown.
  void remove(const std::string& name);
  // Makes `name` the adapter in the model; "" means none (the base model). Throws
  // UsageError naming the known adapters for an unknown name, Error when the active
  // one is merged, and attach()'s errors (the previous one stays detached then).
  void activate(const std::string& name);
  // The active adapter's name; "" when none.
  const std::string& active() const { return active_; }
  std::vector<std::string> names() const;
  AdapterSet& get(const std::string& name);

 private:
  model::CausalLM model_;
  std::optional<c10::ScalarType> dtype_;
  std::map<std::string, AdapterSet> adapters_;
  std::string active_;
};

}  // namespace lorag::adapters
