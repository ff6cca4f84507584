// SPDX-License-Identifier: Apache-2.0
#include "infer/generator.h"

#include <torch/torch.h>

#include <algorithm>
#include <set>

#include "infer/stop_string_filter.h"
#include "infer/token_chooser.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "model/core/timer.h"
#include "model/kv_cache.h"
#include "model/text/utf8_stream.h"

namespace lorag::infer {
namespace {

// Per-row decoding state: ids so far, streamed text, why it stopped.
struct RowState {
  text::Utf8StreamDecoder decoder;
  StopStringFilter stops;
  GenerationResult result;
  bool done = false;
};

// Left-pads the prompts into ids [B, Tp], validity [B, capacity] and positions [B, Tp].
struct PackedPrompts {
  torch::Tensor ids, key_valid, positions, next_position;  // next_position [B]
  bool padded = false;
  int64_t real_tokens = 0;
};

PackedPrompts pack(const std::vector<std::vector<int64_t>>& prompts, int64_t capacity, int64_t pad_id,
                   const torch::Device& device) {
  const int64_t B = prompts.size();
  int64_t longest = 0;
  for (const auto& p : prompts) longest = std::max<int64_t>(longest, p.size());
  PackedPrompts out;
  auto ids = torch::full({B, longest}, pad_id, torch::kInt64);
  auto valid = torch::ones({B, capacity}, torch::kBool);
  auto acc_ids = ids.accessor<int64_t, 2>();
  auto acc_valid = valid.accessor<bool, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const int64_t pad = longest - prompts[b].size();
    out.padded |= pad > 0;
    out.real_tokens += prompts[b].size();
    for (int64_t t = 0; t < pad; ++t) acc_valid[b][t] = false;
    for (size_t t = 0; t < prompts[b].size(); ++t) acc_ids[b][pad + t] = prompts[b][t];
  }
  auto prompt_valid = valid.narrow(1, 0, longest).to(torch::kInt64);
  // transformers' generate: position = cumsum(mask) - 1, padding at 1.
  out.positions = (prompt_valid.cumsum(1) - 1).masked_fill(prompt_valid == 0, 1).to(device);
  out.next_position = prompt_valid.sum(1).to(device);  // [B]
  out.ids = ids.to(device);
  out.key_valid = out.padded ? valid.to(device) : torch::Tensor();
  return out;
}

// transformers' Phi3ForCausalLM drops its cache and recomputes the whole sequence
// on the step that grows it past the original context: longrope then switches
// every position to the long factors, so keys cached with the short ones no longer fit.
bool crosses_longrope_switch(const model::ModelConfig& mc, int64_t length) {
  const auto& s = mc.rope_scaling;
  return s.type == "longrope" && length == s.original_max_position_embeddings + 1;
}

}  // namespace

Generator::Generator(model::CausalLM net, std::shared_ptr<const text::Tokenizer> tokenizer)
    : net_(std::move(net)), tokenizer_(std::move(tokenizer)) {}

