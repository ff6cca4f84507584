// SPDX-License-Identifier: Apache-2.0
// sentence-transformers' Pooling module (rag/encoder/): token embeddings to one
// vector per text, as 1_Pooling/config.json asks.
#pragma once

#include <ATen/Tensor.h>

#include <filesystem>
#include <string>
#include <vector>

namespace lorag::rag::encoder {

// 1_Pooling/config.json, in either layout: sentence-transformers >= 5
// (`embedding_dimension`, `pooling_mode`: a name or a list) or 2.x-4.x
// (`word_embedding_dimension`, `pooling_mode_*_token(s)` booleans, taken in the
// order cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken).
struct PoolingConfig {
  int64_t embedding_dimension = 384;        // C of the encoder, e.g. 384
  std::vector<std::string> modes = {"mean"};  // "cls", "max", "mean", "mean_sqrt_len_tokens",
                                              // "weightedmean", "lasttoken"; vectors concatenated in order

  // Output size: embedding_dimension times the number of modes.
  int64_t dimension() const { return embedding_dimension * static_cast<int64_t>(modes.size()); }
};

// Reads `path`; throws IoError/FormatError naming the file and field, and
// ConfigError for an unknown mode or none.
PoolingConfig read_pooling_config(const std::filesystem::path& path);

// hidden [B, T, C] and mask [B, T] (1 token, 0 right padding) -> [B, dimension()],
// in hidden's dtype and device.
at::Tensor pool(const PoolingConfig& config, const at::Tensor& hidden, const at::Tensor& mask);

}  // namespace lorag::rag::encoder
