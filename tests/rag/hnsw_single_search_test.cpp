// SPDX-License-Identifier: Apache-2.0
// The single-thread HNSW walk (rag/hnsw_single_search.h) against FAISS's own
// IndexHNSW::search on the same index and queries.
#include "rag/hnsw_single_search.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace lorag::rag {
namespace {

std::vector<float> unit_vectors(std::size_t n, std::size_t d, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> v(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    float norm = 0;
    for (std::size_t j = 0; j < d; ++j) norm += (v[i * d + j] = normal(rng)) * v[i * d + j];
    for (std::size_t j = 0; j < d; ++j) v[i * d + j] /= std::sqrt(norm);
  }
  return v;
}

TEST(HnswSingleSearch, FindsWhatFaissIndexSearchFinds) {
  constexpr std::size_t n = 3000, d = 48, queries = 40;
  constexpr int64_t k = 10;
  std::mt19937 rng(11);
  const auto base = unit_vectors(n, d, rng), query = unit_vectors(queries, d, rng);
  faiss::IndexIDMap2 index(new faiss::IndexHNSWFlat(d, 16, faiss::METRIC_INNER_PRODUCT));
  index.own_fields = true;
  std::vector<faiss::Index::idx_t> ids(n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = 1000 + 3 * static_cast<int64_t>(i);  // ids != rows
  index.add_with_ids(n, base.data(), ids.data());
  for (std::size_t q = 0; q < queries; ++q) {
    std::vector<float> distances(k);
    std::vector<faiss::Index::idx_t> labels(k);
    index.search(1, query.data() + q * d, k, distances.data(), labels.data());
    const auto found = search_hnsw_single(index, query.data() + q * d, k);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(*found, std::vector<int64_t>(labels.begin(), labels.end())) << "query " << q;
  }
}

TEST(HnswSingleSearch, DeclinesOtherIndexTypes) {
  faiss::IndexIDMap2 flat(new faiss::IndexFlatIP(8));
  flat.own_fields = true;
  faiss::IndexIDMap2 l2(new faiss::IndexHNSWFlat(8, 16, faiss::METRIC_L2));
  l2.own_fields = true;
  const std::vector<float> q(8, 0.5f);
  EXPECT_FALSE(search_hnsw_single(flat, q.data(), 3).has_value());
  EXPECT_FALSE(search_hnsw_single(l2, q.data(), 3).has_value());
}

}  // namespace
}  // namespace lorag::rag
