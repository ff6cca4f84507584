// SPDX-License-Identifier: Apache-2.0
// Vectorised distance kernels for the FAISS lorag links and for lorag's own HNSW
// walk (rag/, internal).
//
// Debian's libfaiss (1.7.3) is built for baseline x86-64, where FAISS falls back
// to scalar reference loops for fvec_inner_product, fvec_L2sqr and
// fvec_norm_L2sqr: HNSW and single-query Flat search spend most of their time
// there (bench/RESULTS.md). The link wraps those three functions
// (`-Wl,--wrap`, cmake/LoragFaissWrap.cmake, which checks at configure time that
// the FAISS found is a static archive defining them) so FAISS's own code calls
// ours instead: AVX-512 or AVX2+FMA where the CPU has it, SSE2 with four partial
// sums otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lorag::rag::detail {

// The kernels in use, e.g. "avx512", "avx2+fma" or "sse2" (shown by `lorag index
// stats`), or "faiss" where the build did not wrap FAISS's loops.
std::string faiss_distance_kernels();

// Counting the calls FAISS makes into lorag's kernels, so a test can prove that a
// real index search reaches them. Off by default (one relaxed load per call).
// Thread-safe; the count covers every thread since the last reset.
void count_faiss_kernel_calls(bool on);
uint64_t faiss_kernel_calls();

// One distance kind (inner product or squared L2) for a query [d] against rows
// [d]: `one` returns the distance to one row, `four` writes the distances to four
// rows into out[0..3], loading each slice of the query once for the four.
// Both return bit for bit what the wrapped fvec_inner_product(query, row, d) or
// fvec_L2sqr(query, row, d) returns on this CPU (same lanes, same order of
// additions), so lorag's HNSW walk (rag/hnsw_search.h) ranks exactly as FAISS's.
// Where nothing is wrapped (non-x86), they are plain loops. Stateless, thread-safe.
struct DistanceKernels {
  float (*one)(const float* query, const float* row, std::size_t d);
  void (*four)(const float* query, const float* const rows[4], std::size_t d, float out[4]);
};
const DistanceKernels& inner_product_kernels();
const DistanceKernels& l2_squared_kernels();

}  // namespace lorag::rag::detail
