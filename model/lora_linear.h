// SPDX-License-Identifier: Apache-2.0
// The linear layer every projection of the transformer uses (model/): a frozen
// base weight under its Hugging Face name, with one LoRA adapter slot (PEFT's
// `lora_A`/`lora_B` names). Whole-model adapters live in adapters/.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/lora_row_mask.h"

namespace lorag::model {
namespace quant {
class QuantizedWeight;
}

// The LoRA scale: alpha/r, or alpha/√r with rank-stabilised LoRA (Kalajdzievski 2023).
double lora_scale(int64_t r, double alpha, bool use_rslora);

class LoraLinearImpl : public torch::nn::Module {
 public:
  // Registers `weight` [out, in] (and `bias` [out] when `bias`) uninitialised with
  // `options`, requires_grad=false; the checkpoint loader fills them.
  LoraLinearImpl(int64_t in_features, int64_t out_features, bool bias, const torch::TensorOptions& options);

  // x [..., in] → [..., out] in x's dtype. The base product is `linear` over `weight`,
  // or the quantized kernels when a quantized base is set (model/quant). With an adapter attached, enabled and not
  // merged, adds scale·B(A(dropout(x))) computed in the adapter dtype (PEFT's order);
  // dropout is active only in training mode. Without one it is a single `linear`.
  torch::Tensor forward(const torch::Tensor& x);

  // Attaches a fresh adapter of rank `r` (PEFT init: A Kaiming-uniform(a=√5), B = 0,
  // so the output equals the base) on the base weight's device in `dtype` (default:
  // the base dtype). A and B require grad. Throws ShapeError when r < 1 and Error
  // when an adapter is already attached.
  void attach(int64_t r, double alpha, double dropout = 0.0, bool use_rslora = false,
              std::optional<c10::ScalarType> dtype = std::nullopt);
  // Attaches existing weights: A [R, in] and B [out, R] become `lora_A.weight` and
  // `lora_B.weight`, sharing storage with the given tensors (no copy: pass them in the
  // wanted dtype, on the base weight's device). `where` names the module in messages
  // (`model.layers.0.self_attn.q_proj`). Throws ShapeError naming `where` and both
  // shapes on a mismatch, Error when an adapter is already attached.
  void attach(const torch::Tensor& lora_a, const torch::Tensor& lora_b, double scale, double dropout,
              const std::string& where);
  // Removes the adapter. Throws Error while merged (unmerge first); no-op when none.
  void detach();

  // Adds scale·B·A (built in fp32, checked finite) into `weight`; forward is then one
  // `linear`. A quantized base is first dequantized into a dense `weight` in the
  // layer's dtype (a delta cannot be added to blocks without requantizing it away),
  // so a merged layer is dense from then on, also after unmerge. Throws Error when no adapter is attached or it is already merged, and
  // Error when the delta holds a non-finite value.
  void merge();
  // Subtracts the same delta. Exact up to rounding in fp32; in bf16/fp16 each of
  // merge and unmerge rounds `weight`, so the round trip is approximate (about one
  // ulp of the weight). Throws Error when not merged.
  void unmerge();
  // The delta scale·B·A as fp32 [out, in]; throws Error when no adapter is attached.
  torch::Tensor delta_weight() const;

  // Turns the adapter's contribution on/off in forward (no effect once merged).
  void set_enabled(bool enabled) { enabled_ = enabled; }
  bool enabled() const { return enabled_; }
  bool attached() const { return !lora_A.is_empty(); }
  bool merged() const { return merged_; }
  double scale() const { return scale_; }
  double dropout() const { return dropout_; }
  int64_t rank() const { return attached() ? lora_A->weight.size(0) : 0; }
  // {A, B} weights (empty when none): what the optimizer trains. Never the base.
  std::vector<torch::Tensor> adapter_parameters() const;

  // Makes `q` ([out, in], checked) the frozen base weight. `weight` keeps its name,
  // shape, dtype and device but no storage of its own (a zero-stride view of one
  // zero): the dense copy is never made. Throws ShapeError on a shape mismatch and
  // Error while an adapter is merged.
  void set_quantized_base(std::shared_ptr<const quant::QuantizedWeight> q);
  // The quantized base, or nullptr when `weight` is dense.
  const std::shared_ptr<const quant::QuantizedWeight>& quantized_base() const { return quantized_; }
  // The base weight as a dense [out, in] tensor in `weight`'s dtype (dequantized
  // when quantized; `weight` itself otherwise).
  torch::Tensor dense_weight() const;

  // Stacked adapters, for batches whose rows use different adapters (issue 12):
  // `a` [S, in] and `b` [out, S] hold every resident adapter side by side (its A
  // rows and its B columns times its scale, zero-padded to a common rank), and
  // `rows` is the mask shared by all stacked layers of the model. While
  // `rows->mask` is defined, forward adds ((x·aᵀ) ⊙ mask)·bᵀ for x [B, T, in] and
  // mask [B, S]; otherwise the stack is ignored. Independent of the single adapter
  // slot (training, merge). Throws ShapeError naming both shapes on a mismatch.
  void set_stack(const torch::Tensor& a, const torch::Tensor& b, std::shared_ptr<const LoraRowMask> rows);
  void clear_stack();
  bool stacked() const { return stack_a_.defined(); }

  int64_t in_features() const { return weight.size(1); }
  int64_t out_features() const { return weight.size(0); }

  torch::Tensor weight;
  torch::Tensor bias;  // undefined when the layer has none
  torch::nn::Linear lora_A{nullptr};  // in → R, bias-free; null when no adapter
  torch::nn::Linear lora_B{nullptr};  // R → out, bias-free; null when no adapter

 private:
  double scale_ = 0.0;
  double dropout_ = 0.0;
  bool enabled_ = true;
  bool merged_ = false;
  std::shared_ptr<const quant::QuantizedWeight> quantized_;  // null: `weight` is dense
  torch::Tensor stack_a_;  // [S, in]; undefined: no stacked adapters
  torch::Tensor stack_b_;  // [out, S]
  std::shared_ptr<const LoraRowMask> rows_;
};
TORCH_MODULE(LoraLinear);

}  // namespace lorag::model
