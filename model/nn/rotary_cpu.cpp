// SPDX-License-Identifier: Apache-2.0
#include "model/nn/rotary_cpu.h"

#include <torch/torch.h>

namespace lorag::model::nn {
namespace {

template <typename T>
void rotate(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin, torch::Tensor& y) {
  const int64_t B = x.size(0), H = x.size(1), T_ = x.size(2), D = x.size(3), half = D / 2;
  const auto xs = x.strides();
  const T* xp = x.data_ptr<T>();
  const T* cp = cos.data_ptr<T>();
  const T* sp = sin.data_ptr<T>();
  T* yp = y.data_ptr<T>();
  const bool shared = cos.size(0) == 1;  // one table for every batch row
  auto r = [](float v) { return static_cast<float>(static_cast<T>(v)); };  // round to T, as each ATen op does
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t t = 0; t < T_; ++t) {
        const T* xr = xp + b * xs[0] + h * xs[1] + t * xs[2];
        const int64_t table = ((shared ? 0 : b) * T_ + t) * D;
        T* yr = yp + ((b * H + h) * T_ + t) * D;
        for (int64_t i = 0; i < D; ++i) {
          const float xi = static_cast<float>(xr[i * xs[3]]);
          const float rot = i < half ? -static_cast<float>(xr[(i + half) * xs[3]]) : static_cast<float>(xr[(i - half) * xs[3]]);
          yr[i] = static_cast<T>(r(xi * static_cast<float>(cp[table + i])) + r(rot * static_cast<float>(sp[table + i])));
        }
      }
    }
  }
}

}  // namespace

torch::Tensor apply_rotary_cpu_rows(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  if (!x.device().is_cpu() || x.dim() != 4 || x.numel() == 0) return {};
  if (torch::GradMode::is_enabled() && x.requires_grad()) return {};
  const auto dtype = x.scalar_type();
  if (dtype != torch::kFloat32 && dtype != torch::kBFloat16) return {};
  const int64_t B = x.size(0), T = x.size(2), D = x.size(3);
  for (const auto* table : {&cos, &sin}) {
    if (!table->device().is_cpu() || table->scalar_type() != dtype || table->dim() != 3 || !table->is_contiguous() ||
        (table->size(0) != B && table->size(0) != 1) || table->size(1) != T || table->size(2) != D) {
      return {};
    }
  }
  if (cos.size(0) != sin.size(0) || D % 2 != 0 || B * T > kRotaryCpuMaxRows) return {};
  auto y = torch::empty(x.sizes(), x.options().memory_format(c10::MemoryFormat::Contiguous));  // [B, H, T, D]
  if (dtype == torch::kFloat32) {
    rotate<float>(x, cos, sin, y);
  } else {
    rotate<c10::BFloat16>(x, cos, sin, y);
  }
  return y;
}

}  // namespace lorag::model::nn
