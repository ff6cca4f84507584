// SPDX-License-Identifier: Apache-2.0
// The distance kernels lorag routes Debian's FAISS to (rag/faiss_kernels.h):
// FAISS's own entry points reach them, and they agree with a double-precision sum.
#include "rag/faiss_kernels.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/utils/distances.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#if defined(__x86_64__)
extern "C" float __wrap__ZN5faiss18fvec_inner_productEPKfS1_m(const float*, const float*, std::size_t);
extern "C" float __wrap__ZN5faiss10fvec_L2sqrEPKfS1_m(const float*, const float*, std::size_t);
extern "C" float __wrap__ZN5faiss15fvec_norm_L2sqrEPKfm(const float*, std::size_t);
#endif

namespace lorag::rag {
namespace {

std::vector<float> random_vector(std::size_t d, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> v(d);
  for (auto& x : v) x = normal(rng);
  return v;
}

TEST(FaissKernels, AgreeWithDoublePrecisionForEveryLength) {
  std::mt19937 rng(7);
  for (std::size_t d : {1u, 3u, 7u, 8u, 15u, 16u, 17u, 33u, 384u, 385u, 768u}) {
    const auto x = random_vector(d, rng), y = random_vector(d, rng);
    double ip = 0, l2 = 0, norm = 0;
    for (std::size_t i = 0; i < d; ++i) {
      ip += double(x[i]) * y[i];
      l2 += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
      norm += double(x[i]) * x[i];
    }
    // float32 sums of d terms of magnitude ~1: error grows like sqrt(d) * eps * sum|terms|.
    const double tol = 1e-5 * (1 + std::sqrt(double(d)) * 4);
    EXPECT_NEAR(faiss::fvec_inner_product(x.data(), y.data(), d), ip, tol * (1 + std::abs(ip))) << d;
    EXPECT_NEAR(faiss::fvec_L2sqr(x.data(), y.data(), d), l2, tol * (1 + l2)) << d;
    EXPECT_NEAR(faiss::fvec_norm_L2sqr(x.data(), d), norm, tol * (1 + norm)) << d;
  }
}

#if defined(__x86_64__)
TEST(FaissKernels, FaissCallsReachLoragKernels) {
  // Bit-equal to lorag's kernels, which sum in 16 lanes; FAISS's scalar
  // reference sums in order and differs in the last bits on random data.
  std::mt19937 rng(11);
  const auto x = random_vector(384, rng), y = random_vector(384, rng);
  EXPECT_EQ(faiss::fvec_inner_product(x.data(), y.data(), 384),
            __wrap__ZN5faiss18fvec_inner_productEPKfS1_m(x.data(), y.data(), 384));
  EXPECT_EQ(faiss::fvec_L2sqr(x.data(), y.data(), 384), __wrap__ZN5faiss10fvec_L2sqrEPKfS1_m(x.data(), y.data(), 384));
  EXPECT_EQ(faiss::fvec_norm_L2sqr(x.data(), 384), __wrap__ZN5faiss15fvec_norm_L2sqrEPKfm(x.data(), 384));
  const std::string kernels = detail::faiss_distance_kernels();
  EXPECT_TRUE(kernels == "avx2+fma" || kernels == "sse2") << kernels;
}
#endif

TEST(FaissKernels, FlatAndHnswSearchesFindExactNeighbours) {
  // Through FAISS's index code paths that call the kernels (HNSW distance
  // computer, sequential Flat search for one query).
  const int d = 64, n = 2000;
  std::mt19937 rng(3);
  std::vector<float> data;
  for (int i = 0; i < n; ++i) {
    const auto v = random_vector(d, rng);
    data.insert(data.end(), v.begin(), v.end());
  }
  faiss::IndexFlatIP flat(d);
  faiss::IndexHNSWFlat hnsw(d, 32, faiss::METRIC_INNER_PRODUCT);
  hnsw.hnsw.efSearch = 256;
  flat.add(n, data.data());
  hnsw.add(n, data.data());
  int agree = 0;
  for (int q = 0; q < 50; ++q) {
    const float* query = data.data() + static_cast<std::size_t>(q) * 37 % n * d;
    float fd[1], hd[1];
    faiss::Index::idx_t fl[1], hl[1];
    flat.search(1, query, 1, fd, fl);
    hnsw.search(1, query, 1, hd, hl);
    double best = -1e30;
    for (int i = 0; i < n; ++i) {
      double s = 0;
      for (int j = 0; j < d; ++j) s += double(query[j]) * data[static_cast<std::size_t>(i) * d + j];
      best = std::max(best, s);
    }
    EXPECT_NEAR(fd[0], best, 1e-3 * std::abs(best));
    agree += (hl[0] == fl[0]);
  }
  EXPECT_GE(agree, 48);  // HNSW is approximate; with efSearch 256 it misses at most rarely
}

}  // namespace
}  // namespace lorag::rag
