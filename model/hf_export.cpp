// SPDX-License-Identifier: Apache-2.0
// LoadedModel -> Hugging Face folder (model/).
#include "model/hf_export.h"

#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/formats/gguf_file.h"
#include "model/gguf_tokenizer.h"
#include "model/tensor_safetensors.h"

namespace lorag::model {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// transformers' name of an export dtype, e.g. "bfloat16" (config.json's torch_dtype).
const char* torch_dtype_name(c10::ScalarType dtype) {
  if (dtype == c10::kFloat) return "float32";
  if (dtype == c10::kBFloat16) return "bfloat16";
  if (dtype == c10::kHalf) return "float16";
  LORAG_FAIL(UsageError, "export dtype ", c10::toString(dtype), " is not supported (expected fp32, bf16 or fp16)");
}

void write_json(const fs::path& path, const json& j) { write_file_atomically(path, j.dump(2) + "\n"); }

void write_weights(const LoadedModel& model, const fs::path& dir, c10::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& item : model.net->named_parameters(/*recurse=*/true)) {
    // Adapters are saved by adapters/ in PEFT's layout, never inside the base model.
    if (item.key().find(".lora_") != std::string::npos) continue;
    // A base kept quantized (model/quant) has no values in its `weight`; never write those zeros.
    LORAG_CHECK(item.value().numel() <= 1 || item.value().storage().nbytes() >= static_cast<size_t>(item.value().nbytes()),
                Error, "export: '", item.key(), "' is kept quantized (load with --quantized dequantize to export)");
    tensors.emplace(item.key(), item.value().detach().to(torch::kCPU, dtype));
  }
  write_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
}

json tokenizer_config(const LoadedModel& model) {
  const auto& tok = *model.tokenizer;
  const auto& s = tok.special_tokens();
  auto token = [&](int64_t id) -> json { return id >= 0 && id < tok.vocab_size() ? json(tok.id_to_token(id)) : json(); };
  json j = {{"tokenizer_class", "PreTrainedTokenizerFast"},
            {"clean_up_tokenization_spaces", false},
            {"model_max_length", model.config.context_length()},
            {"add_bos_token", s.add_bos},
            {"add_eos_token", s.add_eos},
            {"bos_token", s.bos_token.empty() ? json() : json(s.bos_token)},
            {"eos_token", s.eos_token.empty() ? json() : json(s.eos_token)},
            {"pad_token", token(s.pad_id)}};
  if (!model.chat_template_source.empty()) j["chat_template"] = model.chat_template_source;
  return j;
}

void write_tokenizer(const LoadedModel& model, const fs::path& dir) {
  if (is_gguf_file(model.path)) {
    const auto file = formats::GgufFile::open(model.path);
    write_json(dir / "tokenizer.json", gguf_tokenizer_json(file));
    write_json(dir / "tokenizer_config.json", tokenizer_config(model));
    return;
  }
  for (const char* name : {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                           "chat_template.jinja"}) {
    if (fs::exists(model.path / name) && fs::absolute(model.path) != fs::absolute(dir)) {
      write_file_atomically(dir / name, read_file(model.path / name));
    }
  }
}

json generation_config(const ModelConfig& c) {
  json j = {{"_from_model_config", true}};
  if (c.bos_token_id >= 0) j["bos_token_id"] = c.bos_token_id;
  if (c.eos_token_ids.size() == 1) j["eos_token_id"] = c.eos_token_ids[0];
  else if (!c.eos_token_ids.empty()) j["eos_token_id"] = c.eos_token_ids;
  if (c.pad_token_id >= 0) j["pad_token_id"] = c.pad_token_id;
  return j;
}
}  // namespace

void export_hf_folder(const LoadedModel& model, const fs::path& dir, c10::ScalarType dtype) {
  const char* torch_dtype = torch_dtype_name(dtype);  // before anything is written
  std::error_code ec;
  fs::create_directories(dir, ec);
  LORAG_CHECK(!ec && fs::is_directory(dir), IoError, dir.string(), ": cannot create the output folder (",
              ec.message(), ")");
  write_weights(model, dir, dtype);
  ModelConfig config = model.config;
  config.torch_dtype = torch_dtype;
  write_json(dir / "config.json", to_json(config));
  write_json(dir / "generation_config.json", generation_config(model.config));
  write_tokenizer(model, dir);
}

}  // namespace lorag::model
