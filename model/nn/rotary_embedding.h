// SPDX-License-Identifier: Apache-2.0
// Rotary position embeddings with transformers' rope_scaling types (model/nn):
// default, linear, dynamic (NTK), llama3, longrope (Phi-3) and yarn, over the whole
// head or its first rotary_dim() dimensions.
#pragma once

#include <ATen/Tensor.h>

#include "model/config.h"

namespace lorag::model::nn {

class RotaryEmbedding {
 public:
  // The embedding of layers of `kind`: sliding layers of a model with its own
  // local base (Gemma 3's rope_local_base_freq) use that base and no scaling;
  // every other layer uses rope_theta and rope_scaling.
  explicit RotaryEmbedding(const ModelConfig& config, AttentionKind kind = AttentionKind::kFull);

  // positions [B, T] int64 → {cos, sin}, each [B, T, Dr] (Dr = rotary_dim()) in
  // `dtype` on positions' device. Frequencies are computed in fp32 as
  // transformers does. Dynamic and longrope scaling read the largest position
  // (one device sync per call) and, as in transformers, pick their frequencies
  // from it for every position of the call.
  std::pair<at::Tensor, at::Tensor> cos_sin(const at::Tensor& positions, at::ScalarType dtype);

  // The inverse frequencies [Dr/2] (fp32, CPU) for a sequence of `seq_len` tokens;
  // differs from the base ones only for "dynamic" and "longrope" scaling past
  // the original length.
  at::Tensor inv_freq_for(int64_t seq_len) const;

  // Whether the frequencies depend on the sequence length (dynamic, longrope).
  bool length_dependent() const { return scaling_.type == "dynamic" || scaling_.type == "longrope"; }

 private:
  double theta_;
  RopeScaling scaling_;
  int64_t dim_;                 // Dr, rotated dimensions per head
  int64_t max_positions_;       // max_position_embeddings
  double attention_scaling_ = 1.0;  // cos/sin multiplier (longrope, yarn)
  at::Tensor base_inv_freq_;    // [Dr/2] fp32 CPU, after static scaling
  at::Tensor device_inv_freq_;  // cached copy on the last device used
  int64_t cached_seq_len_ = 0;  // length-dependent scaling: length the cached freqs were built for
};

// Applies the rotation to x [B, H, T, D] with cos/sin [B, T, Dr] (rotate_half
// convention); when Dr < D only the first Dr dimensions turn (partial rotary).
at::Tensor apply_rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace lorag::model::nn
