// SPDX-License-Identifier: Apache-2.0
#include "model/lora_linear.h"

#include <torch/torch.h>

#include <cmath>

#include "model/core/error.h"
#include "model/core/shape_str.h"
#include "model/quant/quantized_weight.h"

namespace lorag::model {
namespace {
// A bias-free Linear whose weight shares `weight`'s storage. The 1×1 construction
// keeps Linear's own (wasted) random init trivially small.
torch::nn::Linear linear_over(const torch::Tensor& weight) {
  torch::nn::Linear linear(torch::nn::LinearOptions(1, 1).bias(false));
  linear->options.in_features(weight.size(1)).out_features(weight.size(0));
  torch::NoGradGuard no_grad;
  linear->weight.set_data(weight);  // [out, in] of the Linear; aliases `weight`
  linear->weight.set_requires_grad(true);
  return linear;
}

// Every row's adapter as one pair of matmuls over the stacked columns, the mask
// zeroing the columns of the adapters a row does not use. Chosen over gathering each
// row's A/B (index_select + bmm) because it copies no weights per step, reads each
// stacked weight once whatever the batch size, runs the same kernels for prefill
// and decode, and holds no index tensors a CUDA graph would have to refresh; its
// cost grows with the number of resident adapters, which stays small (a few, of
// rank 8-64) next to the base product. `at::_grouped_mm` would need the rows sorted
// by adapter and a per-step offsets tensor, for no gain at these sizes.
torch::Tensor add_stacked(const torch::Tensor& x, torch::Tensor out, const torch::Tensor& a, const torch::Tensor& b,
                          const torch::Tensor& mask) {
  LORAG_CHECK(x.dim() >= 2 && mask.dim() == 2 && mask.size(0) == x.size(0) && mask.size(1) == a.size(0), ShapeError,
              "lora_linear: stacked adapters need x [B, ..., in] and a row mask [B, ", a.size(0), "], got x ",
              shape_str(x.sizes()), " and mask ", shape_str(mask.sizes()));
  auto h = x.to(a.scalar_type());
  auto low = torch::matmul(h, a.t());                                // [B, T, S]
  low.view({mask.size(0), -1, low.size(-1)}).mul_(mask.unsqueeze(1));  // [B, T, S]: each row's own adapter only
  if (!torch::GradMode::is_enabled() && low.scalar_type() == out.scalar_type() && out.is_contiguous()) {
    out.view({-1, out.size(-1)}).addmm_(low.view({-1, low.size(-1)}), b.t());  // [B·T, S]·[S, out]
    return out;
  }
  return out + torch::matmul(low, b.t()).to(out.scalar_type());  // [B, T, out]
}
}  // namespace

double lora_scale(int64_t r, double alpha, bool use_rslora) {
  return use_rslora ? alpha / std::sqrt(static_cast<double>(r)) : alpha / static_cast<double>(r);
}

LoraLinearImpl::LoraLinearImpl(int64_t in_features, int64_t out_features, bool bias,
                               const torch::TensorOptions& options) {
  // torch::empty: real weights come from the checkpoint, so random init would be wasted time.
  weight = register_parameter("weight", torch::empty({out_features, in_features}, options), false);
  if (bias) this->bias = register_parameter("bias", torch::zeros({out_features}, options), false);
}

torch::Tensor LoraLinearImpl::forward(const torch::Tensor& x) {
  auto out = quantized_ ? quant::quantized_linear(x, quantized_, bias)     // [..., out]
                        : torch::nn::functional::linear(x, weight, bias);  // [..., out]
  if (stack_a_.defined() && rows_ && rows_->mask.defined()) out = add_stacked(x, out, stack_a_, stack_b_, rows_->mask);
  if (lora_A.is_empty() || !enabled_ || merged_) return out;
  // PEFT casts the input to the adapter dtype, then adds the update to the base result.
  auto h = x.to(lora_A->weight.scalar_type());
  if (dropout_ > 0.0 && is_training()) h = torch::dropout(h, dropout_, true);
  if (!torch::GradMode::is_enabled() && h.scalar_type() == out.scalar_type() && out.is_contiguous()) {
    // Inference (decode at batch 1 is dispatch-bound): out += scale·(h·Aᵀ)·Bᵀ as one
    // in-place addmm on the flattened rows, two kernels instead of four (A, B, scale,
    // add). Same sum; the update is not rounded separately before the add.
    auto rows = h.reshape({-1, h.size(-1)});      // [N, in]
    auto flat = out.view({-1, out.size(-1)});     // [N, out], shares out's storage
    auto low = torch::mm(rows, lora_A->weight.t());  // [N, R]
    flat.addmm_(low, lora_B->weight.t(), /*beta=*/1, /*alpha=*/scale_);  // [N, R]·[R, out]
    return out;
  }
  auto update = lora_B(lora_A(h));  // [..., R] → [..., out]
  return out + (update * scale_).to(out.scalar_type());
}

void LoraLinearImpl::attach(int64_t r, double alpha, double dropout, bool use_rslora,
                            std::optional<c10::ScalarType> dtype) {
  LORAG_CHECK(r >= 1, ShapeError, "lora_linear: rank r=", r, " must be at least 1");
  auto options = weight.options().dtype(dtype.value_or(weight.scalar_type())).requires_grad(false);
  auto a = torch::empty({r, in_features()}, options);  // [R, in]
  // PEFT's `init_lora_weights=True`: A as nn.Linear's default init, B = 0, so the
  // adapted model starts equal to the base one.
  torch::nn::init::kaiming_uniform_(a, std::sqrt(5.0));
  auto b = torch::zeros({out_features(), r}, options);  // [out, R]
  attach(a, b, lora_scale(r, alpha, use_rslora), dropout, "lora_linear");
}

void LoraLinearImpl::attach(const torch::Tensor& lora_a, const torch::Tensor& lora_b, double scale, double dropout,
                            const std::string& where) {
  LORAG_CHECK(!attached(), Error, where, ": an adapter is already attached (detach it first)");
  LORAG_CHECK(lora_a.dim() == 2 && lora_b.dim() == 2 && lora_a.size(1) == in_features() &&
                  lora_b.size(0) == out_features() && lora_b.size(1) == lora_a.size(0),
              ShapeError, where, ": lora_A is ", shape_str(lora_a.sizes()), " and lora_B is ",
              shape_str(lora_b.sizes()), ", expected [r, ", in_features(), "] and [", out_features(),
              ", r] for weight ", shape_str(weight.sizes()));
  LORAG_CHECK(dropout >= 0.0 && dropout < 1.0, ConfigError, where, ": lora_dropout=", dropout, " must be in [0, 1)");
  lora_A = register_module("lora_A", linear_over(lora_a));
  lora_B = register_module("lora_B", linear_over(lora_b));
  scale_ = scale;
  dropout_ = dropout;
  enabled_ = true;
  merged_ = false;
}

void LoraLinearImpl::detach() {
  if (!attached()) return;
  LORAG_CHECK(!merged_, Error, "lora_linear: cannot detach a merged adapter (unmerge it first)");
  unregister_module("lora_A");
  unregister_module("lora_B");
  lora_A = nullptr;
  lora_B = nullptr;
  scale_ = 0.0;
  dropout_ = 0.0;
}

torch::Tensor LoraLinearImpl::delta_weight() const {
  LORAG_CHECK(attached(), Error, "lora_linear: no adapter attached");
  torch::NoGradGuard no_grad;
  auto a = lora_A->weight.to(torch::kFloat32);  // [R, in]
  auto b = lora_B->weight.to(torch::kFloat32);  // [out, R]
  return torch::matmul(b, a) * scale_;  // [out, in]
}

void LoraLinearImpl::merge() {
  LORAG_CHECK(attached(), Error, "lora_linear: merge: no adapter attached");
  LORAG_CHECK(!merged_, Error, "lora_linear: merge: the adapter is already merged");
  torch::NoGradGuard no_grad;
  auto delta = delta_weight();  // [out, in] fp32
  if (quantized_) {
    weight.set_data(dense_weight());  // [out, in], now with its own storage
    quantized_.reset();
  }
  // PEFT's `safe_merge`: refuse to write NaN/Inf into the base weight.
  LORAG_CHECK(torch::isfinite(delta).all().item<bool>(), Error,
              "lora_linear: merge: the adapter delta holds non-finite values (nan or inf); the base weight is left "
              "unchanged");
  weight.copy_((weight.to(torch::kFloat32) + delta).to(weight.scalar_type()));
  merged_ = true;
}

void LoraLinearImpl::unmerge() {
  LORAG_CHECK(merged_, Error, "lora_linear: unmerge: the adapter is not merged");
  torch::NoGradGuard no_grad;
  weight.copy_((weight.to(torch::kFloat32) - delta_weight()).to(weight.scalar_type()));
  merged_ = false;
}

void LoraLinearImpl::set_stack(const torch::Tensor& a, const torch::Tensor& b,
                               std::shared_ptr<const LoraRowMask> rows) {
  LORAG_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(1) == in_features() && b.size(0) == out_features() &&
                  b.size(1) == a.size(0),
              ShapeError, "lora_linear: stacked A is ", shape_str(a.sizes()), " and B is ", shape_str(b.sizes()),
              ", expected [S, ", in_features(), "] and [", out_features(), ", S] for weight ",
              shape_str(weight.sizes()));
  LORAG_CHECK(rows != nullptr, Error, "lora_linear: stacked adapters need a row mask");
  stack_a_ = a;
  stack_b_ = b;
  rows_ = std::move(rows);
}

