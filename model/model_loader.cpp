// SPDX-License-Identifier: Apache-2.0
#include "model/model_loader.h"

#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "model/core/log.h"
#include "model/core/timer.h"
#include "model/cuda/cuda_plugin.h"
#include "model/formats/gguf_file.h"
#include "model/gguf_config.h"
#include "model/gguf_source.h"
#include "model/gguf_tokenizer.h"
#include "model/quant/gguf_quantized.h"
#include "model/quant/kernels/quant_dot.h"
#include "model/quant/quantized_weight.h"
#include "model/tensor_source.h"
#include "model/weight_checks.h"
#include "model/weight_loading.h"

namespace lorag::model {
namespace fs = std::filesystem;

c10::Device resolve_device(const std::string& name) {
  cuda::prepare_device(name);  // a no-op when `lorag` already did it at start-up
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

bool cpu_has_fast_bf16() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
#else
  return false;
#endif
}

c10::ScalarType resolve_dtype(const std::string& name, const c10::Device& device) {
  // On the CPU bf16 only pays where it is native (avx512_bf16/amx: dense weights decode
  // 2.3x faster than in fp32, issue 17); elsewhere oneDNN emulates it and fp32 is
  // faster and exact.
  if (name == "auto") return device.is_cuda() || cpu_has_fast_bf16() ? c10::kBFloat16 : c10::kFloat;
  if (name == "fp32" || name == "float32") return c10::kFloat;
  if (name == "bf16" || name == "bfloat16") return c10::kBFloat16;
  if (name == "fp16" || name == "float16") return c10::kHalf;
  LORAG_FAIL(UsageError, "--dtype '", name, "' is not a dtype (expected auto, fp32, bf16 or fp16)");
}

std::string read_chat_template_source(const fs::path& dir) {
  if (fs::exists(dir / "chat_template.jinja")) return read_file(dir / "chat_template.jinja");
  const auto path = dir / "tokenizer_config.json";
  if (!fs::exists(path)) return "";
  nlohmann::json j = read_json_file(path);
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
// The load line's reason for an automatic dtype (stderr).
void log_auto_dtype(const LoadOptions& options, const c10::Device& device, c10::ScalarType dtype) {
  if (options.dtype != "auto" || device.is_cuda()) return;
  log::info("dtype auto: ", c10::toString(dtype), " on cpu (",
            cpu_has_fast_bf16() ? "this cpu has avx512_bf16/amx; --dtype fp32 for exact fp32"
                                : "no avx512_bf16 or amx: bf16 would be emulated",
            ")");
}

// A GGUF file: config from its metadata, weights dequantized, tokenizer and chat
// template from its `tokenizer.*` keys.
LoadedModel load_gguf_model(const fs::path& path, const LoadOptions& options) {
  LoadedModel out;
  out.path = path;
  auto file = std::make_shared<const formats::GgufFile>(formats::GgufFile::open(path));
  out.config = gguf_model_config(*file);
  const auto device = resolve_device(options.device);
  const auto dtype = resolve_dtype(options.dtype, device);
  log_auto_dtype(options, device, dtype);
  auto source = open_gguf_checkpoint(file, out.config);
  const std::string arch = file->metadata().get_string("general.architecture");
  check_weights_fit(out.config, *source, {arch + ".block_count", "token_embd.weight rows", arch + ".embedding_length"});
  out.net = CausalLM(out.config, torch::TensorOptions().dtype(dtype).device(device));
  std::set<std::string> kept;
  if (quant::resolve_quantized_mode(options.quantized, device.is_cuda()) == quant::QuantizedMode::kKeep) {
    kept = quant::keep_quantized_weights(*out.net, file, out.config, device);
    if (const auto& embed = out.net->quantized_embedding()) {
      ++out.quantized_tensors;
      out.quantized_bytes += embed->nbytes();
    }
    for (const auto& item : out.net->named_modules()) {
      if (auto linear = std::dynamic_pointer_cast<LoraLinearImpl>(item.value()); linear && linear->quantized_base()) {
        ++out.quantized_tensors;
        out.quantized_bytes += linear->quantized_base()->nbytes();
      }
    }
  }
  if (out.quantized_tensors > 0) {
    log::info("gguf: ", out.quantized_tensors, " matrices kept quantized (", out.quantized_bytes >> 20, " MiB, ",
              device.is_cuda() ? std::string_view("cuda") : quant::kernels::isa_name(quant::kernels::active_isa()),
              " kernels); the rest in ", c10::toString(dtype));
  }
  load_weights(*out.net, *source, kept);
  out.net->eval();
  out.tokenizer = load_gguf_tokenizer(*file);
  out.chat_template_source = gguf_chat_template(*file);
  return out;
}
}  // namespace

std::unique_ptr<model::text::Tokenizer> load_tokenizer_only(const fs::path& path) {
  LORAG_CHECK(fs::exists(path), IoError, path.string(), ": not found");
  if (is_gguf_file(path)) return load_gguf_tokenizer(formats::GgufFile::open(path));
  LORAG_CHECK(fs::is_directory(path), UsageError, path.string(),
              ": expected a .gguf file or a folder with tokenizer.json or tokenizer.model");
  return model::text::load_tokenizer(path);
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
  log_auto_dtype(options, device, dtype);
  auto source = open_safetensors_checkpoint(path);
  check_weights_fit(out.config, *source);
  out.net = CausalLM(out.config, torch::TensorOptions().dtype(dtype).device(device));
  load_weights(*out.net, *source);
  out.net->eval();
  out.tokenizer = model::text::load_tokenizer(path);
  out.chat_template_source = read_chat_template_source(path);
  out.load_seconds = timer.seconds();
  log::debug("loaded ", path.string(), " in ", out.load_seconds, " s");
  return out;
}

}  // namespace lorag::model
