// SPDX-License-Identifier: Apache-2.0
#include "infer/logits_processing.h"

#include <torch/torch.h>

#include <limits>

namespace lorag::infer {
namespace {
constexpr double kNegInf = -std::numeric_limits<double>::infinity();
}

void apply_repetition_penalty(at::Tensor& logits, const at::Tensor& seen, const at::Tensor& seen_valid,
                              double penalty) {
  if (penalty == 1.0) return;
  // Padding slots borrow the row's last id (always a real token), so they change nothing.
  auto ids = seen_valid.defined()
                 ? torch::where(seen_valid, seen, seen.select(1, seen.size(1) - 1).unsqueeze(1))
                 : seen;                                    // [B, S]
  auto score = logits.gather(1, ids);                       // [B, S]
  logits.scatter_(1, ids, torch::where(score < 0, score * penalty, score / penalty));
}

void apply_frequency_presence(at::Tensor& logits, const at::Tensor& counts, double frequency, double presence) {
  if (frequency == 0.0 && presence == 0.0) return;
  logits.sub_(counts * frequency + (counts > 0).to(logits.scalar_type()) * presence);
}

at::Tensor warp_logits(const at::Tensor& logits_in, const GenerateConfig& c) {
  auto logits = logits_in;
  if (c.temperature > 0 && c.temperature != 1.0) logits = logits / c.temperature;
  if (c.top_k > 0 && c.top_k < logits.size(-1)) {
    auto kth = std::get<0>(logits.topk(c.top_k, -1)).narrow(-1, c.top_k - 1, 1);  // [B, 1]
    logits = logits.masked_fill(logits < kth, kNegInf);
  }
  if (c.top_p < 1.0) {
    // transformers TopPLogitsWarper: sort ascending, drop the low tail whose
    // cumulative mass is <= 1 - top_p, always keeping the most likely token.
    auto [sorted, order] = logits.sort(-1, /*descending=*/false);
    auto cumulative = sorted.softmax(-1).cumsum(-1);
    auto remove_sorted = cumulative <= (1.0 - c.top_p);
    remove_sorted.narrow(-1, remove_sorted.size(-1) - 1, 1).fill_(false);
    auto remove = remove_sorted.scatter(-1, order, remove_sorted);
    logits = logits.masked_fill(remove, kNegInf);
  }
  if (c.min_p > 0.0) {
    auto probs = logits.softmax(-1);
    auto threshold = probs.amax(-1, /*keepdim=*/true) * c.min_p;  // [B, 1]
    logits = logits.masked_fill(probs < threshold, kNegInf);
  }
  return logits;
}

at::Tensor warp_logits_rows(const at::Tensor& logits_in, const RowWarpers& w) {
  const int64_t V = logits_in.size(-1);
  // Dividing by 1 is exact, so rows without a temperature stay bit-identical.
  auto logits = logits_in / w.temperature;  // [N, V]
  // top-k: the k-th largest value per row; k = V (off) keeps everything.
  auto k = torch::where((w.top_k > 0) & (w.top_k < V), w.top_k, torch::full_like(w.top_k, V));  // [N, 1]
  auto descending = std::get<0>(logits.sort(-1, /*descending=*/true));                        // [N, V]
  logits = logits.masked_fill(logits < descending.gather(-1, k - 1), kNegInf);
  // top-p as warp_logits; with top_p = 1 it drops only tokens of probability 0,
  // which changes no probability.
  auto [sorted, order] = logits.sort(-1, /*descending=*/false);
  auto remove_sorted = sorted.softmax(-1).cumsum(-1) <= (1.0 - w.top_p);  // [N, V]
  remove_sorted.narrow(-1, V - 1, 1).fill_(false);
  logits = logits.masked_fill(remove_sorted.scatter(-1, order, remove_sorted), kNegInf);
  auto probs = logits.softmax(-1);
  auto threshold = probs.amax(-1, /*keepdim=*/true) * w.min_p;  // [N, 1]; 0 keeps all
  return logits.masked_fill(probs < threshold, kNegInf);
}

}  // namespace lorag::infer
