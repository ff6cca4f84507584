// SPDX-License-Identifier: Apache-2.0
// One query through a store's HNSW graph on the calling thread (rag/, internal).
//
// FAISS 1.7.3's IndexHNSW::search opens an OpenMP parallel region even for one
// query: every thread allocates a visited table of the index's size and the
// caller waits at the region's barrier for a second core that the encoder's
// OpenMP threads are still spinning on. `lorag ask` and the server search one
// question at a time, so they walk the graph directly instead (faiss's own
// single-point HNSW::search), which is what IndexHNSW::search runs per query.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace faiss {
struct Index;
}

namespace lorag::rag {

// The ids (the store's chunk ids, as the IndexIDMap2 maps them) of about the `k`
// best rows by inner product for `query`, best first; nullopt when `index` is not
// an IndexIDMap2 over an inner-product IndexHNSW, so callers use Index::search.
std::optional<std::vector<int64_t>> search_hnsw_single(const faiss::Index& index, const float* query, int64_t k);

}  // namespace lorag::rag
