// SPDX-License-Identifier: Apache-2.0
// Rotary position embeddings with transformers' rope_scaling types (model/nn):
// default, linear, dynamic (NTK) and llama3.
#pragma once

#include <ATen/Tensor.h>

#include "model/config.h"

namespace lorag::model {

class RotaryEmbedding {
 public:
  explicit RotaryEmbedding(const ModelConfig& config);

  // positions [B, T] int64 → {cos, sin}, each [B, T, D] in `dtype` on positions' device.
  // Frequencies are computed in fp32 as transformers does.
  std::pair<at::Tensor, at::Tensor> cos_sin(const at::Tensor& positions, at::ScalarType dtype);

  // The inverse frequencies [D/2] (fp32, CPU) for a sequence of `seq_len` tokens;
  // differs from the base ones only for "dynamic" scaling past the original length.
  at::Tensor inv_freq_for(int64_t seq_len) const;

 private:
  ModelConfig config_;
  at::Tensor base_inv_freq_;  // [D/2] fp32 CPU, after static scaling
  at::Tensor device_inv_freq_;  // cached copy on the last device used
  int64_t cached_seq_len_ = 0;  // dynamic scaling: length the cached freqs were built for
};

// Applies the rotation to x [B, H, T, D] with cos/sin [B, T, D] (rotate_half convention).
at::Tensor apply_rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace lorag::model
