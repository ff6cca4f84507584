// SPDX-License-Identifier: Apache-2.0
// lorag's own search over a FAISS HNSW graph (rag/, internal): FAISS's
// IndexHNSW::search algorithm, walked with batched distances, prefetching and a
// visited table reset by a generation counter, on the calling thread. Debian's
// FAISS 1.7.3 walks one distance at a time through a virtual call, inside an
// OpenMP region per query: at 10k chunks it searched 3.5x slower than faiss-cpu
// 1.15 on the same index file (bench/RESULTS.md, issue 16).
#pragma once

// Debian FAISS 1.7.3 headers use uint8_t without <cstdint> (an error with g++ 13).
#include <cstdint>

#include <faiss/IndexHNSW.h>

namespace lorag::rag::detail {

// `index` as an IndexHNSW that hnsw_search can walk: an IndexHNSWFlat-style index
// whose storage is an IndexFlat with the same metric (inner product or L2), in
// FAISS's default search mode (upper_beam 1, bounded queue, no
// reconstruct_from_neighbors). nullptr for any other index (FAISS searches those).
const faiss::IndexHNSW* walkable_hnsw(const faiss::Index& index);

// One query [index.d] searched as faiss::IndexHNSW::search searches it: greedy
// descent from the entry point through the upper levels, then the level-0 beam
// of max(hnsw.efSearch, k) candidates with FAISS's stopping rule
// (check_relative_distance) and FAISS's heaps, so the same ids in the same order.
// Writes distances[k] and labels[k] (storage row numbers) best first: inner
// products, highest first, or squared L2 distances, lowest first; slots past the
// last result hold label -1, as FAISS pads them. An empty index gives k such slots.
// `index` must come from walkable_hnsw and not change during the call; k < 1
// writes nothing.
// Thread-safe: each thread keeps its own scratch (visited table, beam).
void hnsw_search(const faiss::IndexHNSW& index, const float* query, int64_t k, float* distances,
                 faiss::Index::idx_t* labels);

}  // namespace lorag::rag::detail
