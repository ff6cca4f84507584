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

// The HNSW walk's kernels (four rows at a time, and one) give exactly the float
// that FAISS's wrapped entry points give, so the walk ranks as FAISS does.
TEST(FaissKernels, FourRowKernelsEqualTheWrappedOnes) {
  std::mt19937 rng(9);
  for (std::size_t d : {1u, 5u, 8u, 16u, 37u, 64u, 384u, 390u}) {
    const auto x = random_vector(d, rng);
    std::vector<std::vector<float>> rows;
    for (int r = 0; r < 4; ++r) rows.push_back(random_vector(d, rng));
    const float* four[4] = {rows[0].data(), rows[1].data(), rows[2].data(), rows[3].data()};
    float ip[4], l2[4];
    detail::inner_product_kernels().four(x.data(), four, d, ip);
    detail::l2_squared_kernels().four(x.data(), four, d, l2);
    for (int r = 0; r < 4; ++r) {
      EXPECT_EQ(ip[r], detail::inner_product_kernels().one(x.data(), four[r], d)) << d;
      EXPECT_EQ(l2[r], detail::l2_squared_kernels().one(x.data(), four[r], d)) << d;
#if defined(LORAG_FAISS_WRAPPED)
      EXPECT_EQ(ip[r], faiss::fvec_inner_product(x.data(), four[r], d)) << d;
      EXPECT_EQ(l2[r], faiss::fvec_L2sqr(x.data(), four[r], d)) << d;
#else
      EXPECT_NEAR(ip[r], faiss::fvec_inner_product(x.data(), four[r], d), 1e-4 * (1 + std::abs(ip[r]))) << d;
      EXPECT_NEAR(l2[r], faiss::fvec_L2sqr(x.data(), four[r], d), 1e-4 * (1 + l2[r])) << d;
#endif
    }
  }
}

std::vector<float> random_rows(int n, int d, std::mt19937& rng) {
  std::vector<float> data;
  for (int i = 0; i < n; ++i) {
    const auto v = random_vector(d, rng);
    data.insert(data.end(), v.begin(), v.end());
  }
  return data;
}

// Counts the calls that real FAISS index searches make into lorag's kernels; it
// fails if the link stops wrapping FAISS (cmake/LoragFaissWrap.cmake).
TEST(FaissKernels, FlatAndHnswSearchesCallLoragKernels) {
#if !defined(LORAG_FAISS_WRAPPED)
  GTEST_SKIP() << "this build links FAISS unwrapped (see the configure warning)";
#else
  const int d = 64, n = 500;
  std::mt19937 rng(5);
  const auto data = random_rows(n, d, rng);
  faiss::IndexFlatIP flat(d);
  faiss::IndexHNSWFlat hnsw(d, 16, faiss::METRIC_INNER_PRODUCT);
  flat.add(n, data.data());
  hnsw.add(n, data.data());
  float distance[4];
  faiss::Index::idx_t label[4];

  detail::count_faiss_kernel_calls(true);
  flat.search(1, data.data(), 4, distance, label);  // one query: FAISS's sequential scan
  const uint64_t flat_calls = detail::faiss_kernel_calls();
  detail::count_faiss_kernel_calls(true);
  hnsw.search(1, data.data(), 4, distance, label);  // the HNSW distance computer
  const uint64_t hnsw_calls = detail::faiss_kernel_calls();
  detail::count_faiss_kernel_calls(false);

  EXPECT_GE(flat_calls, static_cast<uint64_t>(n));  // one inner product per stored vector
  EXPECT_GT(hnsw_calls, 0u);
  EXPECT_LT(hnsw_calls, static_cast<uint64_t>(n));  // a graph walk, not a scan
  const std::string kernels = detail::faiss_distance_kernels();
  EXPECT_TRUE(kernels == "avx512" || kernels == "avx2+fma" || kernels == "sse2") << kernels;
#endif
}

TEST(FaissKernels, FlatAndHnswSearchesFindExactNeighbours) {
  // Through FAISS's index code paths that call the kernels (HNSW distance
  // computer, sequential Flat search for one query).
  const int d = 64, n = 2000;
  std::mt19937 rng(3);
  const auto data = random_rows(n, d, rng);
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
