// SPDX-License-Identifier: Apache-2.0
// Engine: construction, the thread-safe edge (submit, cancel, stats), admission
// into slots and the scheduler loop. The model steps are in engine_step.cpp.
#include "infer/engine.h"

#include <torch/torch.h>

#include <algorithm>

#include "adapters/inference_adapters.h"
#include "adapters/peft_io.h"
#include "infer/decode_graphs.h"
#include "model/core/error.h"
#include "model/core/log.h"

namespace lorag::infer {
namespace {

double seconds_since(EngineClock::time_point t) {
  return std::chrono::duration<double>(EngineClock::now() - t).count();
}

size_t common_prefix(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

void end_pending(PendingRequest& p, const std::string& reason, const std::string& error = "") {
  EngineResult r;
  r.id = p.id;
  r.finish_reason = reason;
  r.error = error;
  r.adapter = p.adapter;
  r.prompt_tokens = static_cast<int64_t>(p.request.prompt.size());
  r.queue_seconds = r.total_seconds = seconds_since(p.submitted);
  p.promise.set_value(std::move(r));
}

}  // namespace

void EngineConfig::validate() const {
  LORAG_CHECK(parallel >= 1, ConfigError, "parallel must be at least 1, got ", parallel);
  LORAG_CHECK(ctx_size >= 0, ConfigError, "ctx_size must be >= 0 (0 = the model's context), got ", ctx_size);
  LORAG_CHECK(prefill_chunk >= 1, ConfigError, "prefill_chunk must be at least 1, got ", prefill_chunk);
}

EngineStats& EngineStats::operator+=(const EngineStats& o) {
  requests += o.requests;
  prompt_tokens += o.prompt_tokens;
  reused_tokens += o.reused_tokens;
  prefilled_tokens += o.prefilled_tokens;
  first_tokens += o.first_tokens;
  decoded_tokens += o.decoded_tokens;
  decode_steps += o.decode_steps;
  prefill_seconds += o.prefill_seconds;
  decode_seconds += o.decode_seconds;
  return *this;
}

Engine::Engine(model::CausalLM net, std::shared_ptr<const model::text::Tokenizer> tokenizer, const EngineConfig& config,
               adapters::InferenceAdapters* adapters)
    : net_(std::move(net)), tokenizer_(std::move(tokenizer)), config_(config), adapters_(adapters) {
  config_.validate();
  const auto& mc = net_->config();
  if (config_.ctx_size == 0) config_.ctx_size = mc.context_length();
  LORAG_CHECK(config_.ctx_size <= mc.context_length(), ConfigError, "ctx_size ", config_.ctx_size,
              " exceeds the model's context of ", mc.context_length(), " tokens");
  const auto& special = tokenizer_->special_tokens();
  eos_ids_.insert(special.eos_ids.begin(), special.eos_ids.end());
  eos_ids_.insert(mc.eos_token_ids.begin(), mc.eos_token_ids.end());
  const auto& rope = mc.rope_scaling;
  length_dependent_rope_ = rope.type == "dynamic" || rope.type == "longrope";
  if (rope.type == "longrope") longrope_original_ = rope.original_max_position_embeddings;
  const auto options = torch::TensorOptions().dtype(net_->dtype()).device(net_->device());
  cache_ = std::make_unique<model::KvCache>(mc, config_.parallel, config_.ctx_size + 1, options);
  slots_.resize(config_.parallel);
  if (config_.cuda_graphs && DecodeGraphs::supported(net_)) graphs_ = std::make_unique<DecodeGraphs>();
  names_ = {adapters::kBaseAdapter};
  default_adapter_ = adapters::kBaseAdapter;
  if (adapters_) {
    const auto available = adapters_->available();
    names_ = std::set<std::string>(available.begin(), available.end());
    default_adapter_ = adapters_->default_name();
  }
  refresh_masks();
}

Engine::~Engine() {
  stop();
  std::deque<PendingRequest> waiting;
  {
    std::lock_guard lock(mutex_);
    waiting.swap(waiting_);
  }
  for (auto& p : waiting) end_pending(p, "cancelled");
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s].active) finish(s, "cancelled");
  }
}

