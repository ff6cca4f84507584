// SPDX-License-Identifier: Apache-2.0
#include "adapters/peft_io.h"

#include <torch/torch.h>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "model/tensor_safetensors.h"
#include "model/tensor_source.h"

namespace lorag::adapters {
namespace fs = std::filesystem;

AdapterSet load_peft_adapter(const fs::path& dir, const std::string& name) {
  const auto config_path = dir / "adapter_config.json";
  const auto weights_path = dir / "adapter_model.safetensors";
  LORAG_CHECK(fs::exists(config_path), IoError, config_path.string(),
              ": not found (is this a PEFT adapter folder?)");
  LORAG_CHECK(fs::exists(weights_path), IoError, weights_path.string(), ": not found",
              fs::exists(dir / "adapter_model.bin")
                  ? " (hint: re-save the adapter with save_pretrained(safe_serialization=True))"
                  : "");
  nlohmann::json json = read_json_file(config_path);
  auto config = lora_config_from_json(json, config_path.string());
  auto source = model::open_safetensors_file(weights_path);
  std::map<std::string, torch::Tensor> tensors;
  // clone(): the mapping is read-only and goes away with `source`.
  for (const auto& key : source->names()) tensors[key] = source->read(key).clone();
  LORAG_CHECK(!tensors.empty(), FormatError, weights_path.string(), ": holds no tensors");
  return AdapterSet(name, std::move(config), std::move(tensors), weights_path.string());
}

void save_peft_adapter(const AdapterSet& adapter, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  LORAG_CHECK(!ec, IoError, dir.string(), ": cannot create the folder: ", ec.message());
  model::write_safetensors(dir / "adapter_model.safetensors", adapter.tensors());
  write_file_atomically(dir / "adapter_config.json", lora_config_to_json(adapter.config()).dump(2) + "\n");
}

}  // namespace lorag::adapters
