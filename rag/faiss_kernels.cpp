// SPDX-License-Identifier: Apache-2.0
// See faiss_kernels.h: SIMD replacements for FAISS's scalar distance fallbacks,
// and the same sums four rows at a time for lorag's HNSW walk.
#include "rag/faiss_kernels.h"

#include <atomic>

namespace lorag::rag::detail {
namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_calls{0};
}  // namespace

void count_faiss_kernel_calls(bool on) {
  g_calls.store(0, std::memory_order_relaxed);
  g_counting.store(on, std::memory_order_relaxed);
}
uint64_t faiss_kernel_calls() { return g_calls.load(std::memory_order_relaxed); }

// Called by each wrapped entry point.
inline void note_call() {
  if (g_counting.load(std::memory_order_relaxed)) g_calls.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace lorag::rag::detail

#if !defined(__x86_64__)
namespace lorag::rag::detail {
namespace {
template <bool kSquaredDifference>
float one_row(const float* x, const float* y, std::size_t d) {
  float sum = 0;
  for (std::size_t i = 0; i < d; ++i) sum += kSquaredDifference ? (x[i] - y[i]) * (x[i] - y[i]) : x[i] * y[i];
  return sum;
}
template <bool kSquaredDifference>
void four_rows(const float* x, const float* const ys[4], std::size_t d, float out[4]) {
  for (int r = 0; r < 4; ++r) out[r] = one_row<kSquaredDifference>(x, ys[r], d);
}
}  // namespace

std::string faiss_distance_kernels() { return "faiss"; }  // FAISS's own: nothing is wrapped
const DistanceKernels& inner_product_kernels() {
  static const DistanceKernels kernels{one_row<false>, four_rows<false>};
  return kernels;
}
const DistanceKernels& l2_squared_kernels() {
  static const DistanceKernels kernels{one_row<true>, four_rows<true>};
  return kernels;
}
}  // namespace lorag::rag::detail
#else
#include <immintrin.h>

namespace lorag::rag::detail {
namespace {

__attribute__((target("avx2,fma"))) inline float horizontal_sum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

inline float horizontal_sum(__m128 v) {
  const __m128 t = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// Each kernel below reduces `kRows` rows against one query x: with
// kSquaredDifference, sum (x - y)^2, else sum x * y. The one-row instance is
// what the wrapped FAISS functions return; the four-row instance does the same
// additions in the same order per row, so both give the same float.

// AVX2: two 8-lane partial sums per row over 16-float steps, then a scalar tail.
template <int kRows, bool kSquaredDifference>
__attribute__((target("avx2,fma"))) void rows_avx2(const float* x, const float* const* ys, std::size_t d, float* out) {
  __m256 a0[kRows], a1[kRows];
  for (int r = 0; r < kRows; ++r) a0[r] = a1[r] = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
    for (int r = 0; r < kRows; ++r) {
      __m256 y0 = _mm256_loadu_ps(ys[r] + i), y1 = _mm256_loadu_ps(ys[r] + i + 8);
      __m256 u0 = x0, u1 = x1;
      if constexpr (kSquaredDifference) {
        u0 = y0 = _mm256_sub_ps(x0, y0);
        u1 = y1 = _mm256_sub_ps(x1, y1);
      }
      a0[r] = _mm256_fmadd_ps(u0, y0, a0[r]);
      a1[r] = _mm256_fmadd_ps(u1, y1, a1[r]);
    }
  }
  for (int r = 0; r < kRows; ++r) {
    float sum = horizontal_sum(_mm256_add_ps(a0[r], a1[r]));
    for (std::size_t j = i; j < d; ++j) {
      sum += kSquaredDifference ? (x[j] - ys[r][j]) * (x[j] - ys[r][j]) : x[j] * ys[r][j];
    }
    out[r] = sum;
  }
}

// AVX-512: one 16-lane partial sum per row, lane for lane the AVX2 pair
// (lanes 0-7 are its first sum, 8-15 its second), folded the same way.
template <int kRows, bool kSquaredDifference>
__attribute__((target("avx512f,avx2,fma"))) void rows_avx512(const float* x, const float* const* ys, std::size_t d,
                                                             float* out) {
  __m512 acc[kRows];
  for (int r = 0; r < kRows; ++r) acc[r] = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    const __m512 xv = _mm512_loadu_ps(x + i);
    for (int r = 0; r < kRows; ++r) {
      __m512 y = _mm512_loadu_ps(ys[r] + i), u = xv;
      if constexpr (kSquaredDifference) u = y = _mm512_sub_ps(xv, y);
      acc[r] = _mm512_fmadd_ps(u, y, acc[r]);
    }
  }
  for (int r = 0; r < kRows; ++r) {
    const __m256 low = _mm512_castps512_ps256(acc[r]);
    const __m256 high = _mm512_castps512_ps256(_mm512_shuffle_f32x4(acc[r], acc[r], 0xee));  // lanes 8-15
    float sum = horizontal_sum(_mm256_add_ps(low, high));
    for (std::size_t j = i; j < d; ++j) {
      sum += kSquaredDifference ? (x[j] - ys[r][j]) * (x[j] - ys[r][j]) : x[j] * ys[r][j];
    }
    out[r] = sum;
  }
}

// SSE2 (every x86-64): two 4-lane partial sums per row over 8-float steps.
template <int kRows, bool kSquaredDifference>
void rows_sse2(const float* x, const float* const* ys, std::size_t d, float* out) {
  __m128 a0[kRows], a1[kRows];
  for (int r = 0; r < kRows; ++r) a0[r] = a1[r] = _mm_setzero_ps();
  std::size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    const __m128 x0 = _mm_loadu_ps(x + i), x1 = _mm_loadu_ps(x + i + 4);
    for (int r = 0; r < kRows; ++r) {
      __m128 y0 = _mm_loadu_ps(ys[r] + i), y1 = _mm_loadu_ps(ys[r] + i + 4);
      __m128 u0 = x0, u1 = x1;
      if constexpr (kSquaredDifference) {
        u0 = y0 = _mm_sub_ps(x0, y0);
        u1 = y1 = _mm_sub_ps(x1, y1);
      }
      a0[r] = _mm_add_ps(a0[r], _mm_mul_ps(u0, y0));
      a1[r] = _mm_add_ps(a1[r], _mm_mul_ps(u1, y1));
    }
  }
  for (int r = 0; r < kRows; ++r) {
    float sum = horizontal_sum(_mm_add_ps(a0[r], a1[r]));
    for (std::size_t j = i; j < d; ++j) {
      sum += kSquaredDifference ? (x[j] - ys[r][j]) * (x[j] - ys[r][j]) : x[j] * ys[r][j];
    }
    out[r] = sum;
  }
}

enum class Isa { kSse2, kAvx2, kAvx512 };

Isa detect_isa() {
  __builtin_cpu_init();  // may run before libgcc's own constructor
  if (__builtin_cpu_supports("avx512f")) return Isa::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
  return Isa::kSse2;
}
const Isa kIsa = detect_isa();

template <bool kSquaredDifference>
float one_row(const float* x, const float* y, std::size_t d) {
  float out;
  switch (kIsa) {
    case Isa::kAvx512: rows_avx512<1, kSquaredDifference>(x, &y, d, &out); break;
    case Isa::kAvx2: rows_avx2<1, kSquaredDifference>(x, &y, d, &out); break;
    default: rows_sse2<1, kSquaredDifference>(x, &y, d, &out);
  }
  return out;
}

template <bool kSquaredDifference>
DistanceKernels pick_kernels() {
  using Four = void (*)(const float*, const float* const*, std::size_t, float*);
  Four four = rows_sse2<4, kSquaredDifference>;
  if (kIsa == Isa::kAvx512) four = rows_avx512<4, kSquaredDifference>;
  if (kIsa == Isa::kAvx2) four = rows_avx2<4, kSquaredDifference>;
  return {one_row<kSquaredDifference>, four};
}

}  // namespace

