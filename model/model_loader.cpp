// SPDX-License-Identifier: Apache-2.0
#include "model/model_loader.h"

#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "model/core/timer.h"
#include "model/formats/gguf_file.h"
#include "model/gguf_config.h"
#include "model/gguf_source.h"
#include "model/gguf_tokenizer.h"
#include "model/tensor_source.h"
#include "model/weight_loading.h"

namespace lorag::model {
namespace fs = std::filesystem;

c10::Device resolve_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? c10::Device(c10::kCUDA) : c10::Device(c10::kCPU);
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "cuda" || name.starts_with("cuda:")) {
    LORAG_CHECK(torch::cuda::is_available(), UsageError, "--device ", name,
                ": CUDA is not available on this machine (use --device cpu)");
    try {
      return c10::Device(name);
    } catch (const c10::Error&) {
      LORAG_FAIL(UsageError, "--device '", name, "' is not a device (expected cpu, cuda or cuda:N)");
    }
  }
  LORAG_FAIL(UsageError, "--device '", name, "' is not a device (expected auto, cpu, cuda or cuda:N)");
}

c10::ScalarType resolve_dtype(const std::string& name, const c10::Device& device) {
  if (name == "auto") return device.is_cuda() ? c10::kBFloat16 : c10::kFloat;
  if (name == "fp32" || name == "float32") return c10::kFloat;
  if (name == "bf16" || name == "bfloat16") return c10::kBFloat16;
  if (name == "fp16" || name == "float16") return c10::kHalf;
  LORAG_FAIL(UsageError, "--dtype '", name, "' is not a dtype (expected auto, fp32, bf16 or fp16)");
}

std::string read_chat_template_source(const fs::path& dir) {
  if (fs::exists(dir / "chat_template.jinja")) return read_file(dir / "chat_template.jinja");
  const auto path = dir / "tokenizer_config.json";
  if (!fs::exists(path)) return "";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    LORAG_FAIL(FormatError, path.string(), ": invalid JSON: ", e.what());
  }
  auto it = j.find("chat_template");
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {  // [{"name": "default", "template": "..."}, ...]
    for (const auto& t : *it) {
      if (t.value("name", "") == "default") return t.value("template", "");
    }
  }
  LORAG_FAIL(FormatError, path.string(), ": field 'chat_template' must be a string or a list of named templates");
}

bool is_gguf_file(const fs::path& path) {
  if (!fs::is_regular_file(path)) return false;
  if (path.extension() == ".gguf") return true;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string_view(magic, 4) == "GGUF";
}

namespace {
// A GGUF file: config from its metadata, weights dequantized, tokenizer and chat
// template from its `tokenizer.*` keys.
LoadedModel load_gguf_model(const fs::path& path, const LoadOptions& options) {
  LoadedModel out;
  out.path = path;
  auto file = std::make_shared<const formats::GgufFile>(formats::GgufFile::open(path));
  out.config = gguf_model_config(*file);
  const auto device = resolve_device(options.device);
  const auto dtype = resolve_dtype(options.dtype, device);
  auto source = open_gguf_checkpoint(file, out.config);
  out.net = CausalLM(out.config, torch::TensorOptions().dtype(dtype).device(device));
  load_weights(*out.net, *source);
  out.net->eval();
  out.tokenizer = load_gguf_tokenizer(*file);
  out.chat_template_source = gguf_chat_template(*file);
  return out;
}
}  // namespace

std::unique_ptr<text::Tokenizer> load_tokenizer_only(const fs::path& path) {
  LORAG_CHECK(fs::exists(path), IoError, path.string(), ": not found");
  if (is_gguf_file(path)) return load_gguf_tokenizer(formats::GgufFile::open(path));
  LORAG_CHECK(fs::is_directory(path), UsageError, path.string(),
              ": expected a .gguf file or a folder with tokenizer.json or tokenizer.model");
  return text::load_tokenizer(path);
}

LoadedModel load_model(const fs::path& path, const LoadOptions& options) {
  Timer timer;
  LORAG_CHECK(fs::exists(path), IoError, path.string(), ": model not found");
  if (is_gguf_file(path)) {
    LoadedModel out = load_gguf_model(path, options);
    out.load_seconds = timer.seconds();
    log::debug("loaded ", path.string(), " in ", out.load_seconds, " s");
    return out;
  }
  LORAG_CHECK(fs::is_directory(path), UsageError, path.string(),
              ": expected a Hugging Face model folder (config.json, *.safetensors, tokenizer files) or a .gguf file");
  LoadedModel out;
  out.path = path;
  out.config = load_model_config(path);
  const auto device = resolve_device(options.device);
  const auto dtype = resolve_dtype(options.dtype, device);
  auto source = open_safetensors_checkpoint(path);
  out.net = CausalLM(out.config, torch::TensorOptions().dtype(dtype).device(device));
  load_weights(*out.net, *source);
  out.net->eval();
  out.tokenizer = text::load_tokenizer(path);
  out.chat_template_source = read_chat_template_source(path);
  out.load_seconds = timer.seconds();
  log::debug("loaded ", path.string(), " in ", out.load_seconds, " s");
  return out;
}

}  // namespace lorag::model
