// SPDX-License-Identifier: Apache-2.0
// lorag's HNSW walk (rag/hnsw_search.h) against FAISS's own IndexHNSW::search on
// the same graphs: the same ids and distances, on random and clustered vectors,
// both metrics, several graph sizes, efSearch and k, and the edge cases.
#include "rag/hnsw_search.h"

#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "rag/store_state.h"

namespace lorag::rag {
namespace {

using Ids = std::vector<faiss::Index::idx_t>;

std::vector<float> gaussian_rows(int n, int d, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> rows(static_cast<std::size_t>(n) * d);
  for (auto& x : rows) x = normal(rng);
  return rows;
}

// Rows around 12 centres with small noise, every 7th row an exact copy of an
// earlier one, so the walk meets near-ties and exact ties in both heaps.
std::vector<float> clustered_rows(int n, int d, std::mt19937& rng) {
  const auto centres = gaussian_rows(12, d, rng);
  std::normal_distribution<float> noise(0, 0.05f);
  std::vector<float> rows(static_cast<std::size_t>(n) * d);
  for (int i = 0; i < n; ++i) {
    float* row = rows.data() + static_cast<std::size_t>(i) * d;
    if (i % 7 == 6) {
      std::copy_n(rows.data() + static_cast<std::size_t>(i / 2) * d, d, row);
      continue;
    }
    const float* centre = centres.data() + static_cast<std::size_t>(i % 12) * d;
    for (int j = 0; j < d; ++j) row[j] = centre[j] + noise(rng);
  }
  return rows;
}

void normalise_rows(std::vector<float>& rows, int d) {  // the store keeps unit vectors
  for (std::size_t r = 0; r < rows.size() / d; ++r) {
    double norm = 0;
    for (int j = 0; j < d; ++j) norm += double(rows[r * d + j]) * rows[r * d + j];
    for (int j = 0; j < d; ++j) rows[r * d + j] = static_cast<float>(rows[r * d + j] / std::sqrt(norm));
  }
}

// Searches each query with FAISS and with lorag's walk. Where the link wraps
// FAISS's distance loops, both compute every distance with the same kernels, so
// ids and distances must be identical (ties included: the walk keeps FAISS's
// heaps); with FAISS's own loops (other builds) the sums round differently, and
// ids must still agree at recall >= 0.999.
void expect_walk_equals_faiss(const faiss::IndexHNSW& index, const std::vector<float>& queries, int64_t k) {
  ASSERT_NE(detail::walkable_hnsw(index), nullptr);
  const int d = index.d;
  const std::size_t nq = queries.size() / d;
  std::size_t found = 0, total = 0;
  for (std::size_t q = 0; q < nq; ++q) {
    const float* query = queries.data() + q * d;
    std::vector<float> faiss_d(k), lorag_d(k);
    Ids faiss_i(k), lorag_i(k);
    index.search(1, query, k, faiss_d.data(), faiss_i.data());
    detail::hnsw_search(index, query, k, lorag_d.data(), lorag_i.data());
#if defined(LORAG_FAISS_WRAPPED)
    ASSERT_EQ(lorag_i, faiss_i) << "query " << q << ", k " << k << ", efSearch " << index.hnsw.efSearch;
    ASSERT_EQ(lorag_d, faiss_d) << "query " << q;
#else
    const std::set<faiss::Index::idx_t> expected(faiss_i.begin(), faiss_i.end());
    for (const auto id : lorag_i) found += expected.count(id);
    total += k;
#endif
  }
  if (total) EXPECT_GE(double(found) / total, 0.999);
}

struct Graph {
  std::unique_ptr<faiss::IndexHNSWFlat> index;
  std::vector<float> queries;  // a few stored rows, then fresh vectors
};

Graph make_graph(bool clustered, int n, int d, faiss::MetricType metric, int m, uint32_t seed) {
  std::mt19937 rng(seed);
  auto rows = clustered ? clustered_rows(n, d, rng) : gaussian_rows(n, d, rng);
  auto fresh = clustered ? clustered_rows(30, d, rng) : gaussian_rows(30, d, rng);
  if (metric == faiss::METRIC_INNER_PRODUCT) {
    normalise_rows(rows, d);
    normalise_rows(fresh, d);
  }
  Graph g{std::make_unique<faiss::IndexHNSWFlat>(d, m, metric), {}};
  g.index->add(n, rows.data());
  g.queries.assign(rows.begin(), rows.begin() + std::min(n, 10) * d);
  g.queries.insert(g.queries.end(), fresh.begin(), fresh.end());
  return g;
}

void expect_equal_for_settings(faiss::IndexHNSW& index, const std::vector<float>& queries) {
  for (const int ef : {16, 64, 128}) {
    index.hnsw.efSearch = ef;
    for (const int64_t k : {1, 10, 50}) expect_walk_equals_faiss(index, queries, k);  // 50 > ef 16: beam of k
  }
}

TEST(HnswSearch, SameResultsAsFaissOnRandomVectors) {
  for (const auto metric : {faiss::METRIC_INNER_PRODUCT, faiss::METRIC_L2}) {
    for (const int n : {200, 3000}) {
      SCOPED_TRACE(testing::Message() << "metric " << metric << ", n " << n);
      auto g = make_graph(false, n, 64, metric, 16, 11 + n);
      expect_equal_for_settings(*g.index, g.queries);
    }
  }
}

TEST(HnswSearch, SameResultsAsFaissOnClusteredVectorsWithDuplicates) {
  for (const auto metric : {faiss::METRIC_INNER_PRODUCT, faiss::METRIC_L2}) {
    SCOPED_TRACE(testing::Message() << "metric " << metric);
    auto g = make_graph(true, 2000, 48, metric, 32, 5);
    expect_equal_for_settings(*g.index, g.queries);
  }
}

TEST(HnswSearch, SameResultsAsFaissAtTheStoreDimensionAndAnOddOne) {
  // 384: all-MiniLM-L6-v2's width (whole SIMD steps); 37: a scalar tail in every sum.
  for (const int d : {384, 37}) {
    SCOPED_TRACE(testing::Message() << "d " << d);
    auto g = make_graph(false, 1500, d, faiss::METRIC_INNER_PRODUCT, 32, 3);
    g.index->hnsw.efSearch = 128;
    expect_walk_equals_faiss(*g.index, g.queries, 10);
    auto l2 = make_graph(true, 1500, d, faiss::METRIC_L2, 32, 4);
    expect_walk_equals_faiss(*l2.index, l2.queries, 10);
  }
}

TEST(HnswSearch, DescendsSeveralLevels) {
  auto g = make_graph(false, 3000, 32, faiss::METRIC_L2, 4, 9);  // small M: many levels
  ASSERT_GE(g.index->hnsw.max_level, 3);
  expect_equal_for_settings(*g.index, g.queries);
}

TEST(HnswSearch, OneLevelGraph) {
  const int n = 300, d = 24;
  std::mt19937 rng(2);
  const auto rows = gaussian_rows(n, d, rng);
  faiss::IndexHNSWFlat index(d, 16, faiss::METRIC_L2);
  index.hnsw.levels.assign(n, 1);  // preset levels (level + 1): every node on level 0 only
  index.add(n, rows.data());
  ASSERT_EQ(index.hnsw.max_level, 0);
  expect_equal_for_settings(index, std::vector<float>(rows.begin(), rows.begin() + 40 * d));
}

TEST(HnswSearch, EmptyIndexGivesOnlyPadding) {
  faiss::IndexHNSWFlat index(8, 16, faiss::METRIC_INNER_PRODUCT);
  const std::vector<float> query(8, 0.5f);
  std::vector<float> distances(3, 7.0f);
  Ids labels(3, 7);
  detail::hnsw_search(index, query.data(), 3, distances.data(), labels.data());
  EXPECT_EQ(labels, Ids(3, -1));
  expect_walk_equals_faiss(index, query, 3);  // and the same padding values as FAISS
}

TEST(HnswSearch, MoreResultsWantedThanStoredArePadded) {
  for (const auto metric : {faiss::METRIC_INNER_PRODUCT, faiss::METRIC_L2}) {
    auto g = make_graph(false, 5, 16, metric, 16, 8);
    expect_walk_equals_faiss(*g.index, g.queries, 12);
    std::vector<float> distances(12);
    Ids labels(12);
    detail::hnsw_search(*g.index, g.queries.data(), 12, distances.data(), labels.data());
    EXPECT_EQ(std::set<faiss::Index::idx_t>(labels.begin(), labels.begin() + 5), (std::set<faiss::Index::idx_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(Ids(labels.begin() + 5, labels.end()), Ids(7, -1));
  }
}

// Each thread walks with its own scratch: two threads searching the same graph
// at once (and two graphs of different sizes on one thread, in turn) find what
// one thread finds alone.
TEST(HnswSearch, ConcurrentSearchesFindWhatOneThreadFinds) {
  auto big = make_graph(false, 2000, 32, faiss::METRIC_INNER_PRODUCT, 16, 21);
  auto small = make_graph(false, 100, 32, faiss::METRIC_INNER_PRODUCT, 16, 22);
  big.index->hnsw.efSearch = small.index->hnsw.efSearch = 64;
  const int d = 32, nq = static_cast<int>(big.queries.size()) / d;
  auto search_all = [&](std::vector<Ids>& out) {
    for (int round = 0; round < 20; ++round) {
      for (int q = 0; q < nq; ++q) {
        std::vector<float> distances(10);
        Ids labels(10);
        const auto& g = (round + q) % 3 ? big : small;
        detail::hnsw_search(*g.index, big.queries.data() + q * d, 10, distances.data(), labels.data());
        out.push_back(labels);
      }
    }
  };
  std::vector<Ids> alone, first, second;
  search_all(alone);
  std::thread a(search_all, std::ref(first)), b(search_all, std::ref(second));
  a.join();
  b.join();
  EXPECT_EQ(first, alone);
  EXPECT_EQ(second, alone);
}

TEST(HnswSearch, WalksOnlyFlatStorageInFaissDefaultMode) {
  faiss::IndexHNSWFlat flat(16, 8, faiss::METRIC_L2);
  EXPECT_EQ(detail::walkable_hnsw(flat), &flat);
  faiss::IndexHNSWSQ sq(16, faiss::ScalarQuantizer::QT_8bit, 8);
  EXPECT_EQ(detail::walkable_hnsw(sq), nullptr);  // codes, not float rows
  faiss::IndexFlatL2 bare(16);
  EXPECT_EQ(detail::walkable_hnsw(bare), nullptr);
  flat.hnsw.upper_beam = 2;  // FAISS's other search mode
  EXPECT_EQ(detail::walkable_hnsw(flat), nullptr);
}

// The store's path: an IndexIDMap2 over HNSW32 (detail::make_index, as the store
// builds it) searched through detail::search_index returns the store's ids as
// FAISS's IndexIDMap2::search does.
TEST(HnswSearch, StoreIndexSearchMapsIdsAsFaiss) {
  const int n = 800, d = 32;
  std::mt19937 rng(12);
  auto rows = gaussian_rows(n, d, rng);
  normalise_rows(rows, d);
  auto index = detail::make_index("HNSW32", d);
  Ids ids(n);
  for (int i = 0; i < n; ++i) ids[i] = 1000 + 3 * i;
  index->add_with_ids(n, rows.data(), ids.data());
  for (int q = 0; q < 20; ++q) {
    const float* query = rows.data() + static_cast<std::size_t>(q) * 37 % n * d;
    std::vector<float> faiss_d(10), lorag_d(10);
    Ids faiss_i(10), lorag_i(10);
    index->search(1, query, 10, faiss_d.data(), faiss_i.data());
    detail::search_index(*index, query, 10, lorag_d.data(), lorag_i.data());
#if defined(LORAG_FAISS_WRAPPED)
    EXPECT_EQ(lorag_i, faiss_i);
    EXPECT_EQ(lorag_d, faiss_d);
#endif
    EXPECT_EQ(lorag_i[0], 1000 + 3 * (q * 37 % n));  // a stored row finds itself first
  }
}

}  // namespace
}  // namespace lorag::rag
