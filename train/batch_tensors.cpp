// SPDX-License-Identifier: Apache-2.0
#include "train/batch_tensors.h"

#include <torch/torch.h>

#include "model/core/error.h"

namespace lorag::train {

std::vector<int64_t> shift_labels(const data::Batch& b) {
  const int64_t B = b.batch_size, T = b.seq_len;
  std::vector<int64_t> out(static_cast<size_t>(B * T), -100);
  for (int64_t r = 0; r < B; ++r) {
    for (int64_t t = 0; t + 1 < T; ++t) {
      const auto i = static_cast<size_t>(r * T + t);
      if (b.sequence_ids[i] < 0 || b.sequence_ids[i] != b.sequence_ids[i + 1]) continue;
      out[i] = b.labels[i + 1];
    }
  }
  return out;
}

BatchTensors to_tensors(const data::Batch& b, const c10::Device& device) {
  const int64_t B = b.batch_size, T = b.seq_len;
  const auto n = static_cast<size_t>(B * T);
  LORAG_CHECK(b.input_ids.size() == n && b.labels.size() == n && b.position_ids.size() == n &&
                  b.sequence_ids.size() == n && b.attention_mask.size() == n,
              ShapeError, "batch vectors must hold B*T = ", n, " values, got ", b.input_ids.size());
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  auto from = [&](const std::vector<int64_t>& v) {
    return torch::from_blob(const_cast<int64_t*>(v.data()), {B, T}, i64).clone().to(device);
  };
  BatchTensors t;
  t.input_ids = from(b.input_ids);
  t.positions = from(b.position_ids);
  const auto targets = shift_labels(b);
  t.targets = from(targets);
  for (auto v : targets) t.label_tokens += v != -100;
  for (auto v : b.attention_mask) t.tokens += v != 0;
  if (t.tokens < B * T) t.key_valid = from(b.attention_mask).ne(0);
  if (b.packed()) {
    const auto mask = data::block_causal_mask(b);
    t.block_mask = torch::from_blob(const_cast<uint8_t*>(mask.data()), {B, T, T}, torch::kUInt8)
                       .to(torch::kBool)
                       .to(device);  // [B, T, T]
  }
  return t;
}

}  // namespace lorag::train
