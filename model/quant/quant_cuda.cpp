// SPDX-License-Identifier: Apache-2.0
// The kernels are in the CUDA plugin (model/cuda/plugin/quant_cuda.cu).
#include "model/quant/quant_cuda.h"

#include <c10/util/Exception.h>

#include "model/cuda/cuda_ops.h"

namespace lorag::model::quant::cuda {
namespace {

const model::cuda::ModelCudaOps& ops() {
  const auto* ops = model::cuda::model_ops();
  TORCH_CHECK(ops && ops->quant_matvec, "quant cuda: no CUDA kernels (the CUDA plugin is not loaded, or was built "
              "without nvcc)");
  return *ops;
}

}  // namespace

bool quant_kernels_available() {
  const auto* ops = model::cuda::model_ops();
  return ops && ops->quant_matvec && ops->quant_dequantize;
}

at::Tensor dequantize(const at::Tensor& blocks, std::uint32_t type, std::int64_t in, c10::ScalarType dtype) {
  return ops().quant_dequantize(blocks, type, in, dtype);
}

at::Tensor matvec(const at::Tensor& blocks, std::uint32_t type, std::int64_t in, const at::Tensor& x) {
  return ops().quant_matvec(blocks, type, in, x);
}

}  // namespace lorag::model::quant::cuda
