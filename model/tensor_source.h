// SPDX-License-Identifier: Apache-2.0
// A checkpoint's tensors by Hugging Face name (model/): safetensors folders
// (single file or sharded) now, GGUF behind the same interface.
#pragma once

#include <ATen/Tensor.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace lorag::model {

class TensorSource {
 public:
  virtual ~TensorSource() = default;
  // Every tensor name, sorted.
  virtual std::vector<std::string> names() const = 0;
  virtual bool contains(const std::string& name) const = 0;
  virtual std::vector<int64_t> shape(const std::string& name) const = 0;
  // The tensor on the CPU in its stored dtype. It may alias the memory-mapped file:
  // read-only, valid while this source lives. Throws FormatError naming the tensor.
  virtual at::Tensor read(const std::string& name) const = 0;
  // The caller has copied `name` out: the source may drop its resident pages of the
  // mapped file (a later `read` still works). Keeps a load's peak memory at the copy.
  virtual void done_with(const std::string& name) const { (void)name; }
  // Where the tensors come from, for messages (a path).
  virtual std::string describe() const = 0;
};

// Opens `dir`/model.safetensors, or the shards listed in
// `dir`/model.safetensors.index.json. Throws IoError when neither exists,
// FormatError naming the file for a malformed index or shard.
std::unique_ptr<TensorSource> open_safetensors_checkpoint(const std::filesystem::path& dir);

// Opens one .safetensors file (an adapter's weights, say). Throws IoError or
// FormatError naming the file.
std::unique_ptr<TensorSource> open_safetensors_file(const std::filesystem::path& path);

}  // namespace lorag::model
