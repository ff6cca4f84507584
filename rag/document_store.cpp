// SPDX-License-Identifier: Apache-2.0
// DocumentStore: opening, creating, adding, removing and saving (rag/).
#include "rag/document_store.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_set>

#include "model/core/error.h"
#include "model/core/log.h"
#include "rag/faiss_kernels.h"
#include "rag/store_state.h"

namespace lorag::rag {
namespace fs = std::filesystem;
namespace {

std::function<void(const std::string&)>& save_hook() {
  static std::function<void(const std::string&)> hook;
  return hook;
}

void at_stage(const std::string& stage) {
  if (save_hook()) save_hook()(stage);
}

// FNV-1a over the fields that decide a document's chunks and metadata.
uint64_t document_hash(const Document& doc) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;  // field separator
  };
  mix(doc.title);
  mix(doc.source);
  mix(doc.content);
  mix(doc.metadata.dump());
  return h;
}

std::string numbered(const char* stem, int64_t generation, const char* ext) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s-%06lld%s", stem, static_cast<long long>(generation), ext);
  return name;
}

// Deletes store files older than the previous generation and leftover temp files.
void remove_old_files(const fs::path& dir, int64_t generation) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool tmp = name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0;
    long long gen = -1;
    const bool numbered_file = std::sscanf(name.c_str(), "chunks-%lld.h5", &gen) == 1 ||
                               std::sscanf(name.c_str(), "index-%lld.faiss", &gen) == 1;
    if ((numbered_file && !tmp && gen < generation - 1) || (tmp && name.rfind("manifest", 0) != 0)) {
      fs::remove(entry.path(), ec);
    }
  }
}

void check_embedder(const detail::Manifest& m, const Embedder& embedder, const fs::path& dir) {
  LORAG_CHECK(m.embedder == embedder.name() && m.dimension == embedder.dimension(), ConfigError, dir.string(),
              ": store was built with embedder '", m.embedder, "' (dimension ", m.dimension, "), not '",
              embedder.name(), "' (dimension ", embedder.dimension(),
              "); use the same embedder or index into a new store");
}

void load_state(DocumentStore::State* state, const fs::path& dir, const Embedder* embedder) {
  state->dir = dir;
  state->embedder = embedder;
  state->index.reset();
  state->manifest = detail::read_manifest(dir);
  if (embedder) check_embedder(state->manifest, *embedder, dir);
  state->table = detail::read_chunk_table(dir / state->manifest.data_file, state->manifest.dimension);
  state->reindex_rows();
  if (!state->manifest.index_file.empty()) {
    state->index = detail::read_index_file(dir / state->manifest.index_file, state->manifest.dimension);
    LORAG_CHECK(state->index->ntotal == static_cast<int64_t>(state->table.chunks.size()), FormatError,
                (dir / state->manifest.index_file).string(), ": index holds ", state->index->ntotal,
                " vectors, the data file ", state->table.chunks.size(), " (store damaged?)");
  }
}

// Writes generation N+1 and publishes it by replacing the manifest.
void save(DocumentStore::State& s) {
  detail::Manifest m = s.manifest;
  m.generation += 1;
  m.data_file = numbered("chunks", m.generation, ".h5");
  m.index_file = s.index ? numbered("index", m.generation, ".faiss") : "";
  m.chunks = static_cast<int64_t>(s.table.chunks.size());
  std::unordered_set<std::string> docs;
  for (const auto& c : s.table.chunks) docs.insert(c.doc_id);
  m.documents = static_cast<int64_t>(docs.size());
  detail::write_chunk_table(s.dir / m.data_file, s.table, m.dimension);
  at_stage("data_written");
  if (s.index) detail::write_index_file(*s.index, s.dir / m.index_file);
  at_stage("index_written");
  detail::write_manifest(s.dir, m);
  at_stage("manifest_written");
  s.manifest = m;
  remove_old_files(s.dir, m.generation);
}

