// SPDX-License-Identifier: Apache-2.0
// What the CUDA plugin (liblorag_cuda.so) offers model/: a table of function
// pointers returned by the plugin's exported `lorag_cuda_model_ops()`. lorag_model
// itself never links CUDA; it looks the table up once the plugin is loaded
// (model/cuda/cuda_plugin.h).
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>

// Marks the plugin's entry points, the only symbols it exports.
#define LORAG_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

namespace lorag::model::cuda {

// A null member: the plugin was built without nvcc and has no such kernel.
struct ModelCudaOps {
  at::Tensor (*fused_rms_norm)(const at::Tensor& x, const at::Tensor& weight, double eps, double weight_offset);
  at::Tensor (*quant_dequantize)(const at::Tensor& blocks, std::uint32_t type, std::int64_t in,
                                 c10::ScalarType dtype);
  at::Tensor (*quant_matvec)(const at::Tensor& blocks, std::uint32_t type, std::int64_t in, const at::Tensor& x);
};

inline constexpr char kModelOpsSymbol[] = "lorag_cuda_model_ops";

// The plugin's table, or nullptr while the plugin is not loaded.
const ModelCudaOps* model_ops();

}  // namespace lorag::model::cuda
