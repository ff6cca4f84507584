// SPDX-License-Identifier: Apache-2.0
#include "model/nn/rms_norm_cpu.h"

#include <torch/torch.h>

#include <cmath>
#include <type_traits>

namespace lorag::model::nn {
namespace {

template <typename T>
void rms_norm_rows(const T* x, const T* w, int64_t rows, int64_t cols, float eps, T* y) {
  for (int64_t r = 0; r < rows; ++r, x += cols, y += cols) {
    double sum = 0.0;
    for (int64_t c = 0; c < cols; ++c) sum += static_cast<double>(static_cast<float>(x[c])) * static_cast<float>(x[c]);
    const float inv = 1.0f / std::sqrt(static_cast<float>(sum / static_cast<double>(cols)) + eps);
    for (int64_t c = 0; c < cols; ++c) {
      const T normed = static_cast<T>(static_cast<float>(x[c]) * inv);  // rounded to x's dtype, as .to(dtype)
      y[c] = static_cast<T>(static_cast<float>(w[c]) * static_cast<float>(normed));
    }
  }
}

}  // namespace

torch::Tensor rms_norm_cpu_rows(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  if (!x.device().is_cpu() || x.dim() == 0 || x.numel() == 0 || !x.is_contiguous()) return {};
  if (torch::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad())) return {};
  const auto dtype = x.scalar_type();
  if ((dtype != torch::kFloat32 && dtype != torch::kBFloat16) || weight.scalar_type() != dtype) return {};
  if (!weight.device().is_cpu() || weight.dim() != 1 || !weight.is_contiguous()) return {};
  const int64_t cols = x.size(-1);
  if (weight.size(0) != cols) return {};
  const int64_t rows = x.numel() / cols;
  if (rows > kRmsNormCpuMaxRows) return {};
  auto y = torch::empty_like(x);
  if (dtype == torch::kFloat32) {
    rms_norm_rows(x.data_ptr<float>(), weight.data_ptr<float>(), rows, cols, static_cast<float>(eps),
                  y.data_ptr<float>());
  } else {
    rms_norm_rows(x.data_ptr<c10::BFloat16>(), weight.data_ptr<c10::BFloat16>(), rows, cols, static_cast<float>(eps),
                  y.data_ptr<c10::BFloat16>());
  }
  return y;
}

}  // namespace lorag::model::nn