// Drops every chunk of the documents in `doc_ids` from the table; returns their ids.
std::vector<int64_t> drop_documents(DocumentStore::State& s, const std::unordered_set<std::string>& doc_ids) {
  std::vector<int64_t> removed;
  if (doc_ids.empty()) return removed;
  detail::ChunkTable kept;
  const auto d = static_cast<std::size_t>(s.dimension());
  for (std::size_t i = 0; i < s.table.chunks.size(); ++i) {
    if (doc_ids.count(s.table.chunks[i].doc_id)) {
      removed.push_back(s.table.chunks[i].id);
      continue;
    }
    kept.chunks.push_back(std::move(s.table.chunks[i]));
    kept.doc_hashes.push_back(s.table.doc_hashes[i]);
    kept.vectors.insert(kept.vectors.end(), s.vector(i), s.vector(i) + d);
  }
  s.table = std::move(kept);
  s.reindex_rows();
  return removed;
}

}  // namespace

void set_store_save_hook(std::function<void(const std::string&)> hook) { save_hook() = std::move(hook); }

void StoreConfig::validate() const {
  chunking.validate();
  LORAG_CHECK(!index_factory.empty(), ConfigError, "index_factory is empty (e.g. \"Flat\", \"HNSW32\", \"IVF256,PQ16\")");
}

bool DocumentStore::exists(const fs::path& dir) { return fs::exists(dir / detail::kManifestName); }

DocumentStore DocumentStore::create(const fs::path& dir, const Embedder& embedder, const StoreConfig& config) {
  config.validate();
  detail::make_index(config.index_factory, embedder.dimension());  // rejects a bad factory string early
  std::error_code ec;
  fs::create_directories(dir, ec);
  LORAG_CHECK(!ec, IoError, dir.string(), ": cannot create the store folder (", ec.message(), ")");
  auto state = std::make_unique<State>();
  state->lock.emplace(dir);
  LORAG_CHECK(!exists(dir), UsageError, dir.string(), ": a document store is already there (open it instead)");
  state->dir = dir;
  state->embedder = &embedder;
  state->mode = Mode::kWrite;
  state->manifest.embedder = embedder.name();
  state->manifest.dimension = embedder.dimension();
  state->manifest.max_tokens = embedder.max_tokens();
  state->manifest.config = config;
  save(*state);
  return DocumentStore(std::move(state));
}

DocumentStore DocumentStore::open(const fs::path& dir, const Embedder& embedder, Mode mode) {
  auto state = std::make_unique<State>();
  if (mode == Mode::kWrite) {
    detail::read_manifest(dir);  // a missing store is reported before the lock file is made
    state->lock.emplace(dir);    // before reading, so no other writer's save slips in between
    detail::remove_store_temporaries(dir);
  }
  load_state(state.get(), dir, &embedder);
  state->mode = mode;
  return DocumentStore(std::move(state));
}

DocumentStore DocumentStore::open(const fs::path& dir, Mode mode) {
  auto state = std::make_unique<State>();
  if (mode == Mode::kWrite) {
    detail::read_manifest(dir);
    state->lock.emplace(dir);
    detail::remove_store_temporaries(dir);
  }
  load_state(state.get(), dir, nullptr);
  state->mode = mode;
  return DocumentStore(std::move(state));
}

std::pair<std::string, int64_t> DocumentStore::embedder_of(const fs::path& dir) {
  const detail::Manifest m = detail::read_manifest(dir);
  return {m.embedder, m.dimension};
}

DocumentStore::DocumentStore(std::unique_ptr<State> state) : state_(std::move(state)) {}
DocumentStore::DocumentStore(DocumentStore&&) noexcept = default;
DocumentStore& DocumentStore::operator=(DocumentStore&&) noexcept = default;
DocumentStore::~DocumentStore() = default;

const StoreConfig& DocumentStore::config() const { return state_->manifest.config; }
const fs::path& DocumentStore::dir() const { return state_->dir; }
std::vector<Chunk> DocumentStore::chunks() const { return state_->table.chunks; }
int64_t DocumentStore::index_size() const { return state_->index ? state_->index->ntotal : 0; }

