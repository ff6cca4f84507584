// SPDX-License-Identifier: Apache-2.0
// See faiss_kernels.h: SIMD replacements for FAISS's scalar distance fallbacks.
#include "rag/faiss_kernels.h"

#include <atomic>
#include <cstddef>

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
std::string faiss_distance_kernels() { return "faiss"; }  // FAISS's own: nothing is wrapped
}  // namespace lorag::rag::detail
#else
#include <immintrin.h>

namespace lorag::rag::detail {
namespace {

__attribute__((target("avx2,fma"))) float horizontal_sum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

float horizontal_sum(__m128 v) {
  const __m128 t = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// kSquaredDifference: sum (x - y)^2, else sum x * y.
template <bool kSquaredDifference>
__attribute__((target("avx2,fma"))) float reduce_avx2(const float* x, const float* y, std::size_t d) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
    __m256 y0 = _mm256_loadu_ps(y + i), y1 = _mm256_loadu_ps(y + i + 8);
    if constexpr (kSquaredDifference) {
      x0 = _mm256_sub_ps(x0, y0), x1 = _mm256_sub_ps(x1, y1);
      y0 = x0, y1 = x1;
    }
    a0 = _mm256_fmadd_ps(x0, y0, a0);
    a1 = _mm256_fmadd_ps(x1, y1, a1);
  }
  float sum = horizontal_sum(_mm256_add_ps(a0, a1));
  for (; i < d; ++i) sum += kSquaredDifference ? (x[i] - y[i]) * (x[i] - y[i]) : x[i] * y[i];
  return sum;
}

template <bool kSquaredDifference>
float reduce_sse2(const float* x, const float* y, std::size_t d) {
  __m128 a0 = _mm_setzero_ps(), a1 = _mm_setzero_ps();
  std::size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    __m128 x0 = _mm_loadu_ps(x + i), x1 = _mm_loadu_ps(x + i + 4);
    __m128 y0 = _mm_loadu_ps(y + i), y1 = _mm_loadu_ps(y + i + 4);
    if constexpr (kSquaredDifference) {
      x0 = _mm_sub_ps(x0, y0), x1 = _mm_sub_ps(x1, y1);
      y0 = x0, y1 = x1;
    }
    a0 = _mm_add_ps(a0, _mm_mul_ps(x0, y0));
    a1 = _mm_add_ps(a1, _mm_mul_ps(x1, y1));
  }
  float sum = horizontal_sum(_mm_add_ps(a0, a1));
  for (; i < d; ++i) sum += kSquaredDifference ? (x[i] - y[i]) * (x[i] - y[i]) : x[i] * y[i];
  return sum;
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");

template <bool kSquaredDifference>
float reduce(const float* x, const float* y, std::size_t d) {
  return kHasAvx2 ? reduce_avx2<kSquaredDifference>(x, y, d) : reduce_sse2<kSquaredDifference>(x, y, d);
}

}  // namespace

#if defined(LORAG_FAISS_WRAPPED)
std::string faiss_distance_kernels() { return kHasAvx2 ? "avx2+fma" : "sse2"; }
#else
std::string faiss_distance_kernels() { return "faiss"; }  // the configure check left FAISS as it is
#endif

}  // namespace lorag::rag::detail

// The wrapped FAISS symbols, by their mangled names as `--wrap` expects; the
// list lives in cmake/LoragFaissWrap.cmake (LORAG_FAISS_WRAPPED_SYMBOLS).
extern "C" {
float __wrap__ZN5faiss18fvec_inner_productEPKfS1_m(const float* x, const float* y, std::size_t d) {
  lorag::rag::detail::note_call();
  return lorag::rag::detail::reduce<false>(x, y, d);
}
float __wrap__ZN5faiss10fvec_L2sqrEPKfS1_m(const float* x, const float* y, std::size_t d) {
  lorag::rag::detail::note_call();
  return lorag::rag::detail::reduce<true>(x, y, d);
}
float __wrap__ZN5faiss15fvec_norm_L2sqrEPKfm(const float* x, std::size_t d) {
  lorag::rag::detail::note_call();
  return lorag::rag::detail::reduce<false>(x, x, d);
}
}
#endif  // __x86_64__