std::string Engine::resolve_adapter(const std::string& name) const {
  if (name.empty()) return default_adapter_;
  if (names_.count(name)) return name;
  if (names_.size() == 1 && names_.count(adapters::kBaseAdapter)) {
    LORAG_FAIL(UsageError, "no adapter named '", name, "' (no adapters are loaded)");
  }
  std::string list;
  for (const auto& n : names_) list += (list.empty() ? "" : ", ") + n;
  LORAG_FAIL(UsageError, "no adapter named '", name, "' (loaded: ", list, ")");
}

Submission Engine::submit(EngineRequest request) {
  request.config.validate();
  const int64_t vocab = net_->config().vocab_size;
  LORAG_CHECK(!request.prompt.empty(), UsageError, "the prompt is empty");
  for (int64_t id : request.prompt) {
    LORAG_CHECK(id >= 0 && id < vocab, UsageError, "token id ", id, " is outside the vocabulary [0, ", vocab, ")");
  }
  const int64_t length = request.prompt.size();
  LORAG_CHECK(length < config_.ctx_size, UsageError, "prompt of ", length, " tokens does not fit the context of ",
              config_.ctx_size, " tokens (hint: raise --ctx-size or shorten the prompt)");
  PendingRequest pending;
  Submission out;
  out.result = pending.promise.get_future();
  {
    std::lock_guard lock(mutex_);  // names change under it (load/unload)
    pending.adapter = resolve_adapter(request.adapter);
    pending.request = std::move(request);
    pending.submitted = EngineClock::now();
    out.id = pending.id = next_id_++;
    waiting_.push_back(std::move(pending));
  }
  wake_.notify_one();
  return out;
}

void Engine::cancel(uint64_t id) {
  {
    std::lock_guard lock(mutex_);
    cancelled_.insert(id);
  }
  wake_.notify_one();
}

EngineStats Engine::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Engine::apply_cancellations() {
  std::set<uint64_t> ids;
  {
    std::lock_guard lock(mutex_);
    ids.swap(cancelled_);
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (!ids.count(it->id)) {
        ++it;
        continue;
      }
      end_pending(*it, "cancelled");
      it = waiting_.erase(it);
    }
  }
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s].active && ids.count(slots_[s].active->id)) finish(s, "cancelled");
  }
}

int64_t Engine::pick_slot(const std::vector<int64_t>& prompt, const std::string& adapter) const {
  int64_t best = -1;
  size_t best_shared = 0;
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s].state != Slot::State::kFree) continue;
    const bool same_adapter = slots_[s].cached_adapter == adapter;
    const size_t shared = config_.prefix_reuse && same_adapter ? common_prefix(slots_[s].cached, prompt) : 0;
    if (best < 0 || shared > best_shared) {
      best = s;
      best_shared = shared;
    }
  }
  return best;
}

std::string Engine::group_of(const std::string& adapter) {
  if (!adapters_ || adapters_->merged() || adapters_->stackable(adapter)) return "";
  return adapter;
}

void Engine::use_group(const std::string& group) {
  if (adapters_ && !adapters_->merged()) {
    // Stacked rows need the single slot empty, or its adapter would add to every row.
    const std::string wanted = group.empty() ? adapters::kBaseAdapter : group;
    if (adapters_->attached() != wanted) adapters_->attach_for_batch(wanted);
  }
  // Captured graphs hold the adapter tensors and whether the row mask was set.
  if (group != active_group_ && graphs_) graphs_ = std::make_unique<DecodeGraphs>();
  active_group_ = group;
}

void Engine::refresh_masks() {
  const int64_t width = adapters_ ? adapters_->stack().width() : 0;
  if (width == 0) {
    slot_masks_ = torch::Tensor();
    return;
  }
  slot_masks_ = torch::zeros({config_.parallel, width}, adapters_->stack().mask_row("").options());  // [parallel, S]
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s].active) slot_masks_[s].copy_(adapters_->stack().mask_row(slots_[s].active->result.adapter));
  }
}

