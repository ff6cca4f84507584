// SPDX-License-Identifier: Apache-2.0
// FAISS side of the DocumentStore: building, training, removing, (de)serialising.
#include <faiss/IVFlib.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "rag/hnsw_search.h"
#include "rag/store_state.h"

namespace lorag::rag {

void DocumentStore::State::reindex_rows() {
  row_of_id.clear();
  for (std::size_t i = 0; i < table.chunks.size(); ++i) row_of_id[table.chunks[i].id] = i;
}

namespace detail {
namespace fs = std::filesystem;

std::unique_ptr<faiss::Index> make_index(const std::string& factory, int64_t dimension) {
  LORAG_CHECK(factory.find("IDMap") == std::string::npos, ConfigError, "index_factory '", factory,
              "': leave out IDMap (the store wraps every index in IndexIDMap2 itself)");
  std::unique_ptr<faiss::Index> base;
  try {
    base.reset(faiss::index_factory(static_cast<int>(dimension), factory.c_str(), faiss::METRIC_INNER_PRODUCT));
  } catch (const faiss::FaissException& e) {
    LORAG_FAIL(ConfigError, "index_factory '", factory, "' rejected by FAISS: ", e.msg,
               " (e.g. \"Flat\", \"HNSW32\", \"IVF256,PQ16\")");
  }
  auto map = std::make_unique<faiss::IndexIDMap2>(base.release());
  map->own_fields = true;
  tune_index(*map);
  return map;
}

void tune_index(faiss::Index& index) {
  auto* map = dynamic_cast<faiss::IndexIDMap2*>(&index);
  faiss::Index* inner = map ? map->index : &index;
  if (auto* ivf = faiss::ivflib::try_extract_index_ivf(inner)) {
    // nprobe 1 (FAISS's default) misses too much on small stores; 16 lists is
    // the usual recall/speed compromise.
    ivf->nprobe = std::min<std::size_t>(ivf->nlist, 16);
  }
  if (auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(inner)) hnsw->hnsw.efSearch = std::max(hnsw->hnsw.efSearch, 128);
}

void search_index(const faiss::Index& index, const float* query, int64_t k, float* distances,
                  faiss::Index::idx_t* labels) {
  const auto* map = dynamic_cast<const faiss::IndexIDMap2*>(&index);
  const faiss::IndexHNSW* hnsw = walkable_hnsw(map ? *map->index : index);
  if (!hnsw) {
    index.search(1, query, k, distances, labels);
    return;
  }
  hnsw_search(*hnsw, query, k, distances, labels);
  if (!map) return;
  for (int64_t i = 0; i < k; ++i) {
    if (labels[i] >= 0) labels[i] = map->id_map[labels[i]];  // as IndexIDMap2::search
  }
}

namespace {

// Trains `index` on every vector of the table; false when FAISS refuses for
// lack of training vectors (IVF lists, PQ centroids).
bool train(DocumentStore::State& state, faiss::Index& index) {
  if (index.is_trained) return true;
  const auto n = static_cast<faiss::Index::idx_t>(state.table.chunks.size());
  if (n == 0) return false;
  try {
    index.train(n, state.table.vectors.data());
  } catch (const faiss::FaissException& e) {
    log::info("index '", state.manifest.config.index_factory, "' not trained yet with ", n,
              " vectors (", e.msg, "); searching exactly until there are enough");
    return false;
  }
  return index.is_trained;
}

void add_rows(DocumentStore::State& state, faiss::Index& index, std::size_t first) {
  const std::size_t n = state.table.chunks.size();
  if (first >= n) return;
  std::vector<faiss::Index::idx_t> ids;
  ids.reserve(n - first);
  for (std::size_t i = first; i < n; ++i) ids.push_back(state.table.chunks[i].id);
  index.add_with_ids(static_cast<faiss::Index::idx_t>(ids.size()), state.vector(first), ids.data());
}

}  // namespace

void rebuild_index(DocumentStore::State& state) {
  auto index = make_index(state.manifest.config.index_factory, state.dimension());
  if (!train(state, *index)) {
    state.index.reset();
    return;
  }
  add_rows(state, *index, 0);
  state.index = std::move(index);
}

void remove_from_index(DocumentStore::State& state, const std::vector<int64_t>& ids) {
  if (!state.index || ids.empty()) return;
  try {
    faiss::IDSelectorBatch selector(ids.size(), ids.data());
    state.index->remove_ids(selector);
  } catch (const faiss::FaissException&) {
    // HNSW graphs cannot drop nodes: rebuild from the stored vectors, as the
    // FAISS wiki advises.
    log::info("index '", state.manifest.config.index_factory, "' cannot remove ids; rebuilding it from ",
              state.table.chunks.size(), " stored vectors");
    rebuild_index(state);
  }
}

void add_to_index(DocumentStore::State& state, std::size_t first) {
  if (!state.index) {
    rebuild_index(state);
    return;
  }
  add_rows(state, *state.index, first);
}

void write_index_file(const faiss::Index& index, const fs::path& path) {
  fs::path tmp = path;
  tmp += ".tmp";
  std::error_code ec;
  try {
    try {
      faiss::write_index(&index, tmp.c_str());
    } catch (const faiss::FaissException& e) {
      LORAG_FAIL(IoError, tmp.string(), ": cannot write the FAISS index (", e.msg, ")");
    }
    sync_path(tmp);
    rename_durably(tmp, path);
  } catch (...) {
    fs::remove(tmp, ec);  // a full disk must not stay full of our temporaries (issue #18)
    throw;
  }
}

std::unique_ptr<faiss::Index> read_index_file(const fs::path& path, int64_t dimension) {
  LORAG_CHECK(fs::exists(path), IoError, path.string(), ": store index file missing (store damaged?)");
  std::unique_ptr<faiss::Index> index;
  try {
    index.reset(faiss::read_index(path.c_str()));
  } catch (const faiss::FaissException& e) {
    LORAG_FAIL(FormatError, path.string(), ": not a readable FAISS index (", e.msg, ")");
  }
  LORAG_CHECK(index->d == dimension, FormatError, path.string(), ": index dimension is ", index->d, ", expected ",
              dimension);
  LORAG_CHECK(dynamic_cast<faiss::IndexIDMap2*>(index.get()) != nullptr, FormatError, path.string(),
              ": expected an IndexIDMap2");
  tune_index(*index);
  return index;
}

}  // namespace detail
}  // namespace lorag::rag
