// SPDX-License-Identifier: Apache-2.0
// The files of a DocumentStore (rag/, internal): manifest.json, the HDF5 chunk
// table (texts, metadata, vectors), fsync helpers and the writer lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "model/core/file_lock.h"
#include "rag/chunk.h"
#include "rag/document_store.h"

namespace lorag::rag::detail {

inline constexpr const char* kManifestName = "manifest.json";
inline constexpr const char* kStoreFormat = "lorag-document-store";
inline constexpr int kStoreVersion = 1;

struct Manifest {
  std::string embedder;    // Embedder::name()
  int64_t dimension = 0;   // Embedder::dimension()
  int64_t max_tokens = 0;  // Embedder::max_tokens() when the store was made
  StoreConfig config;
  int64_t generation = 0;  // saves so far
  int64_t next_id = 0;     // the next chunk id (ids are never reused)
  std::string data_file;   // e.g. "chunks-000003.h5", relative to the store
  std::string index_file;  // e.g. "index-000003.faiss"; "" while no index is trained
  int64_t documents = 0;
  int64_t chunks = 0;
};

// Atomically replaces DIR/manifest.json.
void write_manifest(const std::filesystem::path& dir, const Manifest& manifest);
// Throws IoError when there is no store in `dir`, FormatError naming the field when damaged.
Manifest read_manifest(const std::filesystem::path& dir);

struct ChunkTable {
  std::vector<Chunk> chunks;
  std::vector<uint64_t> doc_hashes;  // per chunk: hash of its document (unchanged-document detection)
  std::vector<float> vectors;        // [chunks, dimension], row-major
};

// Writes `table` to `path` through a temp file, fsync and rename.
void write_chunk_table(const std::filesystem::path& path, const ChunkTable& table, int64_t dimension);
// Throws IoError/FormatError naming the file and dataset.
ChunkTable read_chunk_table(const std::filesystem::path& path, int64_t dimension);

// Removes temporaries an interrupted or failed save left in the store folder
// (chunks-N.h5.tmp, index-N.faiss.tmp, .tmp.manifest.json.N); returns how many.
// Call only while holding the writer lock.
int remove_store_temporaries(const std::filesystem::path& dir);

// The store's writer lock: an exclusive flock on DIR/lock, held while alive.
class StoreLock {
 public:
  // Throws IoError saying another process writes the store when the lock is taken.
  explicit StoreLock(const std::filesystem::path& dir);

 private:
  FileLock lock_;
};

}  // namespace lorag::rag::detail
