// SPDX-License-Identifier: Apache-2.0
// Adapters at inference time (adapters/): PEFT folders named "DIR" or "NAME=DIR",
// loaded into an AdapterBank on one model, with a default adapter that is
// attached (or merged into the weights) at load, and switching between them.
#pragma once

#include <c10/core/ScalarType.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter_bank.h"
#include "adapters/adapter_stack.h"

namespace lorag::adapters {

// The reserved name that selects no adapter (the base model).
inline constexpr const char* kBaseAdapter = "base";

struct AdapterSpec {
  std::string name;            // "math"; from NAME=DIR, else the folder's own name
  std::filesystem::path dir;   // PEFT folder, e.g. "out/math-lora"
};

// Parses "NAME=DIR" or "DIR". The text before the first '=' is a name when it is
// non-empty and holds no '/'; otherwise the whole text is the folder and the name
// is the folder's last component ("out/math/" → "math"). Throws UsageError for an
// empty folder or the reserved name "base".
AdapterSpec parse_adapter_spec(const std::string& text);

struct InferenceAdapterConfig {
  std::vector<std::string> specs;  // "DIR" or "NAME=DIR", e.g. {"math=out/math", "code=out/code"}
  // The default adapter, e.g. "math". "" = the only adapter when exactly one is
  // given, else the base model; "base" = the base model.
  std::string use;
  // Merge the default adapter into the weights (needs one: a single spec or `use`).
  // Only that adapter is loaded; the others given are ignored.
  bool merge = false;
  // Adapter dtype: "auto" (= the model's), "fp32", "bf16" or "fp16".
  std::string dtype = "auto";
};

// Not thread-safe; owns the adapters, shares the model. Besides the one adapter
// attached (select()), every stackable adapter is also stacked (stack()) for the
// engine's per-row batches, unless one is merged.
class InferenceAdapters {
 public:
  // Loads the folders (IoError naming a missing folder or file, ConfigError/
  // FormatError from load_peft_adapter), then attaches the default adapter onto
  // `model` and merges it when asked. Throws UsageError for a duplicate or reserved
  // name, an unknown `use`, merge without a default, or a bad dtype; ShapeError/
  // FormatError naming the module and both shapes when the default adapter does not
  // fit the model (the model is unchanged then). The other adapters are checked
  // when stacked, at load (AdapterStack::rebuild's errors), or, when they cannot be
  // stacked, when first selected.
  InferenceAdapters(model::CausalLM model, const InferenceAdapterConfig& config);

  // Makes `name` the active adapter: "" = the default, "base" = none. Cheap when it
  // is already active. Throws UsageError naming the available ones for an unknown
  // name, or for anything but the merged adapter once one is merged; attach()'s
  // errors for an adapter that does not fit.
  void select(const std::string& name);

  // Adds a loaded adapter (e.g. load_peft_adapter) at run time and restacks. Throws
  // UsageError when one is merged, for the reserved name "base" or a name taken;
  // the stack's errors for an adapter that does not fit (nothing is added then).
  void add(AdapterSet adapter);
  // Drops `name` (detached first when active; the default becomes "base" when it
  // was the default) and restacks. Throws UsageError for an unknown name, "base",
  // or while one is merged.
  void remove(const std::string& name);
  // Whether `name` runs per row in a mixed batch ("base" does; see AdapterStack).
  bool stackable(const std::string& name);
  const AdapterStack& stack() const { return stack_; }

  // The default adapter's name, "base" when none.
  const std::string& default_name() const { return default_; }
  // The adapter select() chose last, "base" when none. The engine may detach it
  // from the single slot while it runs stacked batches (attach_for_batch); the
  // choice stays, and select() puts it back.
  std::string active() const { return selected_; }
  // For the engine: puts `name` ("base" = none) into the single adapter slot for a
  // batch of its own, leaving active() unchanged. Throws as select().
  void attach_for_batch(const std::string& name);
  // What the single slot holds now, "base" when none.
  std::string attached() const;
  // The names select() accepts besides "": the loaded adapters and "base", or only
  // the merged adapter once one is merged.
  std::vector<std::string> available() const;
  bool merged() const { return merged_; }
  // How many adapters are loaded.
  size_t size() const { return bank_.names().size(); }
  // One line per adapter for logs: "math: out/math (r=8, alpha=16, 14 modules, 73728 parameters) [merged]".
  std::vector<std::string> describe();

 private:
  void restack();

  AdapterBank bank_;
  AdapterStack stack_;
  std::string default_ = kBaseAdapter;
  std::string selected_ = kBaseAdapter;  // what select() chose
  bool merged_ = false;
};

// "r=8, alpha=16, rslora, targets q_proj,v_proj, 14 modules, 73728 parameters":
// what an adapter is, for logs and `lorag info --adapter`.
std::string describe_adapter(const AdapterSet& adapter);

}  // namespace lorag::adapters
