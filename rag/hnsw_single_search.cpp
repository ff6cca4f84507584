// SPDX-License-Identifier: Apache-2.0
#include "rag/hnsw_single_search.h"

#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/utils/Heap.h>

#include <memory>

namespace lorag::rag {
namespace {

// HNSW keeps the smallest distances; for inner product FAISS negates the
// similarity (IndexHNSW.cpp's NegativeDistanceComputer, which is not exported).
struct NegatedDistance : faiss::DistanceComputer {
  explicit NegatedDistance(faiss::DistanceComputer* inner) : inner(inner) {}
  void set_query(const float* x) override { inner->set_query(x); }
  float operator()(idx_t i) override { return -(*inner)(i); }
  float symmetric_dis(idx_t i, idx_t j) override { return -inner->symmetric_dis(i, j); }
  std::unique_ptr<faiss::DistanceComputer> inner;
};

}  // namespace

std::optional<std::vector<int64_t>> search_hnsw_single(const faiss::Index& index, const float* query, int64_t k) {
  const auto* id_map = dynamic_cast<const faiss::IndexIDMap2*>(&index);
  if (id_map == nullptr) return std::nullopt;
  const auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(id_map->index);
  if (hnsw == nullptr || hnsw->metric_type != faiss::METRIC_INNER_PRODUCT || hnsw->storage == nullptr ||
      hnsw->reconstruct_from_neighbors != nullptr || hnsw->ntotal == 0) {
    return std::nullopt;
  }
  k = std::min<int64_t>(k, hnsw->ntotal);
  NegatedDistance distance(hnsw->storage->get_distance_computer());
  distance.set_query(query);
  faiss::VisitedTable visited(static_cast<int>(hnsw->ntotal));
  std::vector<faiss::Index::idx_t> labels(k);
  std::vector<float> distances(k);
  // The search fills a max-heap of the k nearest, as IndexHNSW::search sets it up.
  faiss::maxheap_heapify(k, distances.data(), labels.data());
  hnsw->hnsw.search(distance, static_cast<int>(k), labels.data(), distances.data(), visited);
  faiss::maxheap_reorder(k, distances.data(), labels.data());
  std::vector<int64_t> ids;
  ids.reserve(k);
  for (const auto label : labels) {
    if (label >= 0) ids.push_back(id_map->id_map.at(static_cast<std::size_t>(label)));
  }
  return ids;
}

}  // namespace lorag::rag
