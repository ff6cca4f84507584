// SPDX-License-Identifier: Apache-2.0
// safetensors writer (model/formats): an 8-byte header length, a JSON header,
// then the tensors back to back (https://github.com/huggingface/safetensors).
#include "model/formats/safetensors_writer.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/formats/safetensors_file.h"

namespace lorag::model::formats {

void write_safetensors(const std::filesystem::path& path, const std::vector<SafetensorsTensorRef>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<const SafetensorsTensorRef*> order;
  for (const auto& t : tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& t = *order[i];
    LORAG_CHECK(i == 0 || order[i - 1]->name != t.name, FormatError, path.string(), ": tensor '", t.name,
                "' is given twice");
    const int64_t element = safetensors_dtype_size(t.dtype);
    LORAG_CHECK(element > 0, FormatError, path.string(), ": tensor '", t.name, "' has unknown dtype '", t.dtype, "'");
    int64_t count = 1;
    for (int64_t d : t.shape) {
      LORAG_CHECK(d >= 0, FormatError, path.string(), ": tensor '", t.name, "' has negative dimension ", d);
      count *= d;
    }
    LORAG_CHECK(static_cast<uint64_t>(count * element) == t.data.size(), FormatError, path.string(), ": tensor '",
                t.name, "' has ", t.data.size(), " bytes, expected ", count * element, " for its shape and dtype");
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  // Pad with spaces so the data starts 8-byte aligned, as safetensors itself does.
  text.append((8 - text.size() % 8) % 8, ' ');
  write_file_atomically(path, [&](std::ostream& out) {
    uint64_t n = text.size();
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));  // little-endian
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto* t : order) {
      out.write(reinterpret_cast<const char*>(t->data.data()), static_cast<std::streamsize>(t->data.size()));
    }
  });
}

}  // namespace lorag::model::formats
