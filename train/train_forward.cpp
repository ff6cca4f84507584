// SPDX-License-Identifier: Apache-2.0
#include "train/train_forward.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/torch.h>

#include "model/nn/attention_mask.h"
#include "model/nn/decoder_block.h"

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
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, model::nn::DecoderBlock* layer,
                               const torch::Tensor& cos, const torch::Tensor& sin,
                               const model::nn::AttentionMask& mask) {
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
    auto* layer = reinterpret_cast<model::nn::DecoderBlock*>(ctx->saved_data["layer"].toInt());
    auto x = ctx->saved_data["x"].toTensor().detach().requires_grad_(true);
    const model::nn::AttentionMask mask{ctx->saved_data["mask"].toTensor(), ctx->saved_data["is_causal"].toBool()};
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

}  // namespace

at::Tensor training_hidden_states(model::CausalLMImpl& net, const BatchTensors& batch, bool checkpoint) {
  model::ForwardInput in{batch.input_ids, batch.positions, batch.key_valid};
  in.block_mask = batch.block_mask;  // packed rows: block-causal; undefined: causal over key_valid
  if (checkpoint && torch::GradMode::is_enabled()) {
    in.run_layer = [](model::nn::DecoderBlock& layer, const torch::Tensor& h, const torch::Tensor& cos,
                      const torch::Tensor& sin, const model::nn::AttentionMask& mask) {
      // The first checkpointed layer needs an input that requires grad, or
      // autograd never calls its backward (PEFT's enable_input_require_grads).
      const auto x = h.requires_grad() ? h : h.detach().requires_grad_(true);
      return LayerCheckpoint::apply(x, &layer, cos, sin, mask);
    };
  }
  return net.hidden_states(in);  // [B, T, C]
}

}  // namespace lorag::train
