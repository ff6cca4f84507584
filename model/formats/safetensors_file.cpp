// SPDX-License-Identifier: Apache-2.0
// Format: 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the data; offsets are relative to the end of the header.
#include "model/formats/safetensors_file.h"

#include <algorithm>
#include <cstring>
#include <tuple>
#include <nlohmann/json.hpp>

#include "model/core/error.h"
#include "model/core/json_limits.h"

namespace lorag::model::formats {
namespace {
using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference reader's limit

SafetensorsEntry parse_entry(const json& e, const std::string& file, const std::string& key,
                             std::span<const uint8_t> data) {
  LORAG_CHECK(e.is_object() && e.contains("dtype") && e.contains("shape") && e.contains("data_offsets"),
              FormatError, file, ": tensor '", key, "' needs 'dtype', 'shape' and 'data_offsets'");
  SafetensorsEntry entry;
  try {
    entry.dtype = e["dtype"].get<std::string>();
    entry.shape = e["shape"].get<std::vector<int64_t>>();
    auto offsets = e["data_offsets"].get<std::vector<uint64_t>>();
    LORAG_CHECK(offsets.size() == 2, FormatError, file, ": tensor '", key, "' data_offsets has ",
                offsets.size(), " values, expected 2");
    const int64_t elem = safetensors_dtype_size(entry.dtype);
    LORAG_CHECK(elem > 0, FormatError, file, ": tensor '", key, "' has unsupported dtype '", entry.dtype, "'");
    uint64_t count = 1;
    for (int64_t d : entry.shape) {
      LORAG_CHECK(d >= 0 && (d == 0 || count <= UINT64_MAX / static_cast<uint64_t>(d)), FormatError, file,
                  ": tensor '", key, "' has an invalid shape");
      count *= static_cast<uint64_t>(d);
    }
    const auto [begin, end] = std::pair{offsets[0], offsets[1]};
    LORAG_CHECK(begin <= end && end <= data.size(), FormatError, file, ": tensor '", key, "' data_offsets [",
                begin, ", ", end, "] are outside the data section of ", data.size(), " bytes (truncated file?)");
    LORAG_CHECK(count <= UINT64_MAX / elem && end - begin == count * elem, FormatError, file, ": tensor '", key,
                "' has ", end - begin, " bytes, expected ", count * elem, " for ", entry.dtype, " shape ",
                json(entry.shape).dump());
    entry.data = data.subspan(begin, end - begin);
  } catch (const json::exception& ex) {
    LORAG_FAIL(FormatError, file, ": tensor '", key, "' has a malformed entry: ", ex.what());
  }
  return entry;
}
// The reference reader deserialises `__metadata__` as a map of strings
// (Option<HashMap<String, String>>): anything else is a malformed header.
std::map<std::string, std::string> parse_metadata(const json& value, const std::string& file) {
  if (value.is_null()) return {};  // serde reads null as an absent map
  LORAG_CHECK(value.is_object(), FormatError, file, ": '__metadata__' is ", value.type_name(),
              ", expected an object of strings");
  std::map<std::string, std::string> out;
  for (const auto& [key, v] : value.items()) {
    LORAG_CHECK(v.is_string(), FormatError, file, ": '__metadata__' value '", key, "' is ", v.type_name(),
                ", expected a string");
    out[key] = v.get<std::string>();
  }
  return out;
}

// safetensors' `Metadata::validate`: sorted by offset, the tensors tile the data
// section exactly, each starting where the previous ends (no overlap, no gap),
// and the last ending at the end of the buffer.
void check_data_layout(const std::map<std::string, SafetensorsEntry>& tensors, std::span<const uint8_t> data,
                       const std::string& file) {
  std::vector<std::tuple<uint64_t, uint64_t, std::string>> ranges;
  for (const auto& [key, entry] : tensors) {
    const auto begin = static_cast<uint64_t>(entry.data.data() - data.data());
    ranges.emplace_back(begin, begin + entry.data.size(), key);
  }
  std::sort(ranges.begin(), ranges.end());
  uint64_t expected = 0;
  std::string previous;
  for (const auto& [begin, end, key] : ranges) {
    LORAG_CHECK(begin >= expected, FormatError, file, ": tensor '", key, "' data [", begin, ", ", end,
                ") overlaps tensor '", previous, "' (which ends at ", expected, ")");
    LORAG_CHECK(begin == expected, FormatError, file, ": tensor '", key, "' data starts at ", begin,
                ", expected ", expected, " (a gap in the data section)");
    expected = end;
    previous = key;
  }
  LORAG_CHECK(expected == data.size(), FormatError, file, ": the tensors cover ", expected, " of the ", data.size(),
              " data bytes (trailing bytes belong to no tensor)");
}
}  // namespace

int64_t safetensors_dtype_size(const std::string& dtype) {
  static const std::map<std::string, int64_t> kSizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4},
      {"I16", 2}, {"I8", 1},  {"U8", 1},  {"BOOL", 1}, {"U16", 2}, {"U32", 4}, {"U64", 8}};
  auto it = kSizes.find(dtype);
  return it == kSizes.end() ? 0 : it->second;
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  auto file = MappedFile::open(path);
  auto bytes = file.bytes();
  auto result = parse(bytes, path.string());
  result->file_ = std::move(file);  // the mapping's address is stable across the move
  return result;
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::parse(std::span<const uint8_t> bytes, const std::string& name) {
  auto out = std::make_shared<SafetensorsFile>();
  out->name_ = name;
  LORAG_CHECK(bytes.size() >= 8, FormatError, name, ": too short for a safetensors file (", bytes.size(),
              " bytes)");
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  LORAG_CHECK(header_len <= kMaxHeaderBytes && header_len <= bytes.size() - 8, FormatError, name,
              ": header length ", header_len, " exceeds the file size ", bytes.size(),
              " (not a safetensors file, or truncated)");
  json header;
  try {
    header = parse_json(std::string_view(reinterpret_cast<const char*>(bytes.data()) + 8, header_len), name);
  } catch (const json::exception& ex) {
    LORAG_FAIL(FormatError, name, ": header is not valid JSON: ", ex.what());
  }
  LORAG_CHECK(header.is_object(), FormatError, name, ": header must be a JSON object");
  auto data = bytes.subspan(8 + header_len);
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      out->metadata_ = parse_metadata(value, name);
      continue;
    }
    out->tensors_[key] = parse_entry(value, name, key, data);
  }
  check_data_layout(out->tensors_, data, name);
  return out;
}

const SafetensorsEntry& SafetensorsFile::at(const std::string& tensor) const {
  auto it = tensors_.find(tensor);
  LORAG_CHECK(it != tensors_.end(), FormatError, name_, ": no tensor '", tensor, "'");
  return it->second;
}

}  // namespace lorag::model::formats
