// SPDX-License-Identifier: Apache-2.0
#include "train/train_forward.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/torch.h>

#include <array>

#include "model/nn/attention_mask.h"
#include "model/nn/decoder_block.h"
#include "model/nn/rotary_embedding.h"

namespace lorag::train {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The default generator dropout draws from on `device`.
at::Generator default_generator(const c10::Device& device) {
  if (device.is_cuda()) return at::detail::getCUDAHooks().getDefaultGenerator(device.index());
  return at::detail::getDefaultCPUGenerator();
}

// One decoder layer whose activations are recomputed in backward (reentrant
// checkpointing, as torch.utils.checkpoint(use_reentrant=True) and PEFT's
// gradient_checkpointing_enable do). Gradients of the layer's adapter weights
// are accumulated into their .grad by the inner backward.
struct LayerCheckpoint : torch::autograd::Function<LayerCheckpoint> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, model::DecoderBlock* layer,
                               const torch::Tensor& cos, const torch::Tensor& sin, const model::AttentionMask& mask) {
    auto gen = default_generator(x.device());
    ctx->saved_data["rng"] = gen.get_state();
    ctx->saved_data["x"] = x;
    ctx->saved_data["cos"] = cos;
    ctx->saved_data["sin"] = sin;
    ctx->saved_data["mask"] = mask.mask;
    ctx->saved_data["is_causal"] = mask.is_causal;
    ctx->saved_data["layer"] = reinterpret_cast<int64_t>(layer);
    torch::NoGradGuard no_grad;
    return layer->forward(x, cos, sin, mask, nullptr);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto* layer = reinterpret_cast<model::DecoderBlock*>(ctx->saved_data["layer"].toInt());
    auto x = ctx->saved_data["x"].toTensor().detach().requires_grad_(true);
    const model::AttentionMask mask{ctx->saved_data["mask"].toTensor(), ctx->saved_data["is_causal"].toBool()};
    // Replay the forward's dropout masks, then put the generator back where it was.
    auto gen = default_generator(x.device());
    const auto now = gen.get_state();
    gen.set_state(ctx->saved_data["rng"].toTensor());
    torch::Tensor out;
    {
      torch::AutoGradMode enable(true);
      out = layer->forward(x, ctx->saved_data["cos"].toTensor(), ctx->saved_data["sin"].toTensor(), mask, nullptr);
    }
    gen.set_state(now);
    torch::autograd::backward({out}, {grads[0]});
    return {x.grad(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// The packed-batch mask of one attention kind: block-causal, limited to the last
// `window` tokens on sliding layers; padding queries see themselves only, so no
// softmax row is empty (an empty row gives NaN, which backward would spread).
model::AttentionMask packed_mask(const torch::Tensor& block, int64_t window) {
  const int64_t T = block.size(1);
  auto mask = block;  // [B, T, T]
  const auto idx = torch::arange(T, torch::TensorOptions().dtype(torch::kInt64).device(block.device()));
  if (window > 0 && T > window) mask = mask.logical_and((idx.unsqueeze(1) - idx.unsqueeze(0)) < window);
  const auto eye = torch::eye(T, torch::TensorOptions().dtype(torch::kBool).device(block.device()));
  const auto empty_row = mask.any(-1, /*keepdim=*/true).logical_not();  // [B, T, 1]
  mask = mask.logical_or(empty_row.logical_and(eye));
  return {mask.unsqueeze(1), false};  // [B, 1, T, T]
}

}  // namespace

at::Tensor training_hidden_states(model::CausalLMImpl& net, const BatchTensors& batch, bool checkpoint) {
  if (!checkpoint && !batch.block_mask.defined()) {
    return net.hidden_states({batch.input_ids, batch.positions, batch.key_valid});
  }
  // What CausalLMImpl::hidden_states does, with the packed mask and checkpointing.
  const auto& config = net.config();
  auto h = torch::embedding(net.model->embed_tokens, batch.input_ids);  // [B, T, C]
  if (const double multiplier = config.embedding_multiplier(); multiplier != 1.0) {
    h = h * torch::scalar_tensor(multiplier, torch::kFloat32).to(h.scalar_type());
  }
  // The first checkpointed layer needs an input that requires grad, or autograd
  // never calls its backward (PEFT's enable_input_require_grads).
  if (checkpoint && torch::GradMode::is_enabled()) h = h.detach().requires_grad_(true);
  struct KindInputs {
    torch::Tensor cos, sin;
    model::AttentionMask mask;
    bool used = false;
  };
  std::array<KindInputs, 2> kinds;
  const int64_t n_layers = static_cast<int64_t>(net.model->layers->size());
  for (int64_t i = 0; i < n_layers; ++i) {
    const auto kind = config.attention_kind(i);
    auto& k = kinds[static_cast<size_t>(kind)];
    if (k.used) continue;
    const bool sliding = kind == model::AttentionKind::kSliding;
    model::RotaryEmbedding rotary(config, kind);
    std::tie(k.cos, k.sin) = rotary.cos_sin(batch.positions, h.scalar_type());
    const int64_t window = sliding ? config.sliding_window : 0;
    k.mask = batch.block_mask.defined()
                 ? packed_mask(batch.block_mask, window)
                 : model::make_attention_mask(0, batch.input_ids.size(1), batch.key_valid, window, h.device());
    k.used = true;
  }
  for (int64_t i = 0; i < n_layers; ++i) {
    const auto& k = kinds[static_cast<size_t>(config.attention_kind(i))];
    auto* layer = net.model->layers[i]->as<model::DecoderBlock>();
    if (checkpoint && torch::GradMode::is_enabled()) {
      h = LayerCheckpoint::apply(h, layer, k.cos, k.sin, k.mask);
    } else {
      h = layer->forward(h, k.cos, k.sin, k.mask, nullptr);
    }
  }
  return net.model->final_norm(h);  // [B, T, C]
}

}  // namespace lorag::train
