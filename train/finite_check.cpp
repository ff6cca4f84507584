// SPDX-License-Identifier: Apache-2.0
// Non-finite loss / gradient / parameter checks for the trainer (train/), issue #18.
#include "train/finite_check.h"

#include <torch/torch.h>

#include <cmath>

#include "model/core/error.h"

namespace lorag::train {
namespace {
constexpr const char* kHint =
    "; the adapter of this step was not saved and earlier checkpoints are kept (hint: lower --lr or set "
    "--max-grad-norm)";
}  // namespace

void check_finite_step(int64_t step, double loss, double grad_norm) {
  LORAG_CHECK(std::isfinite(loss), Error, "training stopped at step ", step, ": the loss is ", loss, kHint);
  LORAG_CHECK(std::isfinite(grad_norm), Error, "training stopped at step ", step, ": the gradient norm is ",
              grad_norm, kHint);
}

void check_finite_parameters(int64_t step, const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard no_grad;
  for (const auto& p : params) {
    LORAG_CHECK(torch::isfinite(p).all().item<bool>(), Error, "training stopped at step ", step,
                ": the optimizer step made an adapter weight non-finite", kHint);
  }
}

}  // namespace lorag::train
