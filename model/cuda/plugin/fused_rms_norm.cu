// SPDX-License-Identifier: Apache-2.0
// Fused RMSNorm kernel (model/cuda). One block per row; each thread strides over
// the row, a warp-shuffle reduction sums the squares in fp32.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "model/cuda/plugin/kernels.h"

namespace lorag::model::cuda::plugin {
namespace {

constexpr int kThreads = 256;

template <typename T> __device__ float to_float(T v) { return static_cast<float>(v); }
template <> __device__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
template <> __device__ float to_float(__half v) { return __half2float(v); }
template <typename T> __device__ T from_float(float v) { return static_cast<T>(v); }
template <> __device__ __nv_bfloat16 from_float(float v) { return __float2bfloat16(v); }
template <> __device__ __half from_float(float v) { return __float2half(v); }

__device__ float block_sum(float value) {
  __shared__ float warp_sums[kThreads / 32];
  for (int offset = 16; offset > 0; offset /= 2) value += __shfl_xor_sync(0xffffffff, value, offset);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) warp_sums[warp] = value;
  __syncthreads();
  value = threadIdx.x < kThreads / 32 ? warp_sums[threadIdx.x] : 0.0f;
  if (warp == 0) {
    for (int offset = 16; offset > 0; offset /= 2) value += __shfl_xor_sync(0xffffffff, value, offset);
  }
  __shared__ float total;
  if (threadIdx.x == 0) total = value;
  __syncthreads();
  return total;
}

template <typename T>
__global__ void rms_norm_kernel(const T* __restrict__ x, const T* __restrict__ weight, T* __restrict__ out,
                                int64_t cols, float eps, float weight_offset) {
  const T* row = x + blockIdx.x * cols;
  T* out_row = out + blockIdx.x * cols;
  float squares = 0.0f;
  for (int64_t i = threadIdx.x; i < cols; i += blockDim.x) {
    const float v = to_float(row[i]);
    squares += v * v;
  }
  const float inv_rms = rsqrtf(block_sum(squares) / static_cast<float>(cols) + eps);
  for (int64_t i = threadIdx.x; i < cols; i += blockDim.x) {
    // Round the normalised value to T before the weight multiply, as transformers does.
    const float normed = to_float(from_float<T>(to_float(row[i]) * inv_rms));
    out_row[i] = from_float<T>(normed * (to_float(weight[i]) + weight_offset));
  }
}

template <typename T, typename CudaT>
void launch(const at::Tensor& x, const at::Tensor& weight, at::Tensor& out, double eps, double offset) {
  const int64_t cols = x.size(-1);
  const int64_t rows = x.numel() / cols;
  if (rows == 0) return;
  auto stream = at::cuda::getCurrentCUDAStream();
  rms_norm_kernel<CudaT><<<rows, kThreads, 0, stream>>>(
      reinterpret_cast<const CudaT*>(x.data_ptr<T>()), reinterpret_cast<const CudaT*>(weight.data_ptr<T>()),
      reinterpret_cast<CudaT*>(out.data_ptr<T>()), cols, static_cast<float>(eps), static_cast<float>(offset));
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

}  // namespace

at::Tensor fused_rms_norm(const at::Tensor& x_in, const at::Tensor& weight_in, double eps, double weight_offset) {
  TORCH_CHECK(x_in.is_cuda() && weight_in.is_cuda(), "fused_rms_norm needs CUDA tensors");
  TORCH_CHECK(x_in.scalar_type() == weight_in.scalar_type(), "fused_rms_norm: x is ", x_in.scalar_type(),
              " but weight is ", weight_in.scalar_type());
  TORCH_CHECK(weight_in.dim() == 1 && weight_in.size(0) == x_in.size(-1), "fused_rms_norm: weight ",
              weight_in.sizes(), " does not fit x ", x_in.sizes());
  const c10::cuda::CUDAGuard guard(x_in.device());
  auto x = x_in.contiguous();
  auto weight = weight_in.contiguous();
  auto out = at::empty_like(x);
  switch (x.scalar_type()) {
    case at::kFloat: launch<float, float>(x, weight, out, eps, weight_offset); break;
    case at::kBFloat16: launch<at::BFloat16, __nv_bfloat16>(x, weight, out, eps, weight_offset); break;
    case at::kHalf: launch<at::Half, __half>(x, weight, out, eps, weight_offset); break;
    default: TORCH_CHECK(false, "fused_rms_norm: unsupported dtype ", x.scalar_type());
  }
  return out;
}

}  // namespace lorag::model::cuda::plugin