AddResult DocumentStore::add(const std::vector<Document>& documents) {
  State& s = *state_;
  LORAG_CHECK(s.mode == Mode::kWrite, UsageError, s.dir.string(), ": store opened read-only; open it for writing to add");
  LORAG_CHECK(s.embedder, UsageError, s.dir.string(), ": store opened without its embedder; cannot add documents");
  std::map<std::string, const Document*> batch;
  for (const auto& doc : documents) {
    LORAG_CHECK(!doc.id.empty(), FormatError, doc.source, ": document id is empty");
    const auto [it, inserted] = batch.emplace(doc.id, &doc);
    LORAG_CHECK(inserted, FormatError, "document id '", doc.id, "' appears twice in one batch: in ",
                it->second->source, " and in ", doc.source);
  }
  std::map<std::string, uint64_t> stored_hash;
  for (std::size_t i = 0; i < s.table.chunks.size(); ++i) stored_hash[s.table.chunks[i].doc_id] = s.table.doc_hashes[i];

  AddResult result;
  std::unordered_set<std::string> replaced;
  detail::ChunkTable fresh;  // new chunks, vectors filled below
  for (const auto& doc : documents) {
    const uint64_t hash = document_hash(doc);
    const auto old = stored_hash.find(doc.id);
    if (old != stored_hash.end() && old->second == hash) {
      ++result.unchanged;
      continue;
    }
    check_utf8(doc.content, doc.source.empty() ? doc.id : doc.source);
    // HDF5 keeps texts as C strings.
    LORAG_CHECK(doc.content.find('\0') == std::string::npos, FormatError, doc.source.empty() ? doc.id : doc.source,
                ": NUL byte at byte ", doc.content.find('\0'), " (binary file?)");
    if (old != stored_hash.end()) {
      replaced.insert(doc.id);
      ++result.replaced;
    } else {
      ++result.added;
    }
    const auto ranges = chunk_text(doc.content, *s.embedder, s.manifest.config.chunking);
    LORAG_CHECK(!ranges.empty(), FormatError, doc.source.empty() ? doc.id : doc.source,
                ": no text to index (the embedder finds no tokens)");
    for (std::size_t k = 0; k < ranges.size(); ++k) {
      Chunk c;
      c.doc_id = doc.id;
      c.title = doc.title;
      c.source = doc.source;
      c.chunk_index = static_cast<int64_t>(k);
      c.begin = static_cast<int64_t>(ranges[k].begin);
      c.end = static_cast<int64_t>(ranges[k].end);
      c.text = doc.content.substr(ranges[k].begin, ranges[k].end - ranges[k].begin);
      c.metadata = doc.metadata;
      fresh.chunks.push_back(std::move(c));
      fresh.doc_hashes.push_back(hash);
    }
  }
  result.chunks = static_cast<int64_t>(fresh.chunks.size());
  if (fresh.chunks.empty()) return result;

  // Embed before touching the store, so a failure here changes nothing.
  // Groups of 1024: the embedder sorts each group by length before batching,
  // so larger groups pad less (1.5x faster than batches in document order).
  const std::size_t kBatch = 1024;
  const auto d = static_cast<std::size_t>(s.dimension());
  fresh.vectors.reserve(fresh.chunks.size() * d);
  for (std::size_t i = 0; i < fresh.chunks.size(); i += kBatch) {
    std::vector<std::string> texts;
    for (std::size_t j = i; j < std::min(fresh.chunks.size(), i + kBatch); ++j) texts.push_back(fresh.chunks[j].text);
    const std::vector<float> v = s.embedder->embed(texts);
    LORAG_CHECK(v.size() == texts.size() * d, ShapeError, "embedder '", s.embedder->name(), "' returned ", v.size(),
                " floats for ", texts.size(), " texts, expected ", texts.size() * d);
    fresh.vectors.insert(fresh.vectors.end(), v.begin(), v.end());
    // About twenty progress lines however long the ingest.
    const std::size_t batches = (fresh.chunks.size() + kBatch - 1) / kBatch;
    const std::size_t every = std::max<std::size_t>(1, batches / 20);
    const std::size_t done = i + texts.size();
    if (batches > 1 && ((i / kBatch) % every == every - 1 || done == fresh.chunks.size())) {
      log::info("embedded ", done, "/", fresh.chunks.size(), " chunks");
    }
  }

  try {
    const std::vector<int64_t> gone = drop_documents(s, replaced);
    detail::remove_from_index(s, gone);
    const std::size_t first = s.table.chunks.size();
    for (std::size_t i = 0; i < fresh.chunks.size(); ++i) {
      fresh.chunks[i].id = s.manifest.next_id++;
      s.row_of_id[fresh.chunks[i].id] = first + i;
      s.table.chunks.push_back(std::move(fresh.chunks[i]));
      s.table.doc_hashes.push_back(fresh.doc_hashes[i]);
    }
    s.table.vectors.insert(s.table.vectors.end(), fresh.vectors.begin(), fresh.vectors.end());
    detail::add_to_index(s, first);
    save(s);
  } catch (...) {
    // Back to the last saved generation, so memory matches the disk.
    load_state(&s, s.dir, s.embedder);
    throw;
  }
  return result;
}

