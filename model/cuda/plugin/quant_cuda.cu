// SPDX-License-Identifier: Apache-2.0
// CUDA kernels over GGUF blocks (model/quant). One device function per type gives
// element k of a row, transcribed from ggml-quants.c `dequantize_row_*` (the same
// arithmetic as model/formats; __fmul_rn/__fadd_rn stop nvcc from fusing it into an
// FMA, so values match the CPU dequantization). Rows start at any byte (blocks of 18,
// 34... bytes), so fp16 and the q5 high bits are read byte by byte.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <type_traits>

#include "model/cuda/plugin/kernels.h"

namespace lorag::model::cuda::plugin {
namespace {

// ggml type ids (model/formats/gguf_type.h).
constexpr std::uint32_t kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14;

struct Layout {
  int block_size;  // elements per block
  int type_size;   // bytes per block
};

__host__ __device__ constexpr Layout layout_of(std::uint32_t type) {
  switch (type) {
    case kQ4_0: return {32, 18};
    case kQ4_1: return {32, 20};
    case kQ5_0: return {32, 22};
    case kQ5_1: return {32, 24};
    case kQ8_0: return {32, 34};
    case kQ4_K: return {256, 144};
    case kQ5_K: return {256, 176};
    case kQ6_K: return {256, 210};
    default: return {0, 0};
  }
}

__device__ __forceinline__ float half_at(const std::uint8_t* p) {
  return __half2float(__ushort_as_half(static_cast<unsigned short>(p[0] | (p[1] << 8))));
}
__device__ __forceinline__ std::uint32_t u32_at(const std::uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
// Low nibble of qs[j] for elements 0..15 of a 32-block, high nibble of qs[j-16] for 16..31.
__device__ __forceinline__ int nibble32(const std::uint8_t* qs, int j) {
  return j < 16 ? (qs[j] & 0xF) : (qs[j - 16] >> 4);
}
// ggml's get_scale_min_k4.
__device__ __forceinline__ void scale_min_k4(int j, const std::uint8_t* q, int& sc, int& m) {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Element k of a row stored as `kType`.
template <std::uint32_t kType>
__device__ float dequant_at(const std::uint8_t* row, std::int64_t k) {
  constexpr Layout L = layout_of(kType);
  const std::uint8_t* b = row + (k / L.block_size) * L.type_size;
  const int j = static_cast<int>(k % L.block_size);
  if constexpr (kType == kQ4_0) {
    return static_cast<float>(nibble32(b + 2, j) - 8) * half_at(b);
  } else if constexpr (kType == kQ4_1) {
    return __fadd_rn(__fmul_rn(static_cast<float>(nibble32(b + 4, j)), half_at(b)), half_at(b + 2));
  } else if constexpr (kType == kQ5_0) {
    const int q = nibble32(b + 6, j) | (((u32_at(b + 2) >> j) & 1) << 4);
    return static_cast<float>(q - 16) * half_at(b);
  } else if constexpr (kType == kQ5_1) {
    const int q = nibble32(b + 8, j) | (((u32_at(b + 4) >> j) & 1) << 4);
    return __fadd_rn(__fmul_rn(static_cast<float>(q), half_at(b)), half_at(b + 2));
  } else if constexpr (kType == kQ8_0) {
    return static_cast<float>(static_cast<std::int8_t>(b[2 + j])) * half_at(b);
  } else if constexpr (kType == kQ4_K || kType == kQ5_K) {
    // 4 chunks of 64: low nibbles are sub-block 2c, high nibbles sub-block 2c+1.
    const int c = j / 64, w = j % 64, l = w % 32, sub = 2 * c + (w >= 32);
    const std::uint8_t* qs = b + (kType == kQ4_K ? 16 : 48) + 32 * c;
    int q = w < 32 ? (qs[l] & 0xF) : (qs[l] >> 4);
    if constexpr (kType == kQ5_K) q += ((b[16 + l] >> sub) & 1) << 4;  // qh[l], bit 2c (low) or 2c+1 (high)
    int sc, m;
    scale_min_k4(sub, b + 4, sc, m);
    const float d1 = __fmul_rn(half_at(b), static_cast<float>(sc));
    const float m1 = __fmul_rn(half_at(b + 2), static_cast<float>(m));
    return __fsub_rn(__fmul_rn(d1, static_cast<float>(q)), m1);
  } else {  // kQ6_K: two halves of 128, each four quarters of 32 (ggml's q1..q4).
    const int n = j / 128, r = j % 128, quarter = r / 32, l = r % 32;
    const std::uint8_t* ql = b + 64 * n + l + 32 * (quarter & 1);
    const std::uint8_t qh = b[128 + 32 * n + l];
    const int q = (((*ql) >> (4 * (quarter >> 1))) & 0xF) | (((qh >> (2 * quarter)) & 3) << 4);
    const auto sc = static_cast<std::int8_t>(b[192 + 8 * n + l / 16 + 2 * quarter]);
    return __fmul_rn(__fmul_rn(half_at(b + 208), static_cast<float>(sc)), static_cast<float>(q - 32));
  }
}

template <typename T> __device__ T from_float(float v) { return static_cast<T>(v); }
template <> __device__ __nv_bfloat16 from_float(float v) { return __float2bfloat16(v); }
template <> __device__ __half from_float(float v) { return __float2half(v); }

// One thread per element of the [rows, in] output.
template <std::uint32_t kType, typename T>
__global__ void dequantize_kernel(const std::uint8_t* __restrict__ blocks, std::int64_t rows, std::int64_t in,
                                  std::int64_t row_bytes, T* __restrict__ out) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= rows * in) return;
  const std::int64_t r = i / in, k = i % in;
  out[i] = from_float<T>(dequant_at<kType>(blocks + r * row_bytes, k));
}

constexpr int kMaxInputs = 8;  // rows of x per matvec launch
constexpr int kWarpsPerBlock = 4;

// One warp per output row r: lane l takes elements l, l+32, ... (neighbouring lanes
// read neighbouring bytes of one block), dequantizes each once and multiplies it
// with every input row; a warp shuffle sums the lanes.
template <std::uint32_t kType>
__global__ void matvec_kernel(const std::uint8_t* __restrict__ blocks, std::int64_t rows, std::int64_t in,
                              std::int64_t row_bytes, const float* __restrict__ x, int n, float* __restrict__ y) {
  const std::int64_t r = static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (r >= rows) return;  // the whole warp leaves together
  const std::uint8_t* row = blocks + r * row_bytes;
  float acc[kMaxInputs] = {};
  for (std::int64_t k = lane; k < in; k += 32) {
    const float w = dequant_at<kType>(row, k);
#pragma unroll
    for (int i = 0; i < kMaxInputs; ++i) {
      if (i < n) acc[i] += w * x[i * in + k];
    }
  }
#pragma unroll
  for (int i = 0; i < kMaxInputs; ++i) {
    float v = acc[i];
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffff, v, offset);
    if (lane == 0 && i < n) y[i * rows + r] = v;
  }
}

void check_blocks(const at::Tensor& blocks, std::uint32_t type, std::int64_t in) {
  const Layout L = layout_of(type);
  TORCH_CHECK(L.block_size > 0, "quant cuda: ggml type ", type, " has no cuda kernel");
  TORCH_CHECK(blocks.is_cuda() && blocks.scalar_type() == at::kByte && blocks.dim() == 2 && blocks.is_contiguous(),
              "quant cuda: blocks must be a contiguous cuda uint8 [rows, row_bytes] tensor");
  TORCH_CHECK(in > 0 && in % L.block_size == 0 && blocks.size(1) == in / L.block_size * L.type_size,
              "quant cuda: ", blocks.size(1), " bytes per row do not hold ", in, " values of ggml type ", type);
}

template <typename Fn>
void dispatch_type(std::uint32_t type, Fn&& fn) {
  switch (type) {
    case kQ4_0: fn(std::integral_constant<std::uint32_t, kQ4_0>{}); break;
    case kQ4_1: fn(std::integral_constant<std::uint32_t, kQ4_1>{}); break;
    case kQ5_0: fn(std::integral_constant<std::uint32_t, kQ5_0>{}); break;
    case kQ5_1: fn(std::integral_constant<std::uint32_t, kQ5_1>{}); break;
    case kQ8_0: fn(std::integral_constant<std::uint32_t, kQ8_0>{}); break;
    case kQ4_K: fn(std::integral_constant<std::uint32_t, kQ4_K>{}); break;
    case kQ5_K: fn(std::integral_constant<std::uint32_t, kQ5_K>{}); break;
    case kQ6_K: fn(std::integral_constant<std::uint32_t, kQ6_K>{}); break;
    default: TORCH_CHECK(false, "quant cuda: ggml type ", type, " has no cuda kernel");
  }
}

template <std::uint32_t kType, typename T, typename CudaT>
void launch_dequantize(const at::Tensor& blocks, std::int64_t in, at::Tensor& out) {
  const std::int64_t total = out.numel();
  if (total == 0) return;
  constexpr int kThreads = 256;
  const auto grid = static_cast<unsigned>((total + kThreads - 1) / kThreads);
  dequantize_kernel<kType, CudaT><<<grid, kThreads, 0, at::cuda::getCurrentCUDAStream()>>>(
      blocks.data_ptr<std::uint8_t>(), blocks.size(0), in, blocks.size(1),
      reinterpret_cast<CudaT*>(out.data_ptr<T>()));
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

}  // namespace

at::Tensor quant_dequantize(const at::Tensor& blocks, std::uint32_t type, std::int64_t in, c10::ScalarType dtype) {
  check_blocks(blocks, type, in);
  const c10::cuda::CUDAGuard guard(blocks.device());
  auto out = at::empty({blocks.size(0), in}, blocks.options().dtype(dtype));  // [rows, in]
  dispatch_type(type, [&](auto t) {
    constexpr std::uint32_t kType = decltype(t)::value;
    switch (dtype) {
      case at::kFloat: launch_dequantize<kType, float, float>(blocks, in, out); break;
      case at::kBFloat16: launch_dequantize<kType, at::BFloat16, __nv_bfloat16>(blocks, in, out); break;
      case at::kHalf: launch_dequantize<kType, at::Half, __half>(blocks, in, out); break;
      default: TORCH_CHECK(false, "quant cuda: cannot dequantize into ", dtype);
    }
  });
  return out;
}

at::Tensor quant_matvec(const at::Tensor& blocks, std::uint32_t type, std::int64_t in, const at::Tensor& x_in) {
  check_blocks(blocks, type, in);
  TORCH_CHECK(x_in.dim() == 2 && x_in.size(1) == in && x_in.device() == blocks.device(), "quant cuda: x ",
              x_in.sizes(), " on ", x_in.device(), " does not fit [N, ", in, "] on ", blocks.device());
  const c10::cuda::CUDAGuard guard(blocks.device());
  const auto x = x_in.to(at::kFloat).contiguous();
  const std::int64_t rows = blocks.size(0);
  auto y = at::empty({x.size(0), rows}, x.options());  // [N, rows]
  if (rows == 0) return y;
  const auto grid = static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
  for (std::int64_t i0 = 0; i0 < x.size(0); i0 += kMaxInputs) {
    const int n = static_cast<int>(std::min<std::int64_t>(kMaxInputs, x.size(0) - i0));
    dispatch_type(type, [&](auto t) {
      matvec_kernel<decltype(t)::value><<<grid, 32 * kWarpsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
          blocks.data_ptr<std::uint8_t>(), rows, in, blocks.size(1), x.data_ptr<float>() + i0 * in, n,
          y.data_ptr<float>() + i0 * rows);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  }
  return y;
}

}  // namespace lorag::model::cuda::plugin
