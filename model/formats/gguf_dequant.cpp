// SPDX-License-Identifier: Apache-2.0
// Dequantization dispatch, plain-type conversions and the threaded whole-tensor
// helper (model/formats).
#include "model/formats/gguf_dequant.h"

#include <algorithm>
#include <bit>
#include <thread>

#include "model/core/error.h"
#include "model/formats/gguf_dequant_blocks.h"
#include "model/formats/half.h"

namespace lorag::model::formats {

namespace {
using BlockFn = void (*)(const std::uint8_t*, std::int64_t, float*);

template <typename Fn>
void convert_each(const std::uint8_t* src, std::int64_t n, std::int64_t stride, float* dst, Fn fn) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = fn(src + i * stride);
}

void plain_f32(const std::uint8_t* s, std::int64_t n, float* d) {
  convert_each(s, n, 4, d, [](const std::uint8_t* p) { return std::bit_cast<float>(detail::load_u32(p)); });
}
void plain_f16(const std::uint8_t* s, std::int64_t n, float* d) {
  convert_each(s, n, 2, d, [](const std::uint8_t* p) { return fp16_to_fp32(detail::load_u16(p)); });
}
void plain_bf16(const std::uint8_t* s, std::int64_t n, float* d) {
  convert_each(s, n, 2, d, [](const std::uint8_t* p) { return bf16_to_fp32(detail::load_u16(p)); });
}
void plain_f64(const std::uint8_t* s, std::int64_t n, float* d) {
  convert_each(s, n, 8, d, [](const std::uint8_t* p) {
    const std::uint64_t bits = detail::load_u32(p) | (static_cast<std::uint64_t>(detail::load_u32(p + 4)) << 32);
    return static_cast<float>(std::bit_cast<double>(bits));
  });
}
void plain_i8(const std::uint8_t* s, std::int64_t n, float* d) {
  convert_each(s, n, 1, d, [](const std::uint8_t* p) { return static_cast<float>(static_cast<std::int8_t>(*p)); });
}
void plain_i16(const std::uint8_t* s, std::int64_t n, float* d) {
  convert_each(s, n, 2, d, [](const std::uint8_t* p) {
    return static_cast<float>(static_cast<std::int16_t>(detail::load_u16(p)));
  });
}
void plain_i32(const std::uint8_t* s, std::int64_t n, float* d) {
  convert_each(s, n, 4, d, [](const std::uint8_t* p) {
    return static_cast<float>(static_cast<std::int32_t>(detail::load_u32(p)));
  });
}

BlockFn block_fn(GgufType type) {
  if (BlockFn simd = detail::simd_block_dequant(type)) return simd;
  switch (type) {
    case GgufType::kF32: return plain_f32;
    case GgufType::kF16: return plain_f16;
    case GgufType::kBF16: return plain_bf16;
    case GgufType::kF64: return plain_f64;
    case GgufType::kI8: return plain_i8;
    case GgufType::kI16: return plain_i16;
    case GgufType::kI32: return plain_i32;
    case GgufType::kQ4_0: return detail::dequant_q4_0;
    case GgufType::kQ4_1: return detail::dequant_q4_1;
    case GgufType::kQ5_0: return detail::dequant_q5_0;
    case GgufType::kQ5_1: return detail::dequant_q5_1;
    case GgufType::kQ8_0: return detail::dequant_q8_0;
    case GgufType::kQ2_K: return detail::dequant_q2_k;
    case GgufType::kQ3_K: return detail::dequant_q3_k;
    case GgufType::kQ4_K: return detail::dequant_q4_k;
    case GgufType::kQ5_K: return detail::dequant_q5_k;
    case GgufType::kQ6_K: return detail::dequant_q6_k;
    case GgufType::kQ8_K: return detail::dequant_q8_k;
    default: return nullptr;
  }
}

// Validates the request; returns the block function and the number of blocks.
std::pair<BlockFn, std::int64_t> plan(GgufType type, std::int64_t n_elements) {
  const GgufTypeInfo& info = gguf_type_info(type);
  const BlockFn fn = block_fn(type);
  LORAG_CHECK(fn != nullptr, FormatError, "gguf: dequantizing ", info.name,
              " is not supported (supported: f32 f16 bf16 f64 i8 i16 i32 q4_0 q4_1 q5_0 q5_1 q8_0 q2_k..q8_k)");
  LORAG_CHECK(n_elements >= 0 && n_elements % info.block_size == 0, FormatError, "gguf: cannot dequantize ",
              n_elements, " ", info.name, " elements: not a multiple of the block size ", info.block_size);
  return {fn, n_elements / info.block_size};
}

// Blocks below this many elements per thread are not worth a thread start.
constexpr std::int64_t kMinElementsPerThread = 1 << 16;
}  // namespace

bool can_dequantize(GgufType type) { return block_fn(type) != nullptr; }

void dequantize_row(GgufType type, const void* src, std::int64_t n_elements, float* dst) {
  const auto [fn, n_blocks] = plan(type, n_elements);
  fn(static_cast<const std::uint8_t*>(src), n_blocks, dst);
}

void dequantize_tensor(GgufType type, const void* src, std::int64_t n_elements, float* dst, int n_threads) {
  const auto [fn, n_blocks] = plan(type, n_elements);
  const GgufTypeInfo& info = gguf_type_info(type);
  const auto* bytes = static_cast<const std::uint8_t*>(src);
  std::int64_t threads = n_threads > 0 ? n_threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::clamp<std::int64_t>(n_elements / kMinElementsPerThread, 1, threads);
  if (threads == 1) {
    fn(bytes, n_blocks, dst);
    return;
  }
  const std::int64_t per_thread = (n_blocks + threads - 1) / threads;
  std::vector<std::jthread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  // The block functions cannot throw, so joining (jthread's destructor) is all
  // the error handling the workers need.
  for (std::int64_t first = 0; first < n_blocks; first += per_thread) {
    const std::int64_t count = std::min(per_thread, n_blocks - first);
    workers.emplace_back([=, fn = fn] { fn(bytes + first * info.type_size, count, dst + first * info.block_size); });
  }
}

std::vector<float> dequantize_tensor(const GgufTensorInfo& tensor, int n_threads) {
  const GgufTypeInfo& info = gguf_type_info(tensor.type);
  plan(tensor.type, tensor.n_elements);  // validates before the allocation below
  const std::int64_t expected = tensor.n_elements / info.block_size * info.type_size;
  LORAG_CHECK(static_cast<std::uint64_t>(expected) == tensor.data.size(), FormatError, "gguf: tensor '",
              tensor.name, "' holds ", tensor.data.size(), " bytes, expected ", expected);
  std::vector<float> out(static_cast<std::size_t>(tensor.n_elements));
  dequantize_tensor(tensor.type, tensor.data.data(), tensor.n_elements, out.data(), n_threads);
  return out;
}

}  // namespace lorag::model::formats