#if defined(LORAG_FAISS_WRAPPED)
std::string faiss_distance_kernels() {
  return kIsa == Isa::kAvx512 ? "avx512" : kIsa == Isa::kAvx2 ? "avx2+fma" : "sse2";
}
#else
std::string faiss_distance_kernels() { return "faiss"; }  // the configure check left FAISS as it is
#endif

const DistanceKernels& inner_product_kernels() {
  static const DistanceKernels kernels = pick_kernels<false>();
  return kernels;
}
const DistanceKernels& l2_squared_kernels() {
  static const DistanceKernels kernels = pick_kernels<true>();
  return kernels;
}

}  // namespace lorag::rag::detail

// The wrapped FAISS symbols, by their mangled names as `--wrap` expects; the
// list lives in cmake/LoragFaissWrap.cmake (LORAG_FAISS_WRAPPED_SYMBOLS).
extern "C" {
float __wrap__ZN5faiss18fvec_inner_productEPKfS1_m(const float* x, const float* y, std::size_t d) {
  lorag::rag::detail::note_call();
  return lorag::rag::detail::one_row<false>(x, y, d);
}
float __wrap__ZN5faiss10fvec_L2sqrEPKfS1_m(const float* x, const float* y, std::size_t d) {
  lorag::rag::detail::note_call();
  return lorag::rag::detail::one_row<true>(x, y, d);
}
float __wrap__ZN5faiss15fvec_norm_L2sqrEPKfm(const float* x, std::size_t d) {
  lorag::rag::detail::note_call();
  return lorag::rag::detail::one_row<false>(x, x, d);
}
}
#endif  // __x86_64__
