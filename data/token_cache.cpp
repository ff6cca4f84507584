// SPDX-License-Identifier: Apache-2.0
#include "data/token_cache.h"

#include <charconv>
#include <string_view>

#include "data/hdf5_handle.h"
#include "data/sha256.h"
#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/log.h"

namespace lorag::data {
namespace {

std::optional<std::size_t> parse_count(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

std::optional<DatasetFormat> parse_format_name(const std::optional<std::string>& text) {
  for (auto f : {DatasetFormat::kAlpaca, DatasetFormat::kChat, DatasetFormat::kPromptCompletion}) {
    if (text == format_name(f)) return f;
  }
  return std::nullopt;
}

void check(bool ok, const std::string& what, const std::filesystem::path& path) {
  LORAG_CHECK(ok, IoError, path.string(), ": hdf5 ", what, " failed");
}

void write_array(hid_t file, const char* name, const std::vector<int64_t>& values,
                 const std::filesystem::path& path) {
  const hsize_t dims[1] = {values.size()};
  Hdf5Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  Hdf5Handle set(H5Dcreate2(file, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  check(space.ok() && set.ok(), std::string("create dataset ") + name, path);
  if (!values.empty()) {
    check(H5Dwrite(set.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0,
          std::string("write ") + name, path);
  }
}

// Reads a 1-D int64 dataset; nullopt when it is missing or not 1-D.
std::optional<std::vector<int64_t>> read_array(hid_t file, const char* name) {
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return std::nullopt;
  Hdf5Handle set(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
  if (!set.ok()) return std::nullopt;
  Hdf5Handle space(H5Dget_space(set.get()), H5Sclose);
  hsize_t dims[1] = {0};
  if (!space.ok() || H5Sget_simple_extent_ndims(space.get()) != 1) return std::nullopt;
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  std::vector<int64_t> values(dims[0]);
  if (!values.empty() &&
      H5Dread(set.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    return std::nullopt;
  }
  return values;
}

void write_attribute(hid_t file, const char* name, const std::string& value, const std::filesystem::path& path) {
  Hdf5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), value.empty() ? 1 : value.size());
  Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Hdf5Handle attr(H5Acreate2(file, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  check(attr.ok() && H5Awrite(attr.get(), type.get(), value.empty() ? "" : value.data()) >= 0,
        std::string("write attribute ") + name, path);
}

std::optional<std::string> read_attribute(hid_t file, const char* name) {
  if (H5Aexists(file, name) <= 0) return std::nullopt;
  Hdf5Handle attr(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
  Hdf5Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (!type.ok() || H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) > 0) {
    return std::nullopt;
  }
  std::string value(H5Tget_size(type.get()), '\0');
  if (H5Aread(attr.get(), type.get(), value.data()) < 0) return std::nullopt;
  value.resize(std::char_traits<char>::length(value.c_str()));
  return value;
}

// The file image of `records` in HDF5's in-memory ("core") driver.
std::string build_image(const std::string& key, const TokenizedRecords& records, const std::filesystem::path& path) {
  Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  check(fapl.ok() && H5Pset_fapl_core(fapl.get(), 1 << 20, /*backing_store=*/0) >= 0, "core driver", path);
  Hdf5Handle file(H5Fcreate("lorag-token-cache", H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  check(file.ok(), "create", path);
  std::vector<int64_t> ids, labels, offsets{0}, lines;
  for (std::size_t i = 0; i < records.examples.size(); ++i) {
    const auto& ex = records.examples[i];
    ids.insert(ids.end(), ex.input_ids.begin(), ex.input_ids.end());
    labels.insert(labels.end(), ex.labels.begin(), ex.labels.end());
    offsets.push_back(static_cast<int64_t>(ids.size()));
    lines.push_back(static_cast<int64_t>(records.lines[i]));
  }
  write_array(file.get(), "input_ids", ids, path);
  write_array(file.get(), "labels", labels, path);
  write_array(file.get(), "offsets", offsets, path);
  write_array(file.get(), "lines", lines, path);
  write_attribute(file.get(), "key", key, path);
  write_attribute(file.get(), "version", std::to_string(kTokenCacheVersion), path);
  write_attribute(file.get(), "format", format_name(records.format), path);
  write_attribute(file.get(), "skipped_lines", std::to_string(records.skipped_lines), path);
  write_attribute(file.get(), "split_tokenized", std::to_string(records.split_tokenized), path);
  check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL) >= 0, "flush", path);
  const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
  check(size > 0, "file image", path);
  std::string image(static_cast<std::size_t>(size), '\0');
  check(H5Fget_file_image(file.get(), image.data(), image.size()) == size, "file image", path);
  return image;
}

std::optional<TokenizedRecords> read_records_from(hid_t file, const std::string& key) {
  const auto stored_key = read_attribute(file, "key");
  const auto version = read_attribute(file, "version");
  if (!stored_key || *stored_key != key || version != std::to_string(kTokenCacheVersion)) return std::nullopt;
  auto ids = read_array(file, "input_ids");
  auto labels = read_array(file, "labels");
  auto offsets = read_array(file, "offsets");
  auto lines = read_array(file, "lines");
  const auto format = parse_format_name(read_attribute(file, "format"));
  const auto skipped = parse_count(read_attribute(file, "skipped_lines"));
  const auto split = parse_count(read_attribute(file, "split_tokenized"));
  if (!ids || !labels || !offsets || !lines || !format || !skipped || !split || ids->size() != labels->size() ||
      offsets->size() != lines->size() + 1 || offsets->front() != 0 ||
      offsets->back() != static_cast<int64_t>(ids->size())) {
    return std::nullopt;
  }
  TokenizedRecords out;
  out.format = *format;
  out.skipped_lines = *skipped;
  out.split_tokenized = *split;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    const int64_t b = (*offsets)[i], e = (*offsets)[i + 1];
    if (b > e) return std::nullopt;
    LabelledTokens ex;
    ex.input_ids.assign(ids->begin() + b, ids->begin() + e);
    ex.labels.assign(labels->begin() + b, labels->begin() + e);
    out.examples.push_back(std::move(ex));
    out.lines.push_back(static_cast<std::size_t>((*lines)[i]));
  }
  return out;
}

}  // namespace

std::filesystem::path token_cache_path(const std::filesystem::path& cache_dir,
                                       const std::filesystem::path& data_path) {
  const std::string where = sha256_hex(std::filesystem::absolute(data_path).lexically_normal().string());
  return cache_dir / (data_path.stem().string() + "-" + where.substr(0, 12) + ".tokens.h5");
}

void save_token_cache(const std::filesystem::path& path, const std::string& key, const TokenizedRecords& records) {
  LORAG_ASSERT(records.examples.size() == records.lines.size());
  std::string image;
  {
    QuietHdf5Errors quiet;
    image = build_image(key, records, path);
  }
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  write_file_atomically(path, image);
}

std::optional<TokenizedRecords> load_token_cache(const std::filesystem::path& path, const std::string& key) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  QuietHdf5Errors quiet;
  Hdf5Handle file(H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) {
    log::warn(path.string(), ": token cache is not a readable hdf5 file; re-tokenizing");
    return std::nullopt;
  }
  return read_records_from(file.get(), key);
}

}  // namespace lorag::data
