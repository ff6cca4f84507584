// SPDX-License-Identifier: Apache-2.0
// Engine: the model steps (chunked prefill of one slot, one batched decode over
// the decoding slots) and what follows a sampled token. No locks here; the
// scheduler thread alone runs these.
#include <torch/torch.h>

#include <algorithm>

#include "adapters/inference_adapters.h"
#include "infer/decode_graphs.h"
#include "infer/engine.h"
#include "model/core/error.h"
#include "model/core/timer.h"

namespace lorag::infer {
namespace {

double seconds_since(EngineClock::time_point t) {
  return std::chrono::duration<double>(EngineClock::now() - t).count();
}

torch::Tensor ids_tensor(const std::vector<int64_t>& ids, const torch::Device& device) {
  return torch::tensor(ids, torch::kInt64).to(device);
}

// Calls the stream callback; false when it asks to stop. Its exceptions become
// the request's error (through `error`), so one bad client cannot stop the others.
bool stream(ActiveRequest& a, const StreamChunk& chunk, std::string& error) {
  if (!a.request.on_token) return true;
  try {
    return a.request.on_token(chunk) == StreamAction::kContinue;
  } catch (const std::exception& e) {
    error = std::string("stream callback failed: ") + e.what();
    return false;
  }
}

// Points the stacked layers' row mask at the forward's slot window and unsets
// it afterwards, so forwards outside the engine (training, Generator) see none.
class MaskWindow {
 public:
  // `needed`: some row of the window uses a stacked adapter. Base-only forwards
  // skip the stacked products (a captured graph must not change, so it keeps them).
  MaskWindow(const adapters::InferenceAdapters* adapters, const torch::Tensor& masks, const std::string& group,
             int64_t lo, int64_t rows, bool needed) {
    if (!adapters || !masks.defined() || !group.empty() || !needed) return;
    rows_ = adapters->stack().rows();
    rows_->mask = masks.narrow(0, lo, rows);  // [B, S], a view: CUDA graphs read its storage
  }
  ~MaskWindow() {
    if (rows_) rows_->mask = torch::Tensor();
  }
  MaskWindow(const MaskWindow&) = delete;
  MaskWindow& operator=(const MaskWindow&) = delete;

