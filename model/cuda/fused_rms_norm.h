// SPDX-License-Identifier: Apache-2.0
// Fused RMSNorm on CUDA (model/cuda): one kernel instead of the five elementwise
// and reduction launches of the LibTorch expression, for the inference path.
#pragma once

#include <ATen/Tensor.h>

namespace lorag::model::cuda {

// True when the CUDA plugin (model/cuda/cuda_plugin.h) is loaded and has the
// kernels (it was built with nvcc).
bool fused_kernels_available();

// x [..., C] (fp32, bf16 or fp16, CUDA, contiguous in the last dim), weight [C]
// in x's dtype → [..., C] in x's dtype. Numerically as transformers'
// LlamaRMSNorm: mean of squares in fp32, the normalised value rounded to x's dtype,
// then multiplied by `weight` (plus `weight_offset`, 1 for Gemma's (1 + w) form).
// Inference only: no autograd. Throws c10::Error for CPU tensors or other dtypes.
at::Tensor fused_rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, double weight_offset = 0.0);

}  // namespace lorag::model::cuda