void LoraLinearImpl::clear_stack() {
  stack_a_ = torch::Tensor();
  stack_b_ = torch::Tensor();
  rows_.reset();
}

void LoraLinearImpl::set_quantized_base(std::shared_ptr<const quant::QuantizedWeight> q) {
  LORAG_CHECK(!merged_, Error, "lora_linear: cannot replace the base weight while an adapter is merged");
  LORAG_CHECK(q && q->out_features() == out_features() && q->in_features() == in_features(), ShapeError,
              "lora_linear: quantized base is [", q ? q->out_features() : 0, ", ", q ? q->in_features() : 0,
              "], expected ", shape_str(weight.sizes()));
  torch::NoGradGuard no_grad;
  // Same sizes, dtype and device, one element of storage: shape checks, adapter dtype
  // defaults and `.to()` keep working, and a stray write fails loudly (it overlaps).
  weight.set_data(torch::zeros({1, 1}, weight.options()).expand({out_features(), in_features()}));
  quantized_ = std::move(q);
}

torch::Tensor LoraLinearImpl::dense_weight() const {
  if (!quantized_) return weight;
  return quantized_->dequantize(weight.scalar_type()).to(weight.device());  // [out, in]
}

std::vector<torch::Tensor> LoraLinearImpl::adapter_parameters() const {
  if (!attached()) return {};
  return {lora_A->weight, lora_B->weight};
}

}  // namespace lorag::model
