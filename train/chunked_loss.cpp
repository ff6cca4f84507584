// SPDX-License-Identifier: Apache-2.0
#include "train/chunked_loss.h"

#include <torch/torch.h>

#include <algorithm>

namespace lorag::train {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

torch::Tensor chunk_loss(model::CausalLMImpl& net, const torch::Tensor& h, const torch::Tensor& y) {
  auto logits = net.logits(h).to(torch::kFloat32);  // [n, V]
  return torch::nn::functional::cross_entropy(
      logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
}

torch::Tensor loss_sum_no_grad(model::CausalLMImpl& net, const torch::Tensor& rows, const torch::Tensor& targets,
                               int64_t chunk) {
  torch::NoGradGuard no_grad;
  auto total = torch::zeros({}, rows.options().dtype(torch::kFloat32));
  const int64_t n = rows.size(0);
  for (int64_t s = 0; s < n; s += chunk) {
    const int64_t len = std::min(chunk, n - s);
    total += chunk_loss(net, rows.narrow(0, s, len), targets.narrow(0, s, len));
  }
  return total;
}

// Forward: the loss sum without keeping any logits. Backward: per chunk,
// recompute the logits with grad and backpropagate into that chunk of `rows`
// (and, through the inner backward, into LM-head adapter weights).
struct ChunkedLoss : torch::autograd::Function<ChunkedLoss> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& rows, const torch::Tensor& targets,
                               model::CausalLMImpl* net, int64_t chunk) {
    ctx->saved_data["rows"] = rows;
    ctx->saved_data["targets"] = targets;
    ctx->saved_data["net"] = reinterpret_cast<int64_t>(net);
    ctx->saved_data["chunk"] = chunk;
    return loss_sum_no_grad(*net, rows, targets, chunk);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto* net = reinterpret_cast<model::CausalLMImpl*>(ctx->saved_data["net"].toInt());
    const auto rows = ctx->saved_data["rows"].toTensor();
    const auto targets = ctx->saved_data["targets"].toTensor();
    const int64_t chunk = ctx->saved_data["chunk"].toInt();
    auto grad_rows = torch::zeros_like(rows);
    const int64_t n = rows.size(0);
    for (int64_t s = 0; s < n; s += chunk) {
      const int64_t len = std::min(chunk, n - s);
      auto h = rows.narrow(0, s, len).detach().requires_grad_(true);
      torch::Tensor loss;
      {
        torch::AutoGradMode enable(true);
        loss = chunk_loss(*net, h, targets.narrow(0, s, len));
      }
      torch::autograd::backward({loss}, {grads[0]});
      grad_rows.narrow(0, s, len).copy_(h.grad());
    }
    return {grad_rows, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

at::Tensor chunked_lm_loss_sum(model::CausalLMImpl& net, const at::Tensor& hidden, const at::Tensor& targets,
                               int64_t chunk_rows) {
  const int64_t C = hidden.size(-1);
  const auto flat_targets = targets.reshape({-1});                // [B*T]
  const auto idx = flat_targets.ne(-100).nonzero().squeeze(1);    // [N]
  auto rows = hidden.reshape({-1, C}).index_select(0, idx);       // [N, C]
  const auto y = flat_targets.index_select(0, idx);               // [N]
  if (rows.size(0) == 0) return torch::zeros({}, hidden.options().dtype(torch::kFloat32));
  if (!torch::GradMode::is_enabled()) return loss_sum_no_grad(net, rows, y, chunk_rows);
  // LoRA on the LM head alone leaves `rows` without grad; the function must still run backward.
  if (!rows.requires_grad()) rows = rows.detach().requires_grad_(true);
  return ChunkedLoss::apply(rows, y, &net, chunk_rows);
}

}  // namespace lorag::train
