// SPDX-License-Identifier: Apache-2.0
#include "infer/row_sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>

#include "infer/logits_processing.h"

namespace lorag::infer {

RowSampler::RowSampler(const GenerateConfig& config, const std::vector<int64_t>& prompt, int64_t vocab)
    : config_(config),
      rng_(at::make_generator<at::CPUGeneratorImpl>(config.seed)),
      seen_(prompt),
      vocab_(vocab),
      need_counts_(config.frequency_penalty != 0 || config.presence_penalty != 0) {}

bool RowSampler::plain_greedy() const {
  return config_.greedy() && config_.repetition_penalty == 1.0 && !need_counts_;
}

int64_t RowSampler::choose(const at::Tensor& logits) { return choose_rows(logits, {this})[0]; }

std::vector<int64_t> RowSampler::choose_rows(const at::Tensor& logits_in, const std::vector<RowSampler*>& rows) {
  const int64_t N = rows.size();
  auto logits = logits_in.to(torch::kFloat32);  // [N, V]; a copy, so in-place edits are safe
  if (logits.data_ptr() == logits_in.data_ptr()) logits = logits.clone();
  const auto device = logits.device();
  const int64_t V = logits.size(1);
  auto column = [&](auto value_of) {  // one setting of every row → [N, 1] fp32
    std::vector<float> v;
    for (auto* r : rows) v.push_back(static_cast<float>(value_of(r->config_)));
    return torch::tensor(v).view({N, 1}).to(device);
  };
  if (std::any_of(rows.begin(), rows.end(), [](auto* r) { return r->config_.repetition_penalty != 1.0; })) {
    // Seen ids padded with each row's last one (a repeat changes nothing); a penalty
    // of 1 leaves a row exact (x·1, x/1).
    size_t longest = 0;
    for (auto* r : rows) longest = std::max(longest, r->seen_.size());
    auto seen = torch::empty({N, static_cast<int64_t>(longest)}, torch::kInt64);  // [N, S]
    for (int64_t i = 0; i < N; ++i) {
      const auto& ids = rows[i]->seen_;
      auto row = seen[i];
      row.fill_(ids.back());
      row.narrow(0, 0, ids.size()).copy_(torch::tensor(ids, torch::kInt64));
    }
    auto ids = seen.to(device);
    auto penalty = column([](const GenerateConfig& c) { return c.repetition_penalty; });  // [N, 1]
    auto score = logits.gather(1, ids);                                                  // [N, S]
    logits.scatter_(1, ids, torch::where(score < 0, score * penalty, score / penalty));
  }
  if (std::any_of(rows.begin(), rows.end(), [](auto* r) { return r->need_counts_; })) {
    std::vector<at::Tensor> counts;
    for (auto* r : rows) {
      if (!r->counts_.defined()) r->counts_ = torch::zeros({1, r->vocab_}, logits.options());
      counts.push_back(r->counts_);
    }
    auto all = torch::cat(counts);  // [N, V]
    logits.sub_(all * column([](const GenerateConfig& c) { return c.frequency_penalty; }) +
                (all > 0).to(torch::kFloat32) * column([](const GenerateConfig& c) { return c.presence_penalty; }));
  }
  auto greedy = logits.argmax(-1);  // [N]
  std::vector<int64_t> sampled;
  for (int64_t i = 0; i < N; ++i) {
    if (!rows[i]->config_.greedy()) sampled.push_back(i);
  }
  if (sampled.empty()) {
    auto ids = greedy.to(torch::kCPU);
    return {ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + N};
  }
  std::vector<RowSampler*> samplers;
  for (int64_t i : sampled) samplers.push_back(rows[i]);
  const int64_t M = sampled.size();
  auto pick = torch::tensor(sampled, torch::kInt64).to(device);
  RowWarpers w;
  auto sub = [&](auto value_of) {
    std::vector<float> v;
    for (auto* r : samplers) v.push_back(static_cast<float>(value_of(r->config_)));
    return torch::tensor(v).view({M, 1}).to(device);
  };
  w.temperature = sub([](const GenerateConfig& c) { return c.temperature; });
  w.top_p = sub([](const GenerateConfig& c) { return c.top_p; });
  w.min_p = sub([](const GenerateConfig& c) { return c.min_p; });
  std::vector<int64_t> k;
  for (auto* r : samplers) k.push_back(r->config_.top_k);
  w.top_k = torch::tensor(k, torch::kInt64).view({M, 1}).to(device);
  auto probs = warp_logits_rows(logits.index_select(0, pick), w).softmax(-1).to(torch::kCPU);  // [M, V]
  // torch::multinomial(p, 1) is argmax(p / q), q ~ Exp(1) over the row: the same
  // draws from each row's generator, for the whole batch in one division.
  auto noise = torch::empty({M, V}, torch::kFloat32);
  for (int64_t j = 0; j < M; ++j) noise[j].exponential_(1, samplers[j]->rng_);
  auto chosen = (probs / noise).argmax(-1);  // [M]
  auto ids = greedy.to(torch::kCPU);         // [N]
  ids.index_copy_(0, pick.to(torch::kCPU), chosen);
  return {ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + N};
}

void RowSampler::record(int64_t id) {
  seen_.push_back(id);
  if (need_counts_ && counts_.defined()) counts_.select(1, id).add_(1.0);
}

}  // namespace lorag::infer
