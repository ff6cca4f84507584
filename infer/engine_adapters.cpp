// SPDX-License-Identifier: Apache-2.0
// Engine: adapters loaded and unloaded while requests run (issue 12). Files are
// read outside every lock; the adapter set changes under `model_mutex_`, i.e.
// between two scheduler steps, never during a forward.
#include <algorithm>

#include "adapters/inference_adapters.h"
#include "adapters/peft_io.h"
#include "infer/decode_graphs.h"
#include "infer/engine.h"
#include "model/core/error.h"

namespace lorag::infer {
namespace {

// Takes `model_mutex_` ahead of the scheduler loop, which yields while
// `waiting` is non-zero (std::mutex is not fair).
class AdminLock {
 public:
  AdminLock(std::mutex& mutex, std::atomic<int>& waiting) : lock_(mutex, std::defer_lock) {
    ++waiting;
    lock_.lock();
    --waiting;
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace

void Engine::load_adapter(const std::string& name, const std::filesystem::path& dir) {
  LORAG_CHECK(!name.empty(), UsageError, "load adapter: the name is empty");
  LORAG_CHECK(name != adapters::kBaseAdapter, UsageError, "load adapter: the name '", adapters::kBaseAdapter,
              "' is reserved for the base model; give another");
  {
    std::lock_guard lock(mutex_);
    LORAG_CHECK(!names_.count(name), UsageError, "load adapter: an adapter named '", name, "' is already loaded");
  }
  LORAG_CHECK(std::filesystem::is_directory(dir), IoError, dir.string(),
              std::filesystem::exists(dir) ? ": is not a folder" : ": adapter folder not found",
              " (expected a PEFT folder with adapter_config.json and adapter_model.safetensors)");
  auto adapter = adapters::load_peft_adapter(dir, name);  // the slow part, outside the locks
  AdminLock admin(model_mutex_, admin_waiting_);
  torch::NoGradGuard no_grad;
  LORAG_CHECK(!unloading_.count(name), UsageError, "load adapter: '", name,
              "' is still being unloaded (a running request uses it); try again when it ends");
  if (!adapters_) {
    owned_adapters_ = std::make_unique<adapters::InferenceAdapters>(net_, adapters::InferenceAdapterConfig{});
    adapters_ = owned_adapters_.get();
  }
  {
    std::lock_guard lock(mutex_);  // a concurrent load of the same name got here first
    LORAG_CHECK(!names_.count(name), UsageError, "load adapter: an adapter named '", name, "' is already loaded");
  }
  adapters_->add(std::move(adapter));
  refresh_masks();
  if (graphs_) graphs_ = std::make_unique<DecodeGraphs>();  // the stacks they captured are gone
  std::lock_guard lock(mutex_);
  names_.insert(name);
}

void Engine::unload_adapter(const std::string& name) {
  LORAG_CHECK(name != adapters::kBaseAdapter && !name.empty(), UsageError, "unload adapter: '", name,
              "' is not an adapter (the base model cannot be unloaded)");
  AdminLock admin(model_mutex_, admin_waiting_);
  std::vector<PendingRequest> dropped;
  {
    std::lock_guard lock(mutex_);
    LORAG_CHECK(names_.count(name), UsageError, "unload adapter: no adapter named '", name, "' is loaded",
                unloading_.count(name) ? " (it is being unloaded)" : "");
    LORAG_CHECK(!adapters_->merged(), UsageError, "unload adapter: '", name, "' is merged into the weights");
    names_.erase(name);
    if (default_adapter_ == name) default_adapter_ = adapters::kBaseAdapter;
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->adapter != name) {
        ++it;
        continue;
      }
      dropped.push_back(std::move(*it));
      it = waiting_.erase(it);
    }
  }
  for (auto& p : dropped) {
    EngineResult r;
    r.id = p.id;
    r.finish_reason = "error";
    r.error = "adapter '" + name + "' was unloaded before the request started";
    r.adapter = name;
    r.prompt_tokens = static_cast<int64_t>(p.request.prompt.size());
    p.promise.set_value(std::move(r));
  }
  if (!dropped.empty()) {
    std::lock_guard lock(mutex_);
    stats_.requests += dropped.size();
  }
  unloading_.insert(name);
  torch::NoGradGuard no_grad;
  collect_unloaded();
}

void Engine::collect_unloaded() {
  bool changed = false;
  for (auto it = unloading_.begin(); it != unloading_.end();) {
    const auto& name = *it;
    const bool in_use = std::any_of(slots_.begin(), slots_.end(),
                                    [&](const Slot& s) { return s.active && s.active->result.adapter == name; });
    if (in_use) {
      ++it;
      continue;
    }
    adapters_->remove(name);
    // A later adapter of the same name has other weights: its keys/values are stale.
    for (auto& slot : slots_) {
      if (slot.cached_adapter == name) slot.cached.clear();
    }
    if (active_group_ == name) active_group_.clear();
    it = unloading_.erase(it);
    changed = true;
  }
  if (!changed) return;
  refresh_masks();
  if (graphs_) graphs_ = std::make_unique<DecodeGraphs>();
}

std::vector<std::string> Engine::adapter_names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& n : names_) {
    if (n != adapters::kBaseAdapter) out.push_back(n);
  }
  return out;  // std::set keeps them sorted
}

}  // namespace lorag::infer
