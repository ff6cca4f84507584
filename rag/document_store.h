// SPDX-License-Identifier: Apache-2.0
// DocumentStore (rag/): a private document store in one directory. Chunks of
// documents are embedded with an Embedder and kept in a FAISS index (inner
// product on normalised vectors, 64-bit ids through IndexIDMap2), with their
// texts, metadata and vectors in an HDF5 file beside it. Torch-free.
//
// Directory layout (generation N counts saves):
//   manifest.json        embedder name/dimension, chunking, index factory,
//                        generation, file names; renamed into place last
//   chunks-N.h5          per chunk: id, doc_id, title, source, chunk_index,
//                        begin, end, text, metadata (JSON), doc_hash, vector
//   index-N.faiss        the FAISS index (absent while an IVF/PQ index lacks
//                        enough vectors to train; search is then exact)
//   lock                 flock'ed by the one writer
// A save writes the generation-N+1 files, fsyncs them, then atomically
// replaces manifest.json; a crash at any point leaves generation N readable.
// Files older than the previous generation are removed after a save.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "rag/chunk.h"
#include "rag/chunker.h"
#include "rag/document.h"
#include "rag/embedder.h"
#include "rag/retrieve_config.h"

namespace lorag::rag {

struct StoreConfig {
  ChunkConfig chunking;               // chunk size and overlap in embedder tokens
  std::string index_factory = "Flat";  // FAISS index_factory string, e.g. "Flat", "HNSW32", "IVF256,PQ16"

  // Throws ConfigError naming the field (chunking, or an empty index_factory).
  void validate() const;
};

// One document as the store holds it (from its chunks).
struct DocumentInfo {
  std::string doc_id;
  std::string title;
  std::string source;
  int64_t chunks = 0;  // number of chunks
  int64_t bytes = 0;   // bytes of the document text up to the end of its last chunk
  nlohmann::json metadata = nlohmann::json::object();

  nlohmann::json to_json() const;  // {"id","title","source","chunks","bytes","metadata"}
};

struct StoreStats {
  int64_t documents = 0;
  int64_t chunks = 0;
  int64_t dimension = 0;
  std::string embedder;        // embedder name
  std::string index_factory;   // e.g. "HNSW32"
  bool index_trained = true;   // false while an IVF/PQ index waits for enough vectors
  ChunkConfig chunking;
  int64_t generation = 0;      // number of saves so far
  int64_t disk_bytes = 0;      // size of the current generation's files
  std::string distance_kernels;  // FAISS distance code in this binary, e.g. "avx2+fma" (rag/faiss_kernels.h)

  nlohmann::json to_json() const;
};

struct AddResult {
  int64_t added = 0;      // documents new to the store
  int64_t replaced = 0;   // documents whose id was present (their old chunks are gone)
  int64_t unchanged = 0;  // documents identical to the stored ones (skipped, not re-embedded)
  int64_t chunks = 0;     // chunks embedded and added
};

class DocumentStore {
 public:
  enum class Mode { kRead, kWrite };

  // True when `dir` holds a store (a manifest.json).
  static bool exists(const std::filesystem::path& dir);
  // Creates an empty store in `dir` (created if missing; it must not hold a
  // store) for `embedder`, and opens it for writing. Throws ConfigError for a
  // bad config or a factory string FAISS rejects, UsageError when a store is
  // already there, IoError when the directory cannot be written or another
  // writer holds the lock.
  static DocumentStore create(const std::filesystem::path& dir, const Embedder& embedder, const StoreConfig& config);
  // Opens the store in `dir`. kWrite takes the writer lock (an IoError saying
  // another writer has it when one does); kRead takes no lock and sees the
  // last completed save. Throws IoError for a missing store, FormatError for a
  // damaged one, ConfigError when `embedder`'s name or dimension differ from
  // the store's.
  static DocumentStore open(const std::filesystem::path& dir, const Embedder& embedder, Mode mode = Mode::kRead);
  // Opens the store without its embedder, for list(), stats(), chunks(),
  // search() and remove() (kWrite); add() and retrieve() throw UsageError.
  static DocumentStore open(const std::filesystem::path& dir, Mode mode = Mode::kRead);
  // The embedder name and dimension recorded in DIR's manifest (e.g. to pick
  // the model to load). Throws as open().
  static std::pair<std::string, int64_t> embedder_of(const std::filesystem::path& dir);

  DocumentStore(DocumentStore&&) noexcept;
  DocumentStore& operator=(DocumentStore&&) noexcept;
  ~DocumentStore();  // releases the writer lock

  // Chunks, embeds and adds `documents`, replacing the chunks of any document
  // id already stored (upsert) and skipping documents identical to the stored
  // ones; then saves. Logs progress to stderr. Throws FormatError naming the id
  // and both sources for an id given twice, naming the source and byte offset
  // for invalid UTF-8 or a NUL byte; UsageError when opened read-only.
  // On a failed save the store reloads its last saved state and rethrows.
  AddResult add(const std::vector<Document>& documents);
  // Removes every chunk of `doc_id` from the index and the metadata, then
  // saves. Returns the number of chunks removed; throws UsageError naming the
  // id when the store has no such document, or when opened read-only.
  int64_t remove(const std::string& doc_id);

  // Rebuilds the index with another FAISS factory (e.g. "Flat" to "HNSW32")
  // from the stored vectors, without re-embedding, then saves. Throws
  // ConfigError for a factory FAISS rejects, UsageError when opened read-only.
  void reindex(const std::string& index_factory);

  // The documents, sorted by id.
  std::vector<DocumentInfo> list() const;
  StoreStats stats() const;
  const StoreConfig& config() const;
  const std::filesystem::path& dir() const;

  // Embeds `query` and returns the best chunks, best first (see RetrieveConfig).
  // The index (Flat, HNSW, IVF-PQ) proposes the candidates; scores are exact
  // cosines from the stored vectors. With filters the search is exact over the
  // matching chunks. Thread-safe for concurrent readers.
  std::vector<Hit> retrieve(const std::string& query, const RetrieveConfig& config) const;
  // Same for a query vector (normalised, dimension() floats).
  std::vector<Hit> search(const std::vector<float>& query_vector, const RetrieveConfig& config) const;

  // Every chunk, in id order (for inspection and tests).
  std::vector<Chunk> chunks() const;
  // Number of vectors in the FAISS index (equals the number of chunks).
  int64_t index_size() const;

  struct State;  // implementation

 private:
  explicit DocumentStore(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Called with a stage name at points of a save ("data_written",
// "index_written", "manifest_written"); the crash-safety test installs a hook that
// kills the process there. Not thread-safe; nullptr removes it.
void set_store_save_hook(std::function<void(const std::string& stage)> hook);

}  // namespace lorag::rag
