// SPDX-License-Identifier: Apache-2.0
#include "infer/row_sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

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

int64_t RowSampler::choose(const at::Tensor& logits_in) {
  auto logits = logits_in.to(torch::kFloat32);  // [1, V]; a copy, so in-place edits are safe
  if (logits.data_ptr() == logits_in.data_ptr()) logits = logits.clone();
  if (config_.repetition_penalty != 1.0) {
    auto seen = torch::from_blob(seen_.data(), {1, static_cast<int64_t>(seen_.size())}, torch::kInt64)
                    .to(logits.device());  // [1, S]
    apply_repetition_penalty(logits, seen, at::Tensor(), config_.repetition_penalty);
  }
  if (need_counts_) {
    if (!counts_.defined()) counts_ = torch::zeros({1, vocab_}, logits.options());
    apply_frequency_presence(logits, counts_, config_.frequency_penalty, config_.presence_penalty);
  }
  if (config_.greedy()) return logits.argmax(-1).item<int64_t>();
  auto probs = warp_logits(logits, config_).softmax(-1).to(torch::kCPU);                  // [1, V]
  return torch::multinomial(probs, 1, /*replacement=*/false, rng_).item<int64_t>();
}

void RowSampler::record(int64_t id) {
  seen_.push_back(id);
  if (need_counts_ && counts_.defined()) counts_.select(1, id).add_(1.0);
}

}  // namespace lorag::infer