int64_t DocumentStore::remove(const std::string& doc_id) {
  State& s = *state_;
  LORAG_CHECK(s.mode == Mode::kWrite, UsageError, s.dir.string(), ": store opened read-only; open it for writing to delete");
  const bool present = std::any_of(s.table.chunks.begin(), s.table.chunks.end(),
                                   [&](const Chunk& c) { return c.doc_id == doc_id; });
  LORAG_CHECK(present, UsageError, s.dir.string(), ": no document with id '", doc_id, "' (see lorag index list)");
  try {
    const std::vector<int64_t> gone = drop_documents(s, {doc_id});
    detail::remove_from_index(s, gone);
    if (s.table.chunks.empty()) s.index.reset();  // an untrained factory starts over
    if (!s.index && !s.table.chunks.empty()) detail::rebuild_index(s);
    save(s);
    return static_cast<int64_t>(gone.size());
  } catch (...) {
    load_state(&s, s.dir, s.embedder);
    throw;
  }
}

void DocumentStore::reindex(const std::string& index_factory) {
  State& s = *state_;
  LORAG_CHECK(s.mode == Mode::kWrite, UsageError, s.dir.string(), ": store opened read-only; open it for writing to reindex");
  StoreConfig config = s.manifest.config;
  config.index_factory = index_factory;
  config.validate();
  detail::make_index(index_factory, s.dimension());  // a ConfigError for a bad factory, before anything changes
  try {
    s.manifest.config = config;
    detail::rebuild_index(s);
    save(s);
  } catch (...) {
    load_state(&s, s.dir, s.embedder);
    throw;
  }
}

std::vector<DocumentInfo> DocumentStore::list() const {
  std::map<std::string, DocumentInfo> docs;
  for (const auto& c : state_->table.chunks) {
    DocumentInfo& info = docs[c.doc_id];
    if (info.chunks == 0) {
      info.doc_id = c.doc_id;
      info.title = c.title;
      info.source = c.source;
      info.metadata = c.metadata;
    }
    ++info.chunks;
    info.bytes = std::max(info.bytes, c.end);
  }
  std::vector<DocumentInfo> out;
  for (auto& [id, info] : docs) out.push_back(std::move(info));
  return out;
}

StoreStats DocumentStore::stats() const {
  const State& s = *state_;
  StoreStats st;
  st.documents = static_cast<int64_t>(list().size());
  st.chunks = static_cast<int64_t>(s.table.chunks.size());
  st.dimension = s.dimension();
  st.embedder = s.manifest.embedder;
  st.index_factory = s.manifest.config.index_factory;
  st.distance_kernels = detail::faiss_distance_kernels();
  st.index_trained = s.index != nullptr || s.table.chunks.empty();
  st.chunking = s.manifest.config.chunking;
  st.generation = s.manifest.generation;
  std::error_code ec;
  for (const auto& name : {s.manifest.data_file, s.manifest.index_file, std::string(detail::kManifestName)}) {
    if (name.empty()) continue;
    const auto size = fs::file_size(s.dir / name, ec);
    if (!ec) st.disk_bytes += static_cast<int64_t>(size);
  }
  return st;
}

nlohmann::json DocumentInfo::to_json() const {
  return {{"id", doc_id}, {"title", title}, {"source", source}, {"chunks", chunks}, {"bytes", bytes},
          {"metadata", metadata}};
}

nlohmann::json StoreStats::to_json() const {
  return {{"documents", documents},
          {"chunks", chunks},
          {"embedder", embedder},
          {"dimension", dimension},
          {"index_factory", index_factory},
          {"index_trained", index_trained},
          {"chunk_size", chunking.chunk_size},
          {"chunk_overlap", chunking.chunk_overlap},
          {"generation", generation},
          {"disk_bytes", disk_bytes},
          {"distance_kernels", distance_kernels}};
}

}  // namespace lorag::rag