void Engine::admit() {
  // Base rows and rows of stackable adapters share a batch, each row selecting its
  // adapter through its mask row. An unstackable adapter needs a batch of its own:
  // the head of the queue waits for the running batch to drain when its group
  // differs (FIFO, no starvation).
  std::vector<PendingRequest> taken;
  bool busy = std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.active != nullptr; });
  int64_t free_slots = std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.active; });
  std::string group = active_group_;
  {
    std::lock_guard lock(mutex_);
    while (!waiting_.empty() && free_slots > 0) {
      auto& front = waiting_.front();
      const auto front_group = group_of(front.adapter);
      if (busy && front_group != group) break;
      group = front_group;
      busy = true;
      taken.push_back(std::move(front));
      waiting_.pop_front();
      --free_slots;
    }
  }
  if (taken.empty()) return;
  try {
    use_group(group);
  } catch (const Error& e) {  // an adapter that does not fit: its requests fail, the engine goes on
    for (auto& p : taken) end_pending(p, "error", log::user_message(e));
    step_stats_.requests += taken.size();
    return;
  }
  const int64_t vocab = net_->config().vocab_size;
  for (auto& p : taken) {
    if (p.request.config.max_new_tokens == 0) {  // nothing to generate: no need for the model
      end_pending(p, "length");
      ++step_stats_.requests;
      continue;
    }
    const std::string adapter = p.adapter;
    const int64_t s = pick_slot(p.request.prompt, adapter);
    auto& slot = slots_[s];
    const auto& prompt = p.request.prompt;
    // Keys/values depend on the adapter: reuse only what the same adapter computed.
    // Keep at least one prompt token to run: its logits give the first output token.
    const bool reuse = config_.prefix_reuse && !length_dependent_rope_ && slot.cached_adapter == adapter;
    const size_t reused = reuse ? std::min(common_prefix(slot.cached, prompt), prompt.size() - 1) : 0;
    slot.cached.resize(reused);
    slot.cached_adapter = adapter;
    slot.to_prefill.assign(prompt.begin() + reused, prompt.end());
    slot.next_token = -1;
    slot.state = Slot::State::kPrefill;
    if (slot_masks_.defined()) slot_masks_[s].copy_(adapters_->stack().mask_row(adapter));
    step_stats_.prompt_tokens += prompt.size();
    step_stats_.reused_tokens += reused;
    slot.active = std::make_unique<ActiveRequest>(std::move(p), *tokenizer_, vocab);  // `prompt` moves with it
    slot.active->result.reused_tokens = reused;
    slot.active->result.queue_seconds = seconds_since(slot.active->submitted);
  }
}

bool Engine::has_work() const {
  if (std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.active != nullptr; })) return true;
  std::lock_guard lock(mutex_);
  return !waiting_.empty() || !cancelled_.empty();
}

bool Engine::step() {
  torch::NoGradGuard no_grad;
  std::lock_guard model_lock(model_mutex_);
  step_stats_ = {};
  try {
    apply_cancellations();
    admit();
    prefill(config_.prefill_chunk);
    decode();
    collect_unloaded();
  } catch (const std::exception& e) {
    fail_all(log::user_message(e));
    {
      std::lock_guard lock(mutex_);
      stats_ += step_stats_;
    }
    throw;
  }
  {
    std::lock_guard lock(mutex_);
    stats_ += step_stats_;
  }
  return has_work();
}

void Engine::fail_all(const std::string& error) {
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (!slots_[s].active) continue;
    finish(s, "error", error);
    slots_[s].cached.clear();  // the step broke off: what the cache holds is unknown
  }
}

void Engine::run_until_idle() {
  while (step()) {
  }
}

void Engine::start() {
  LORAG_ASSERT(!thread_.joinable(), "engine already started");
  stopping_ = false;
  thread_ = std::thread([this] {
    while (!stopping_) {
      const bool busy = std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.active != nullptr; });
      if (!busy) {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !waiting_.empty() || !cancelled_.empty(); });
      }
      if (stopping_) break;
      // std::mutex is not fair: without this a busy loop could starve a load/unload.
      while (admin_waiting_ > 0 && !stopping_) std::this_thread::yield();
      try {
        step();
      } catch (const std::exception& e) {  // the requests it broke already carry the error
        log::error("engine step failed: ", e.what());
      }
    }
  });
}

void Engine::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace lorag::infer
