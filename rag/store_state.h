// SPDX-License-Identifier: Apache-2.0
// DocumentStore's in-memory state and its FAISS index helpers (rag/, internal).
#pragma once

// Debian FAISS 1.7.3 headers use uint8_t without <cstdint> (an error with g++ 13).
#include <cstdint>

#include <faiss/Index.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "rag/document_store.h"
#include "rag/store_files.h"

namespace lorag::rag {

struct DocumentStore::State {
  std::filesystem::path dir;
  const Embedder* embedder = nullptr;  // not owned; outlives the store
  Mode mode = Mode::kRead;
  detail::Manifest manifest;           // as last saved (generation, next_id, config)
  std::optional<detail::StoreLock> lock;
  // Chunks in id order with their document hashes and vectors, row-aligned.
  detail::ChunkTable table;
  std::unordered_map<int64_t, std::size_t> row_of_id;
  // IndexIDMap2 over the factory's index; null while it needs more vectors to train.
  std::unique_ptr<faiss::Index> index;

  int64_t dimension() const { return manifest.dimension; }
  const float* vector(std::size_t row) const { return table.vectors.data() + row * manifest.dimension; }
  void reindex_rows();  // rebuilds row_of_id from table
};

namespace detail {

// A new, empty IndexIDMap2 over index_factory(dimension, factory) with inner
// product; throws ConfigError naming the factory string when FAISS rejects it.
std::unique_ptr<faiss::Index> make_index(const std::string& factory, int64_t dimension);
// Builds the index over every row of `state.table` (training it first when the
// factory needs it); leaves it null when training fails for lack of vectors.
void rebuild_index(DocumentStore::State& state);
// Removes `ids` from the index, rebuilding it when the index type cannot remove
// (HNSW). Call after `state.table` no longer holds them.
void remove_from_index(DocumentStore::State& state, const std::vector<int64_t>& ids);
// Adds table rows [first, end) to the index (training it when it has none yet).
void add_to_index(DocumentStore::State& state, std::size_t first);
// Sets search-time parameters (IVF nprobe, HNSW efSearch) for recall.
void tune_index(faiss::Index& index);
// One query [d] against `index` (the store's IndexIDMap2, or a bare index): the k
// best as FAISS's search returns them, labels mapped to chunk ids. An HNSW over
// Flat storage is walked by lorag (rag/hnsw_search.h: the same results, faster
// than Debian's FAISS); any other index by FAISS. k >= 1.
void search_index(const faiss::Index& index, const float* query, int64_t k, float* distances,
                  faiss::Index::idx_t* labels);

void write_index_file(const faiss::Index& index, const std::filesystem::path& path);
std::unique_ptr<faiss::Index> read_index_file(const std::filesystem::path& path, int64_t dimension);

}  // namespace detail
}  // namespace lorag::rag
