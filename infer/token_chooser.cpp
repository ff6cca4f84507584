// SPDX-License-Identifier: Apache-2.0
#include "infer/token_chooser.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "infer/logits_processing.h"

namespace lorag::infer {

TokenChooser::TokenChooser(const GenerateConfig& config, int64_t batch, int64_t vocab, const at::Device& device)
    : config_(config),
      rng_(at::make_generator<at::CPUGeneratorImpl>(config.seed)),
      need_counts_(config.frequency_penalty != 0 || config.presence_penalty != 0) {
  if (need_counts_) counts_ = torch::zeros({batch, vocab}, torch::dtype(torch::kFloat32).device(device));
}

at::Tensor TokenChooser::choose(const at::Tensor& logits_in, const at::Tensor& seen, const at::Tensor& seen_valid) {
  auto logits = logits_in.to(torch::kFloat32);  // [B, V]; a copy, so in-place edits are safe
  if (logits.data_ptr() == logits_in.data_ptr()) logits = logits.clone();
  apply_repetition_penalty(logits, seen, seen_valid, config_.repetition_penalty);
  if (need_counts_) apply_frequency_presence(logits, counts_, config_.frequency_penalty, config_.presence_penalty);
  if (config_.greedy()) return logits.argmax(-1).to(torch::kCPU);  // [B]
  auto probs = warp_logits(logits, config_).softmax(-1).to(torch::kCPU);  // [B, V]
  return torch::multinomial(probs, 1, /*replacement=*/false, rng_).squeeze(1);  // [B]
}

void TokenChooser::record(const at::Tensor& ids, const std::vector<bool>& active) {
  if (!need_counts_) return;
  auto weight = torch::zeros({ids.size(0), 1}, torch::kFloat32);
  for (size_t b = 0; b < active.size(); ++b) weight[b][0] = active[b] ? 1.0f : 0.0f;
  counts_.scatter_add_(1, ids.unsqueeze(1).to(counts_.device()), weight.to(counts_.device()));
}

}  // namespace lorag::infer
