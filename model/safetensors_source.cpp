// SPDX-License-Identifier: Apache-2.0
// TensorSource over one or several memory-mapped safetensors files (model/).
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>

#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "model/formats/mapped_file.h"
#include "model/formats/safetensors_file.h"
#include "model/tensor_source.h"

namespace lorag::model {
namespace {
namespace fs = std::filesystem;
using formats::SafetensorsFile;

torch::ScalarType to_scalar_type(const std::string& dtype, const std::string& where) {
  static const std::map<std::string, torch::ScalarType> kTypes = {
      {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
      {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
      {"U8", torch::kUInt8},    {"BOOL", torch::kBool}};
  auto it = kTypes.find(dtype);
  LORAG_CHECK(it != kTypes.end(), FormatError, where, ": dtype ", dtype, " cannot be loaded");
  return it->second;
}

class SafetensorsSource : public TensorSource {
 public:
  SafetensorsSource(std::vector<std::shared_ptr<SafetensorsFile>> files, std::string description)
      : files_(std::move(files)), description_(std::move(description)) {
    for (const auto& file : files_) {
      for (const auto& [name, entry] : file->tensors()) {
        LORAG_CHECK(!owner_.count(name), FormatError, file->name(), ": tensor '", name,
                    "' also appears in ", owner_[name]->name());
        owner_[name] = file.get();
      }
    }
  }

  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& [name, file] : owner_) out.push_back(name);
    return out;
  }
  bool contains(const std::string& name) const override { return owner_.count(name) > 0; }
  std::vector<int64_t> shape(const std::string& name) const override { return entry(name).shape; }

  at::Tensor read(const std::string& name) const override {
    const auto& e = entry(name);
    const auto type = to_scalar_type(e.dtype, owner_.at(name)->name() + ": tensor '" + name + "'");
    // from_blob aliases the read-only mapping; callers copy out of it.
    return torch::from_blob(const_cast<uint8_t*>(e.data.data()), e.shape, torch::TensorOptions().dtype(type));
  }
  void done_with(const std::string& name) const override { formats::drop_resident_pages(entry(name).data); }
  std::string describe() const override { return description_; }

 private:
  const formats::SafetensorsEntry& entry(const std::string& name) const {
    auto it = owner_.find(name);
    LORAG_CHECK(it != owner_.end(), FormatError, description_, ": no tensor '", name, "'");
    return it->second->at(name);
  }

  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsFile*> owner_;
  std::string description_;
};

std::vector<fs::path> shard_paths(const fs::path& index_path) {
  nlohmann::json index = read_json_file(index_path);
  LORAG_CHECK(index.contains("weight_map") && index["weight_map"].is_object(), FormatError, index_path.string(),
              ": missing field 'weight_map'");
  std::vector<fs::path> shards;
  for (const auto& [tensor, shard] : index["weight_map"].items()) {
    LORAG_CHECK(shard.is_string(), FormatError, index_path.string(), ": weight_map['", tensor,
                "'] must be a file name");
    fs::path p = index_path.parent_path() / shard.get<std::string>();
    if (std::find(shards.begin(), shards.end(), p) == shards.end()) shards.push_back(p);
  }
  return shards;
}
}  // namespace

std::unique_ptr<TensorSource> open_safetensors_file(const fs::path& path) {
  std::vector<std::shared_ptr<SafetensorsFile>> files{SafetensorsFile::open(path)};
  return std::make_unique<SafetensorsSource>(std::move(files), path.string());
}

std::unique_ptr<TensorSource> open_safetensors_checkpoint(const fs::path& dir) {
  const auto single = dir / "model.safetensors";
  const auto index = dir / "model.safetensors.index.json";
  std::vector<std::shared_ptr<SafetensorsFile>> files;
  if (fs::exists(single)) return open_safetensors_file(single);
  LORAG_CHECK(fs::exists(index), IoError, dir.string(),
              ": no model.safetensors or model.safetensors.index.json (lorag reads safetensors checkpoints; "
              "convert .bin weights with transformers' save_pretrained(safe_serialization=True))");
  for (const auto& shard : shard_paths(index)) {
    LORAG_CHECK(fs::exists(shard), IoError, index.string(), ": lists shard ", shard.filename().string(),
                " which does not exist");
    files.push_back(SafetensorsFile::open(shard));
  }
  return std::make_unique<SafetensorsSource>(std::move(files), index.string());
}

}  // namespace lorag::model