 private:
  std::shared_ptr<model::LoraRowMask> rows_;
};

}  // namespace

bool Engine::prefill(int64_t budget) {
  bool ran = false;
  for (size_t s = 0; s < slots_.size() && budget > 0; ++s) {
    auto& slot = slots_[s];
    if (slot.state != Slot::State::kPrefill) continue;
    // Dynamic/longrope frequencies follow the largest position of a call, so such
    // prompts run in one piece, as transformers runs them.
    const int64_t left = slot.to_prefill.size();
    const int64_t n = length_dependent_rope_ ? left : std::min(left, budget);
    prefill_chunk(s, n);
    budget -= n;
    ran = true;
  }
  return ran;
}

void Engine::prefill_chunk(int64_t s, int64_t n) {
  Timer timer;
  auto& slot = slots_[s];
  const auto device = net_->device();
  const int64_t past = slot.cached.size();
  std::vector<int64_t> chunk(slot.to_prefill.begin(), slot.to_prefill.begin() + n);
  cache_->use_rows(s, ids_tensor({past}, device), past + n);
  MaskWindow mask(adapters_, slot_masks_, active_group_, s, 1,
                  slot.active->result.adapter != adapters::kBaseAdapter);
  auto logits = net_->forward({.input_ids = ids_tensor(chunk, device).unsqueeze(0),  // [1, n]
                               .cache = cache_.get(),
                               .last_logits_only = true});                          // [1, 1, V]
  cache_->clear_rows();
  slot.cached.insert(slot.cached.end(), chunk.begin(), chunk.end());
  slot.to_prefill.erase(slot.to_prefill.begin(), slot.to_prefill.begin() + n);
  step_stats_.prefilled_tokens += n;
  if (slot.to_prefill.empty()) {
    const int64_t id = slot.active->sampler.choose(logits.select(1, 0));
    ++step_stats_.first_tokens;
    on_token(s, id);
  }
  step_stats_.prefill_seconds += timer.seconds();
}

void Engine::decode() {
  std::vector<int64_t> rows;
  for (size_t s = 0; s < slots_.size(); ++s) {
    auto& slot = slots_[s];
    if (slot.state != Slot::State::kDecode) continue;
    if (longrope_original_ > 0 && static_cast<int64_t>(slot.cached.size()) == longrope_original_) {
      // transformers' Phi3ForCausalLM recomputes the whole sequence on the step that
      // grows it past the original context: keys cached with the short factors no
      // longer fit once every position switches to the long ones.
      slot.to_prefill = std::move(slot.cached);
      slot.to_prefill.push_back(slot.next_token);
      slot.cached.clear();
      slot.state = Slot::State::kPrefill;
      continue;
    }
    rows.push_back(s);
  }
  if (rows.empty()) return;
  Timer timer;
  // One forward over the slot window [lo, hi): idle slots in it run a dummy token
  // at position 0 that writes to the scratch entry past ctx_size. CUDA graphs
  // take the window from slot 0 at a bucketed size.
  const int64_t lo = graphs_ ? 0 : rows.front();
  const int64_t hi = graphs_ ? DecodeGraphs::bucket(rows.back() + 1, config_.parallel) : rows.back() + 1;
  const int64_t B = hi - lo;
  std::vector<int64_t> ids(B, 0), lengths(B, config_.ctx_size), positions(B, 0);
  int64_t key_length = 1;
  for (int64_t s : rows) {
    const int64_t length = slots_[s].cached.size();
    ids[s - lo] = slots_[s].next_token;
    lengths[s - lo] = positions[s - lo] = length;
    key_length = std::max(key_length, length + 1);
  }
  const auto device = net_->device();
  torch::Tensor logits;  // [B, V]
  const bool any_adapter = std::any_of(rows.begin(), rows.end(), [&](int64_t s) {
    return slots_[s].active->result.adapter != adapters::kBaseAdapter;
  });
  MaskWindow mask(adapters_, slot_masks_, active_group_, lo, B, any_adapter || graphs_ != nullptr);
  if (graphs_) {
    logits = graphs_->step(net_, *cache_, ids_tensor(ids, device), ids_tensor(lengths, device),
                           ids_tensor(positions, device));
  } else {
    cache_->use_rows(lo, ids_tensor(lengths, device), key_length);
    logits = net_->forward({.input_ids = ids_tensor(ids, device).unsqueeze(1),         // [B, 1]
                            .positions = ids_tensor(positions, device).unsqueeze(1),   // [B, 1]
                            .cache = cache_.get()})
                 .select(1, 0);                                                        // [B, V]
    cache_->clear_rows();
  }
  ++step_stats_.decode_steps;
  for (int64_t s : rows) slots_[s].cached.push_back(slots_[s].next_token);
  // Plain greedy rows take one batched argmax; the others one batched pass with
  // their own settings and generators (RowSampler::choose_rows).
  auto greedy = logits.argmax(-1).to(torch::kCPU);  // [B]
  auto greedy_ids = greedy.accessor<int64_t, 1>();
  std::vector<int64_t> chosen, others;
  std::vector<RowSampler*> samplers;
  for (size_t i = 0; i < rows.size(); ++i) {
    auto& sampler = slots_[rows[i]].active->sampler;
    chosen.push_back(greedy_ids[rows[i] - lo]);
    if (sampler.plain_greedy()) continue;
    others.push_back(i);
    samplers.push_back(&sampler);
  }
  if (!samplers.empty()) {
    std::vector<int64_t> at;
    for (int64_t i : others) at.push_back(rows[i] - lo);
    auto picked = RowSampler::choose_rows(logits.index_select(0, ids_tensor(at, device)), samplers);  // [N] ids
    for (size_t j = 0; j < others.size(); ++j) chosen[others[j]] = picked[j];
  }
  step_stats_.decoded_tokens += rows.size();
  for (size_t i = 0; i < rows.size(); ++i) on_token(rows[i], chosen[i]);
  step_stats_.decode_seconds += timer.seconds();
}

void Engine::on_token(int64_t s, int64_t id) {
  auto& slot = slots_[s];
  auto& a = *slot.active;
  auto& r = a.result;
  const auto& c = a.request.config;
  if (r.token_ids.empty()) r.first_token_seconds = seconds_since(a.submitted);
  const bool stop_id = std::find(c.stop_token_ids.begin(), c.stop_token_ids.end(), id) != c.stop_token_ids.end();
  if (!c.ignore_eos && (eos_ids_.count(id) || stop_id)) return finish(s, "eos");
  a.sampler.record(id);
  r.token_ids.push_back(id);
  auto shown = a.stops.push(a.decoder.push(id));
  r.text += shown;
  std::string error;
  if (!stream(a, {id, shown}, error)) return finish(s, error.empty() ? "cancelled" : "error", error);
  if (a.stops.stopped()) return finish(s, "stop");
  const int64_t total = r.prompt_tokens + static_cast<int64_t>(r.token_ids.size());
  if (static_cast<int64_t>(r.token_ids.size()) >= c.max_new_tokens || total >= config_.ctx_size) {
    return finish(s, "length");
  }
  slot.next_token = id;
  slot.state = Slot::State::kDecode;
}

void Engine::finish(int64_t s, const std::string& reason_in, const std::string& error) {
  auto& slot = slots_[s];
  auto active = std::move(slot.active);
  slot.state = Slot::State::kFree;
  slot.to_prefill.clear();
  slot.next_token = -1;
  auto& r = active->result;
  std::string reason = reason_in;
  if (reason == "eos" || reason == "length") {
    // Flush what the UTF-8 decoder and the stop filter still hold.
    auto tail = active->stops.push(active->decoder.flush());
    tail += active->stops.flush();
    r.text += tail;
    std::string ignored;
    if (!tail.empty()) stream(*active, {-1, tail}, ignored);
    if (reason == "length" && active->stops.stopped()) reason = "stop";
  }
  r.finish_reason = reason;
  r.error = error;
  r.completion_tokens = r.token_ids.size();
  r.total_seconds = seconds_since(active->submitted);
  ++step_stats_.requests;
  active->promise.set_value(std::move(r));
}

}  // namespace lorag::infer
