// SPDX-License-Identifier: Apache-2.0
#include "model/quant/quantized_tiles.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <cstdlib>

#include "model/formats/gguf_dequant.h"

namespace lorag::model::quant {
namespace {

// A tile's dense bytes at most: about a core's L2 (1 MiB on the Zen 4 measured), so
// the matmul reads the tile its thread just wrote from L2. 1 MiB ran SmolLM2's
// q5_0 / q4_K / q6_K matrices at 128 rows up to 5% faster than 512 KiB (one thread).
constexpr int64_t kTileBytes = int64_t{1} << 20;

// fp32 → bf16 rounded to nearest even, NaN kept quiet: c10::BFloat16's rounding.
void to_bf16_portable(const float* src, int64_t n, std::uint16_t* dst) {
  for (int64_t k = 0; k < n; ++k) {
    const auto u = std::bit_cast<std::uint32_t>(src[k]);
    const auto rounded = static_cast<std::uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    dst[k] = std::isnan(src[k]) ? std::uint16_t{0x7FC0} : rounded;
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The same with AVX-512 BF16's vcvtneps2bf16 (round to nearest even; it reads fp32
// denormals as zero, which no real weight's product notices), 16 values a step:
// the portable loop cost about as much as the dequantization itself.
__attribute__((target("avx512f,avx512bf16,avx512vl"))) void to_bf16_avx512(const float* src, int64_t n,
                                                                             std::uint16_t* dst) {
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const __m256bh v = _mm512_cvtneps_pbh(_mm512_loadu_ps(src + k));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + k), (__m256i)v);
  }
  to_bf16_portable(src + k, n - k, dst + k);
}

void to_bf16(const float* src, int64_t n, std::uint16_t* dst) {
  static const bool has_avx512_bf16 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") != 0;
  }();
  if (has_avx512_bf16) {
    to_bf16_avx512(src, n, dst);
  } else {
    to_bf16_portable(src, n, dst);
  }
}
#else
void to_bf16(const float* src, int64_t n, std::uint16_t* dst) { to_bf16_portable(src, n, dst); }
#endif

// Rows [r0, r1) of W as a dense [r1 - r0, in] tensor of `dtype`, on this thread only.
at::Tensor dequantize_tile(formats::GgufType type, const std::uint8_t* src, int64_t row_bytes, int64_t in, int64_t r0,
                           int64_t r1, c10::ScalarType dtype) {
  const bool bf16 = dtype == at::kBFloat16;
  auto tile = at::empty({r1 - r0, in}, at::TensorOptions().dtype(bf16 ? at::kBFloat16 : at::kFloat));
  if (!bf16) {
    float* dst = tile.data_ptr<float>();
    for (int64_t r = r0; r < r1; ++r) formats::dequantize_row(type, src + r * row_bytes, in, dst + (r - r0) * in);
    return dtype == at::kFloat ? tile : tile.to(dtype);
  }
  // One row at a time through an fp32 row that stays in L1: no fp32 tile, no second pass.
  thread_local std::vector<float> row;
  row.resize(static_cast<std::size_t>(in));
  auto* dst = reinterpret_cast<std::uint16_t*>(tile.data_ptr<at::BFloat16>());
  for (int64_t r = r0; r < r1; ++r) {
    formats::dequantize_row(type, src + r * row_bytes, in, row.data());
    to_bf16(row.data(), in, dst + (r - r0) * in);
  }
  return tile;
}

}  // namespace

at::Tensor matmul_tiles_cpu(formats::GgufType type, const at::Tensor& blocks, int64_t out, int64_t in,
                            const at::Tensor& rows) {
  const int64_t n = rows.size(0);
  auto x = rows.contiguous();
  auto y = at::empty({n, out}, rows.options());  // [N, out]
  const int64_t element_bytes = rows.scalar_type() == at::kFloat ? 4 : 2;
  const int64_t threads = at::get_num_threads();
  // Tiles of at most kTileBytes, their count a multiple of the threads so that
  // every thread gets the same share of rows.
  const int64_t tile_rows = std::max<int64_t>(1, kTileBytes / (in * element_bytes));
  const int64_t per_thread = std::max<int64_t>(1, (out + threads * tile_rows - 1) / (threads * tile_rows));
  const int64_t tiles = std::min(out, threads * per_thread);
  const int64_t rows_per_tile = (out + tiles - 1) / tiles;
  const auto* src = blocks.data_ptr<std::uint8_t>();
  const int64_t row_bytes = blocks.size(1);
  at::parallel_for(0, tiles, 1, [&](int64_t begin, int64_t end) {
    at::NoGradGuard no_grad;  // grad mode is thread-local: the workers' default is on
    for (int64_t t = begin; t < end; ++t) {
      const int64_t r0 = t * rows_per_tile, r1 = std::min(out, r0 + rows_per_tile);
      if (r0 >= r1) continue;
      auto tile = dequantize_tile(type, src, row_bytes, in, r0, r1, rows.scalar_type());  // [rows, in]
      y.narrow(1, r0, r1 - r0).copy_(at::mm(x, tile.t()));                              // [N, rows]
    }
  });
  return y;
}

}  // namespace lorag::model::quant
