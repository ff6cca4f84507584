// SPDX-License-Identifier: Apache-2.0
// The inference engine every generation path goes through (infer/): continuous
// batching over fixed slots with preallocated KV, chunked prefill, per-row
// sampling, prompt-prefix reuse, per-row adapters in one batch, and adapters
// loaded and unloaded while it runs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "infer/engine_config.h"
#include "infer/engine_request.h"
#include "infer/engine_slot.h"
#include "model/causal_lm.h"
#include "model/kv_cache.h"
#include "model/text/tokenizer.h"

namespace lorag::adapters {
class InferenceAdapters;
}

namespace lorag::infer {

class DecodeGraphs;

// Totals since the engine started (a snapshot; see Engine::stats()).
struct EngineStats {
  int64_t requests = 0;          // finished requests (any finish reason)
  int64_t prompt_tokens = 0;     // prompt tokens of admitted requests
  int64_t reused_tokens = 0;     // of those, taken from a slot's previous keys/values
  int64_t prefilled_tokens = 0;  // tokens run through prefill (incl. longrope recomputes)
  int64_t first_tokens = 0;      // tokens sampled right after a prefill
  int64_t decoded_tokens = 0;    // tokens sampled in decode steps
  int64_t decode_steps = 0;      // batched decode forwards
  double prefill_seconds = 0;    // in prefill forwards and the sampling that follows
  double decode_seconds = 0;     // in decode forwards and sampling
  double prefill_tokens_per_second() const { return prefill_seconds > 0 ? prefilled_tokens / prefill_seconds : 0; }
  double decode_tokens_per_second() const { return decode_seconds > 0 ? decoded_tokens / decode_seconds : 0; }
  EngineStats& operator+=(const EngineStats& o);
};

// What submit() hands back: the id (for cancel()) and the final result.
struct Submission {
  uint64_t id = 0;
  std::future<EngineResult> result;
};

class Engine {
 public:
  // Shares the model and tokenizer (and `adapters`, may be null; its default is
  // used when a request names none). Rows of stackable adapters (AdapterStack) and
  // base rows share one batch; a request for an adapter that is not stackable
  // (embedding LoRA, modules_to_save) waits for a batch of its own. Allocates the KV cache of
  // `parallel` x (`ctx_size` + 1) tokens once (zeroed; the extra token is
  // scratch for idle rows). Throws ConfigError for a bad config.
  Engine(model::CausalLM net, std::shared_ptr<const model::text::Tokenizer> tokenizer, const EngineConfig& config,
         adapters::InferenceAdapters* adapters = nullptr);
  ~Engine();  // stops the scheduler thread; requests still queued end "cancelled"
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a request; thread-safe. Throws ConfigError for bad sampling settings,
  // UsageError for an empty prompt, a token id outside the vocabulary, a prompt
  // that leaves no room to generate in `ctx_size`, or an adapter not loaded.
  Submission submit(EngineRequest request);
  // Cancels a queued or running request (finish reason "cancelled"); thread-safe,
  // takes effect before the next step. Unknown or finished ids are ignored.
  void cancel(uint64_t id);

  // One scheduler step on the calling thread: admit waiting requests into free
  // slots, prefill up to `prefill_chunk` prompt tokens, decode one token for every
  // decoding row. Returns whether work remains. Not to be called while start()ed.
  // A model error fails every running request ("error") and is rethrown.
  bool step();
  // Steps until nothing is queued or running (the CLI's loop).
  void run_until_idle();
  // Runs the scheduler on its own thread until stop() (a server's loop).
  void start();
  void stop();

  // Loads the PEFT folder `dir` as adapter `name` while requests run; thread-safe.
  // Reads the files first, then installs the adapter between two scheduler steps
  // (blocks for at most one step). Throws UsageError for an empty or reserved
  // name ("base"), a name already loaded or still being unloaded, or while an
  // adapter is merged; IoError for a missing folder or file; FormatError/
  // ShapeError naming the key or module when the adapter does not fit the model
  // (nothing changes then). Without an adapter set at construction the engine
  // makes its own.
  void load_adapter(const std::string& name, const std::filesystem::path& dir);
  // Unloads adapter `name`; thread-safe, returns at once. New submits naming it
  // fail with UsageError; queued requests naming it end with finish reason
  // "error" ("adapter 'x' was unloaded ..."); running ones finish first, and the
  // adapter's weights are dropped after the last of them. When it was the
  // default, the default becomes the base model. Throws UsageError for an
  // unknown name or "base".
  void unload_adapter(const std::string& name);
  // The adapters requests may name now (not "base", not those being unloaded),
  // sorted; thread-safe.
  std::vector<std::string> adapter_names() const;

  EngineStats stats() const;  // thread-safe snapshot
  const EngineConfig& config() const { return config_; }

 private:
  void admit();
  int64_t pick_slot(const std::vector<int64_t>& prompt, const std::string& adapter) const;
  bool prefill(int64_t budget);
  void decode();
  void prefill_chunk(int64_t slot, int64_t tokens);
  void on_token(int64_t slot, int64_t id);
  void finish(int64_t slot, const std::string& reason, const std::string& error = "");
  void apply_cancellations();
  void fail_all(const std::string& error);
  bool has_work() const;
  std::string resolve_adapter(const std::string& name) const;  // under mutex_
  std::string group_of(const std::string& adapter);
  void use_group(const std::string& group);
  void refresh_masks();
  void collect_unloaded();

  model::CausalLM net_;
  std::shared_ptr<const model::text::Tokenizer> tokenizer_;
  EngineConfig config_;
  adapters::InferenceAdapters* adapters_;
  std::unique_ptr<adapters::InferenceAdapters> owned_adapters_;  // made by load_adapter() when none was given
  std::set<int64_t> eos_ids_;
  std::unique_ptr<model::KvCache> cache_;
  std::unique_ptr<DecodeGraphs> graphs_;  // null: eager decode (CPU, or graphs off/unsupported)
  std::vector<Slot> slots_;
  // "" while the running rows are base or stacked adapters (each row picks its own
  // through `slot_masks_`), else the one unstackable adapter they all use.
  std::string active_group_;
  torch::Tensor slot_masks_;      // [parallel, S]: row s selects slot s's adapter; undefined when S = 0
  std::set<std::string> unloading_;  // unloaded, still used by a running request
  bool length_dependent_rope_;  // dynamic/longrope: no prefix reuse, longrope recomputes
  int64_t longrope_original_ = 0;

  // Held by a scheduler step and by adapter loads/unloads: the model and the
  // adapter set change only between steps. Taken before `mutex_` when both are.
  std::mutex model_mutex_;
  std::atomic<int> admin_waiting_{0};  // loads/unloads waiting: the loop lets them in

  // The edge: guarded by mutex_, touched by submit()/cancel() and once per step.
  mutable std::mutex mutex_;
  std::set<std::string> names_;  // what a request may name ("base" included)
  std::string default_adapter_;  // what "" means
  std::condition_variable wake_;
  std::deque<PendingRequest> waiting_;
  std::set<uint64_t> cancelled_;
  uint64_t next_id_ = 1;
  EngineStats stats_;
  std::thread thread_;
  EngineStats step_stats_;  // the running step's, merged into stats_ at its end
  std::atomic<bool> stopping_{false};
};

}  // namespace lorag::infer
