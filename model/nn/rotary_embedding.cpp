// SPDX-License-Identifier: Apache-2.0
#include "model/nn/rotary_embedding.h"

#include <torch/torch.h>

#include <cmath>

#include "model/nn/rotary_cpu.h"

namespace lorag::model::nn {
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

// LongRoPE (transformers _compute_longrope_parameters): per-frequency divisors,
// the short set up to the original context and the long set past it.
torch::Tensor longrope_inv_freq(int64_t dim, double base, const std::vector<double>& ext_factors) {
  auto factors = torch::tensor(ext_factors, torch::kFloat64).to(torch::kFloat32);  // [D/2]
  auto exponent = torch::arange(0, dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(dim);
  return 1.0 / (factors * torch::pow(base, exponent));  // [D/2]
}

// The cos/sin multiplier LongRoPE uses, sqrt(1 + ln(factor)/ln(original)) unless given.
double longrope_attention_scaling(const RopeScaling& s) {
  if (s.attention_factor > 0) return s.attention_factor;
  if (s.factor <= 1.0) return 1.0;
  return std::sqrt(1 + std::log(s.factor) / std::log(static_cast<double>(s.original_max_position_embeddings)));
}

// YaRN (transformers _compute_yarn_parameters, arXiv:2309.00071): interpolated
// frequencies (base/factor) for dimensions that turn fewer than `beta_slow` times
// over the original context, the original ones past `beta_fast` turns, and a
// linear ramp between.
torch::Tensor yarn_inv_freq(int64_t dim, double base, const RopeScaling& s) {
  const auto original = static_cast<double>(s.original_max_position_embeddings);
  auto correction_dim = [&](double rotations) {
    return dim * std::log(original / (rotations * 2 * M_PI)) / (2 * std::log(base));
  };
  double low = correction_dim(s.beta_fast), high = correction_dim(s.beta_slow);
  if (s.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, static_cast<double>(dim - 1));
  if (low == high) high += 0.001;  // as transformers: avoid a zero-width ramp
  auto exponent = torch::arange(0, dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(dim);
  auto pos_freqs = torch::pow(base, exponent);                                   // [D/2]
  auto ramp = ((torch::arange(dim / 2, torch::kFloat32) - low) / (high - low)).clamp(0, 1);
  auto extrapolation = 1 - ramp;                                                 // 1: keep the original frequency
  return (1.0 / (s.factor * pos_freqs)) * (1 - extrapolation) + (1.0 / pos_freqs) * extrapolation;
}

// YaRN's cos/sin multiplier: attention_factor when given, else 0.1·ln(factor)+1
// (scaled by mscale/mscale_all_dim when both are set, as DeepSeek configs do).
double yarn_attention_scaling(const RopeScaling& s) {
  if (s.attention_factor > 0) return s.attention_factor;
  auto mscale = [&](double m) { return s.factor <= 1 ? 1.0 : 0.1 * m * std::log(s.factor) + 1.0; };
  if (s.mscale > 0 && s.mscale_all_dim > 0) return mscale(s.mscale) / mscale(s.mscale_all_dim);
  return mscale(1.0);
}

}  // namespace

RotaryEmbedding::RotaryEmbedding(const ModelConfig& config, AttentionKind kind)
    : theta_(config.rope_theta),
      scaling_(config.rope_scaling),
      dim_(config.rotary_dim()),
      max_positions_(config.max_position_embeddings) {
  if (kind == AttentionKind::kSliding && config.rope_local_base_freq > 0) {
    theta_ = config.rope_local_base_freq;
    scaling_ = RopeScaling{};  // Gemma 3 scales only its global layers' rope
  }
  const auto& s = scaling_;
  base_inv_freq_ = default_inv_freq(dim_, theta_);
  if (s.type == "linear") base_inv_freq_ = base_inv_freq_ / s.factor;
  if (s.type == "llama3") base_inv_freq_ = llama3_inv_freq(base_inv_freq_, s, max_positions_);
  if (s.type == "longrope") {
    base_inv_freq_ = longrope_inv_freq(dim_, theta_, s.short_factor);
    attention_scaling_ = longrope_attention_scaling(s);
  }
  if (s.type == "yarn") {
    base_inv_freq_ = yarn_inv_freq(dim_, theta_, s);
    attention_scaling_ = yarn_attention_scaling(s);
  }
}

torch::Tensor RotaryEmbedding::inv_freq_for(int64_t seq_len) const {
  const auto& s = scaling_;
  if (s.type == "longrope") {
    return seq_len > s.original_max_position_embeddings ? longrope_inv_freq(dim_, theta_, s.long_factor)
                                                        : base_inv_freq_;
  }
  // transformers measures dynamic growth against max_position_embeddings, not the original length.
  const int64_t original = max_positions_;
  if (s.type != "dynamic" || seq_len <= original) return base_inv_freq_;
  // NTK-aware base growth (transformers _compute_dynamic_ntk_parameters).
  const double dim = static_cast<double>(dim_);
  const double base = theta_ * std::pow(s.factor * seq_len / original - (s.factor - 1), dim / (dim - 2));
  return default_inv_freq(dim_, base);
}

std::pair<torch::Tensor, torch::Tensor> RotaryEmbedding::cos_sin(const torch::Tensor& positions,
                                                                 torch::ScalarType dtype) {
  int64_t seq_len = 0;
  if (length_dependent()) {
    seq_len = positions.max().item<int64_t>() + 1;  // one sync per forward, dynamic/longrope only
    seq_len = std::max<int64_t>(seq_len, 1);
  }
  if (!device_inv_freq_.defined() || device_inv_freq_.device() != positions.device() ||
      seq_len != cached_seq_len_) {
    device_inv_freq_ = inv_freq_for(seq_len).to(positions.device());
    cached_seq_len_ = seq_len;
  }
  auto freqs = positions.to(torch::kFloat32).unsqueeze(-1) * device_inv_freq_;  // [B, T, Dr/2]
  auto emb = torch::cat({freqs, freqs}, -1);                                     // [B, T, Dr]
  if (attention_scaling_ != 1.0) {
    return {(emb.cos() * attention_scaling_).to(dtype), (emb.sin() * attention_scaling_).to(dtype)};
  }
  return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t rotary = cos.size(-1);
  if (rotary < x.size(-1)) {
    // Partial rotary (Phi-3 family): turn the first Dr dimensions, pass the rest through.
    auto turned = apply_rotary(x.narrow(-1, 0, rotary), cos, sin);                      // [B, H, T, Dr]
    return torch::cat({turned, x.narrow(-1, rotary, x.size(-1) - rotary)}, -1);        // [B, H, T, D]
  }
  if (auto y = apply_rotary_cpu_rows(x, cos, sin); y.defined()) return y;  // decode on the CPU
  const int64_t half = rotary / 2;
  auto x1 = x.narrow(-1, 0, half);
  auto x2 = x.narrow(-1, half, half);
  auto rotated = torch::cat({-x2, x1}, -1);  // rotate_half: [B, H, T, D]
  return x * cos.unsqueeze(1) + rotated * sin.unsqueeze(1);
}

}  // namespace lorag::model::nn
