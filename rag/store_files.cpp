// SPDX-License-Identifier: Apache-2.0
#include "rag/store_files.h"

#include "data/hdf5_handle.h"
#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"

namespace lorag::rag::detail {
namespace fs = std::filesystem;
namespace {

// At exit HDF5 closes every identifier still open (H5_term_library). A file whose
// flush failed (a full disk) stays open inside HDF5 after our H5Fclose, and that
// exit-time close then crashed the process (issue #18). Every identifier lorag
// opens is closed by Hdf5Handle, so the sweep has nothing else to do: turn it off,
// which HDF5 allows only before the library starts (static initialisation here).
const bool kHdf5ExitSweepOff = [] { return H5dont_atexit() >= 0; }();

using data::Hdf5Handle;
using data::QuietHdf5Errors;

void check(bool ok, const std::string& what, const fs::path& path) {
  LORAG_CHECK(ok, IoError, path.string(), ": hdf5 ", what, " failed");
}

hid_t string_type() {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

void write_dataset(hid_t file, const char* name, hid_t file_type, hid_t mem_type, int rank, const hsize_t* dims,
                   const void* data, const fs::path& path) {
  Hdf5Handle space(H5Screate_simple(rank, dims, nullptr), H5Sclose);
  Hdf5Handle set(H5Dcreate2(file, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  check(space.ok() && set.ok(), std::string("create dataset ") + name, path);
  if (dims[0] > 0) {
    check(H5Dwrite(set.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0, std::string("write ") + name, path);
  }
}

template <typename Get>
void write_strings(hid_t file, const char* name, const std::vector<Chunk>& chunks, Get get, const fs::path& path) {
  std::vector<std::string> owned;
  owned.reserve(chunks.size());
  for (const auto& c : chunks) owned.push_back(get(c));
  std::vector<const char*> ptrs;
  ptrs.reserve(owned.size());
  for (const auto& s : owned) ptrs.push_back(s.c_str());
  Hdf5Handle type(string_type(), H5Tclose);
  const hsize_t dims[1] = {chunks.size()};
  write_dataset(file, name, type.get(), type.get(), 1, dims, ptrs.data(), path);
}

// Opens dataset `name` and checks it holds `rows` rows.
hid_t open_dataset(hid_t file, const char* name, std::size_t rows, const fs::path& path) {
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  LORAG_CHECK(set >= 0, FormatError, path.string(), ": dataset '", name, "' missing");
  Hdf5Handle space(H5Dget_space(set), H5Sclose);
  hsize_t dims[2] = {0, 0};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  if (dims[0] != rows) H5Dclose(set);
  LORAG_CHECK(dims[0] == rows, FormatError, path.string(), ": dataset '", name, "' has ", dims[0], " rows, expected ",
              rows);
  return set;
}

template <typename T>
std::vector<T> read_numbers(hid_t file, const char* name, hid_t mem_type, std::size_t count, std::size_t rows,
                            const fs::path& path) {
  Hdf5Handle set(open_dataset(file, name, rows, path), H5Dclose);
  std::vector<T> out(count);
  if (count > 0) {
    check(H5Dread(set.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0, std::string("read ") + name,
          path);
  }
  return out;
}

std::vector<std::string> read_strings(hid_t file, const char* name, std::size_t rows, const fs::path& path) {
  Hdf5Handle set(open_dataset(file, name, rows, path), H5Dclose);
  std::vector<std::string> out(rows);
  if (rows == 0) return out;
  Hdf5Handle type(string_type(), H5Tclose);
  Hdf5Handle space(H5Dget_space(set.get()), H5Sclose);
  std::vector<char*> ptrs(rows, nullptr);
  check(H5Dread(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) >= 0, std::string("read ") + name,
        path);
  for (std::size_t i = 0; i < rows; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, ptrs.data());
  return out;
}

}  // namespace

void write_manifest(const fs::path& dir, const Manifest& m) {
  nlohmann::json j = {
      {"format", kStoreFormat},
      {"version", kStoreVersion},
      {"embedder", {{"name", m.embedder}, {"dimension", m.dimension}, {"max_tokens", m.max_tokens}}},
      {"chunking", {{"chunk_size", m.config.chunking.chunk_size}, {"chunk_overlap", m.config.chunking.chunk_overlap}}},
      {"index_factory", m.config.index_factory},
      {"metric", "inner_product"},
      {"generation", m.generation},
      {"next_id", m.next_id},
      {"data_file", m.data_file},
      {"index_file", m.index_file},
      {"documents", m.documents},
      {"chunks", m.chunks},
  };
  write_file_atomically(dir / kManifestName, j.dump(2) + "\n");
  sync_path(dir);
}

Manifest read_manifest(const fs::path& dir) {
  const fs::path path = dir / kManifestName;
  LORAG_CHECK(fs::is_directory(dir), IoError, dir.string(), ": no document store here (no such folder; ",
              "create one with `lorag index add --store ", dir.string(), " FILES`)");
  LORAG_CHECK(fs::exists(path), IoError, dir.string(), ": no document store here (", kManifestName,
              " missing; create one with `lorag index add --store ", dir.string(), " FILES`)");
  nlohmann::json j = read_json_file(path);
  Manifest m;
  try {
    LORAG_CHECK(j.value("format", "") == kStoreFormat, FormatError, path.string(), ": 'format' is ",
                j.value("format", nlohmann::json()).dump(), ", expected \"", kStoreFormat, "\"");
    const int version = j.at("version").get<int>();
    LORAG_CHECK(version == kStoreVersion, FormatError, path.string(), ": 'version' is ", version, ", expected ",
                kStoreVersion, " (made by another lorag version?)");
    m.embedder = j.at("embedder").at("name").get<std::string>();
    m.dimension = j.at("embedder").at("dimension").get<int64_t>();
    m.max_tokens = j.at("embedder").value("max_tokens", int64_t{0});
    m.config.chunking.chunk_size = j.at("chunking").at("chunk_size").get<int64_t>();
    m.config.chunking.chunk_overlap = j.at("chunking").at("chunk_overlap").get<int64_t>();
    m.config.index_factory = j.at("index_factory").get<std::string>();
    m.generation = j.at("generation").get<int64_t>();
    m.next_id = j.at("next_id").get<int64_t>();
    m.data_file = j.at("data_file").get<std::string>();
    m.index_file = j.at("index_file").get<std::string>();
    m.documents = j.value("documents", int64_t{0});
    m.chunks = j.value("chunks", int64_t{0});
  } catch (const nlohmann::json::exception& e) {
    LORAG_FAIL(FormatError, path.string(), ": missing or mistyped field (", e.what(), ")");
  }
  return m;
}

void write_chunk_table(const fs::path& path, const ChunkTable& table, int64_t dimension) {
  const std::size_t n = table.chunks.size();
  LORAG_ASSERT(table.doc_hashes.size() == n && table.vectors.size() == n * static_cast<std::size_t>(dimension));
  fs::path tmp = path;
  tmp += ".tmp";
  QuietHdf5Errors quiet;
  // A failed write (full disk) removes its temporary, so it cannot keep the disk
  // full for the next writer (issue #18).
  struct RemoveOnFailure {
    const fs::path& tmp;
    bool done = false;
    ~RemoveOnFailure() {
      std::error_code ignored;
      if (!done) fs::remove(tmp, ignored);
    }
  } cleanup{tmp};
  {
    Hdf5Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    check(file.ok(), "create", tmp);
    std::vector<int64_t> ids, chunk_index, begin, end;
    for (const auto& c : table.chunks) {
      ids.push_back(c.id);
      chunk_index.push_back(c.chunk_index);
      begin.push_back(c.begin);
      end.push_back(c.end);
    }
    const hsize_t dims1[1] = {n};
    write_dataset(file.get(), "id", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims1, ids.data(), tmp);
    write_dataset(file.get(), "chunk_index", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims1, chunk_index.data(), tmp);
    write_dataset(file.get(), "begin", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims1, begin.data(), tmp);
    write_dataset(file.get(), "end", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims1, end.data(), tmp);
    write_dataset(file.get(), "doc_hash", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, dims1, table.doc_hashes.data(), tmp);
    const hsize_t dims2[2] = {n, static_cast<hsize_t>(dimension)};
    write_dataset(file.get(), "vector", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims2, table.vectors.data(), tmp);
    write_strings(file.get(), "doc_id", table.chunks, [](const Chunk& c) { return c.doc_id; }, tmp);
    write_strings(file.get(), "title", table.chunks, [](const Chunk& c) { return c.title; }, tmp);
    write_strings(file.get(), "source", table.chunks, [](const Chunk& c) { return c.source; }, tmp);
    write_strings(file.get(), "text", table.chunks, [](const Chunk& c) { return c.text; }, tmp);
    write_strings(file.get(), "metadata", table.chunks, [](const Chunk& c) { return c.metadata.dump(); }, tmp);
    check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL) >= 0, "flush", tmp);
  }
  sync_path(tmp);
  rename_durably(tmp, path);
  cleanup.done = true;
}

int remove_store_temporaries(const fs::path& dir) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    // chunks-N.h5.tmp / index-N.faiss.tmp (this file and store_index.cpp), and
    // write_file_atomically's .tmp.manifest.json.N.
    const bool ours = (name.starts_with("chunks-") && name.ends_with(".h5.tmp")) ||
                      (name.starts_with("index-") && name.ends_with(".faiss.tmp"));
    const bool manifest_tmp = name.starts_with(std::string(".tmp.") + kManifestName + ".");
    if ((ours || manifest_tmp) && entry.is_regular_file(ec) && fs::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

ChunkTable read_chunk_table(const fs::path& path, int64_t dimension) {
  LORAG_CHECK(fs::exists(path), IoError, path.string(), ": store data file missing (store damaged?)");
  QuietHdf5Errors quiet;
  Hdf5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  LORAG_CHECK(file.ok(), FormatError, path.string(), ": not a readable HDF5 file");
  std::size_t n = 0;
  {
    Hdf5Handle set(H5Dopen2(file.get(), "id", H5P_DEFAULT), H5Dclose);
    LORAG_CHECK(set.ok(), FormatError, path.string(), ": dataset 'id' missing");
    Hdf5Handle space(H5Dget_space(set.get()), H5Sclose);
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    n = dims[0];
  }
  ChunkTable table;
  const auto ids = read_numbers<int64_t>(file.get(), "id", H5T_NATIVE_INT64, n, n, path);
  const auto chunk_index = read_numbers<int64_t>(file.get(), "chunk_index", H5T_NATIVE_INT64, n, n, path);
  const auto begin = read_numbers<int64_t>(file.get(), "begin", H5T_NATIVE_INT64, n, n, path);
  const auto end = read_numbers<int64_t>(file.get(), "end", H5T_NATIVE_INT64, n, n, path);
  table.doc_hashes = read_numbers<uint64_t>(file.get(), "doc_hash", H5T_NATIVE_UINT64, n, n, path);
  table.vectors = read_numbers<float>(file.get(), "vector", H5T_NATIVE_FLOAT, n * dimension, n, path);
  auto doc_ids = read_strings(file.get(), "doc_id", n, path);
  auto titles = read_strings(file.get(), "title", n, path);
  auto sources = read_strings(file.get(), "source", n, path);
  auto texts = read_strings(file.get(), "text", n, path);
  const auto metadata = read_strings(file.get(), "metadata", n, path);
  table.chunks.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    Chunk& c = table.chunks[i];
    c.id = ids[i];
    c.doc_id = std::move(doc_ids[i]);
    c.title = std::move(titles[i]);
    c.source = std::move(sources[i]);
    c.chunk_index = chunk_index[i];
    c.begin = begin[i];
    c.end = end[i];
    c.text = std::move(texts[i]);
    try {
      c.metadata = parse_json(metadata[i], path.string());
    } catch (const nlohmann::json::exception& e) {
      LORAG_FAIL(FormatError, path.string(), ": metadata of chunk ", c.id, " is bad JSON (", e.what(), ")");
    }
  }
  return table;
}

StoreLock::StoreLock(const fs::path& dir)
    : lock_(dir / "lock", "another process is writing this store", "wait for it to finish and retry") {}

}  // namespace lorag::rag::detail