std::vector<GenerationResult> Generator::generate(const std::vector<std::vector<int64_t>>& prompts,
                                                  const GenerateConfig& config, const TextCallback& on_text) {
  config.validate();
  LORAG_CHECK(!prompts.empty(), UsageError, "no prompts to generate from");
  torch::NoGradGuard no_grad;
  const auto& mc = net_->config();
  int64_t longest = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    LORAG_CHECK(!prompts[i].empty(), UsageError, "prompt ", i, " is empty");
    for (int64_t id : prompts[i]) {
      LORAG_CHECK(id >= 0 && id < mc.vocab_size, UsageError, "prompt ", i, ": token id ", id,
                  " is outside the vocabulary [0, ", mc.vocab_size, ")");
    }
    longest = std::max<int64_t>(longest, prompts[i].size());
  }
  LORAG_CHECK(longest < mc.context_length(), UsageError, "prompt of ", longest,
              " tokens does not fit the model's context of ", mc.context_length(), " tokens");
  int64_t max_new = config.max_new_tokens;
  if (longest + max_new > mc.context_length()) {
    max_new = mc.context_length() - longest;
    log::warn("max_new_tokens lowered to ", max_new, " to fit the context of ", mc.context_length(),
              " tokens");
  }
  stats_ = {};
  const int64_t B = prompts.size();
  const auto device = net_->device();
  const int64_t capacity = longest + std::max<int64_t>(max_new, 1);
  const auto& special = tokenizer_->special_tokens();
  const int64_t pad_id = special.pad_id >= 0 ? special.pad_id : 0;
  std::set<int64_t> eos(special.eos_ids.begin(), special.eos_ids.end());
  eos.insert(mc.eos_token_ids.begin(), mc.eos_token_ids.end());
  eos.insert(config.stop_token_ids.begin(), config.stop_token_ids.end());

  auto packed = pack(prompts, capacity, pad_id, device);
  stats_.prompt_tokens = packed.real_tokens;
  const auto cache_options = torch::TensorOptions().dtype(net_->dtype()).device(device);
  auto cache = std::make_unique<model::KvCache>(mc, B, capacity, cache_options);
  // Every id so far (prompt then output), preallocated: the repetition penalty reads it.
  auto seen = torch::full({B, capacity}, pad_id, torch::dtype(torch::kInt64).device(device));
  seen.narrow(1, 0, longest).copy_(packed.ids);
  TokenChooser chooser(config, B, mc.vocab_size, device);
  std::vector<RowState> rows;
  rows.reserve(B);
  for (int64_t b = 0; b < B; ++b) rows.push_back({text::Utf8StreamDecoder(*tokenizer_, true), StopStringFilter(config.stop), {}, false});

  Timer timer;
  auto logits = net_->forward({.input_ids = packed.ids, .positions = packed.positions,
                               .key_valid = packed.key_valid, .cache = cache.get(), .last_logits_only = true});
  auto positions = packed.next_position.unsqueeze(1);  // [B, 1]
  int64_t length = longest;
  std::vector<bool> active(B, true);
  for (int64_t step = 0; step < max_new; ++step) {
    auto seen_valid = packed.key_valid.defined() ? packed.key_valid.narrow(1, 0, length) : torch::Tensor();
    auto next = chooser.choose(logits.select(1, 0), seen.narrow(1, 0, length), seen_valid);  // [B] CPU
    if (step == 0) {
      stats_.prefill_seconds = timer.seconds();
      timer.reset();
    }
    chooser.record(next, active);
    auto next_acc = next.accessor<int64_t, 1>();
    int64_t still_active = 0;
    for (int64_t b = 0; b < B; ++b) {
      auto& row = rows[b];
      if (row.done) continue;
      const int64_t id = next_acc[b];
      if (!config.ignore_eos && eos.count(id)) {
        row.done = true;
        row.result.finish_reason = "eos";
      } else {
        row.result.token_ids.push_back(id);
        ++stats_.generated_tokens;
        auto shown = row.stops.push(row.decoder.push(id));
        row.result.text += shown;
        if (on_text && !shown.empty()) on_text(b, shown);
        if (row.stops.stopped()) {
          row.done = true;
          row.result.finish_reason = "stop";
        }
      }
      active[b] = !row.done;
      still_active += !row.done;
    }
    if (still_active == 0 || step + 1 == max_new) break;
    auto input = next.to(device).unsqueeze(1);  // [B, 1]
    seen.narrow(1, length, 1).copy_(input);
    ++length;
    if (crosses_longrope_switch(mc, length)) {
      cache = std::make_unique<model::KvCache>(mc, B, capacity, cache_options);
      auto generated = packed.next_position.unsqueeze(1) + torch::arange(length - longest, positions.options());
      logits = net_->forward({.input_ids = seen.narrow(1, 0, length),
                              .positions = torch::cat({packed.positions, generated}, 1),
                              .key_valid = packed.key_valid, .cache = cache.get(), .last_logits_only = true});
    } else {
      logits = net_->forward({.input_ids = input, .positions = positions, .key_valid = packed.key_valid,
                              .cache = cache.get()});
    }
    positions = positions + 1;
  }
  stats_.decode_seconds = timer.seconds();
  std::vector<GenerationResult> results;
  for (int64_t b = 0; b < B; ++b) {
    auto& row = rows[b];
    if (row.result.finish_reason != "stop") {  // flush what the decoder and stop filter still hold
      auto tail = row.stops.push(row.decoder.flush());
      tail += row.stops.flush();
      row.result.text += tail;
      if (on_text && !tail.empty()) on_text(b, tail);
      if (!row.done) row.result.finish_reason = row.stops.stopped() ? "stop" : "length";
    }
    results.push_back(std::move(row.result));
  }
  return results;
}

}  // namespace lorag::infer
