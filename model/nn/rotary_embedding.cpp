// SPDX-License-Identifier: Apache-2.0
#include "model/nn/rotary_embedding.h"

#include <torch/torch.h>

#include <cmath>

namespace lorag::model {
namespace {

torch::Tensor default_inv_freq(int64_t dim, double base) {
  // inv_freq = 1 / base^(2i/D), as transformers' _compute_default_rope_parameters.
  auto exponent = torch::arange(0, dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(dim);
  return 1.0 / torch::pow(torch::tensor(base, torch::kFloat32), exponent);  // [D/2]
}

// Llama 3.1's frequency-dependent scaling (transformers _compute_llama3_parameters).
torch::Tensor llama3_inv_freq(torch::Tensor inv_freq, const RopeScaling& s, int64_t max_positions) {
  const double old_context = s.original_max_position_embeddings > 0 ? s.original_max_position_embeddings
                                                                    : max_positions;
  const double low_wavelen = old_context / s.low_freq_factor;
  const double high_wavelen = old_context / s.high_freq_factor;
  auto wavelen = 2 * M_PI / inv_freq;
  auto scaled = torch::where(wavelen > low_wavelen, inv_freq / s.factor, inv_freq);
  auto smooth = (old_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  auto smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
  auto is_medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
  return torch::where(is_medium, smoothed, scaled);
}

}  // namespace

RotaryEmbedding::RotaryEmbedding(const ModelConfig& config) : config_(config) {
  const auto& s = config.rope_scaling;
  base_inv_freq_ = default_inv_freq(config.head_dim(), config.rope_theta);
  if (s.type == "linear") base_inv_freq_ = base_inv_freq_ / s.factor;
  if (s.type == "llama3") base_inv_freq_ = llama3_inv_freq(base_inv_freq_, s, config.max_position_embeddings);
}

torch::Tensor RotaryEmbedding::inv_freq_for(int64_t seq_len) const {
  const auto& s = config_.rope_scaling;
  // transformers measures dynamic growth against max_position_embeddings, not the original length.
  const int64_t original = config_.max_position_embeddings;
  if (s.type != "dynamic" || seq_len <= original) return base_inv_freq_;
  // NTK-aware base growth (transformers _compute_dynamic_ntk_parameters).
  const double dim = static_cast<double>(config_.head_dim());
  const double base = config_.rope_theta *
                      std::pow(s.factor * seq_len / original - (s.factor - 1), dim / (dim - 2));
  return default_inv_freq(config_.head_dim(), base);
}

std::pair<torch::Tensor, torch::Tensor> RotaryEmbedding::cos_sin(const torch::Tensor& positions,
                                                                 torch::ScalarType dtype) {
  int64_t seq_len = 0;
  if (config_.rope_scaling.type == "dynamic") {
    seq_len = positions.max().item<int64_t>() + 1;  // one sync per forward, dynamic scaling only
    seq_len = std::max<int64_t>(seq_len, 1);
  }
  if (!device_inv_freq_.defined() || device_inv_freq_.device() != positions.device() ||
      seq_len != cached_seq_len_) {
    device_inv_freq_ = inv_freq_for(seq_len).to(positions.device());
    cached_seq_len_ = seq_len;
  }
  auto freqs = positions.to(torch::kFloat32).unsqueeze(-1) * device_inv_freq_;  // [B, T, D/2]
  auto emb = torch::cat({freqs, freqs}, -1);                                     // [B, T, D]
  return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half);
  auto x2 = x.narrow(-1, half, half);
  auto rotated = torch::cat({-x2, x1}, -1);  // rotate_half: [B, H, T, D]
  return x * cos.unsqueeze(1) + rotated * sin.unsqueeze(1);
}

}  // namespace lorag::model
