// SPDX-License-Identifier: Apache-2.0
// A small GGUF v3 writer (model/formats): metadata of any type plus tensors given
// as raw bytes or as fp32 values encoded to f32/f16/bf16/q8_0, written atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "model/formats/gguf_metadata.h"
#include "model/formats/gguf_type.h"

namespace lorag::model::formats {

// Collects metadata and tensors in memory, then writes a little-endian GGUF v3
// file in insertion order, every tensor offset padded to `alignment`. Holds all
// tensor bytes until written (fine for adapters and test models; TODO(lorag):
// stream tensors for multi-GB exports). Not thread-safe.
class GgufWriter {
 public:
  // `alignment` must be a non-zero power of two; when it is not 32 the writer
  // stores it as `general.alignment` (uint32). Throws FormatError otherwise.
  explicit GgufWriter(std::uint32_t alignment = 32);

  // Adds or replaces a metadata key (file order = first insertion order).
  void set(std::string key, GgufValue value);
  const GgufMetadata& metadata() const { return metadata_; }

  // Adds a tensor from already-encoded bytes. `dims` are in ggml order (ne0
  // first: a torch [out, in] weight is {in, out}). Throws FormatError for a
  // duplicate name, more than 4 dims, a negative dim, ne0 not a multiple of the
  // block size, or `data.size()` not matching dims and type.
  void add_tensor(std::string name, std::vector<std::int64_t> dims, GgufType type, std::vector<std::uint8_t> data);
  // Adds a tensor from fp32 `values` (ggml order, dims[0] fastest) encoded as
  // `type` (f32, f16, bf16 or q8_0). Throws as above and as `quantize`.
  void add_tensor(std::string name, std::vector<std::int64_t> dims, std::span<const float> values,
                  GgufType type = GgufType::kF32);

  // Streams the whole file to `out`.
  void write_to(std::ostream& out) const;
  // The whole file as bytes (tests, fuzz seeds).
  std::string serialize() const;
  // Writes `path` atomically (temp file + rename). Throws IoError naming the path.
  void write(const std::filesystem::path& path) const;

 private:
  struct Tensor {
    std::string name;
    std::vector<std::int64_t> dims;
    GgufType type;
    std::vector<std::uint8_t> data;
  };

  // Validates name, dims and block alignment; returns the element count.
  std::int64_t check_tensor(const std::string& name, const std::vector<std::int64_t>& dims, GgufType type) const;

  std::uint32_t alignment_;
  GgufMetadata metadata_{"gguf writer"};
  std::vector<Tensor> tensors_;
};

}  // namespace lorag::model::formats
