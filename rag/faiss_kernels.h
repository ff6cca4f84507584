// SPDX-License-Identifier: Apache-2.0
// Vectorised distance kernels for the FAISS lorag links (rag/, internal).
//
// Debian's libfaiss (1.7.3) is built for baseline x86-64, where FAISS falls back
// to scalar reference loops for fvec_inner_product, fvec_L2sqr and
// fvec_norm_L2sqr: HNSW and single-query Flat search spend most of their time
// there (bench/RESULTS.md). The link wraps those three functions
// (`-Wl,--wrap`, rag/CMakeLists.txt) so FAISS's own code calls ours instead:
// AVX2+FMA where the CPU has it, SSE2 with four partial sums otherwise.
#pragma once

#include <string>

namespace lorag::rag::detail {

// The kernels in use, e.g. "avx2+fma" or "sse2" (shown by `lorag index stats`).
std::string faiss_distance_kernels();

}  // namespace lorag::rag::detail
