// SPDX-License-Identifier: Apache-2.0
// Loads a whole model from disk (model/): config, weights and tokenizer of a
// Hugging Face folder, onto the requested device and dtype.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <filesystem>
#include <memory>
#include <string>

#include "model/causal_lm.h"
#include "model/config.h"
#include "model/text/tokenizer.h"

namespace lorag::model {

struct LoadOptions {
  std::string device = "auto";  // "cpu", "cuda", "cuda:1"; "auto" = cuda when available
  std::string dtype = "auto";   // "fp32", "bf16", "fp16"; "auto" = bf16 on cuda and on cpus with
                                // native bf16 (cpu_has_fast_bf16), else fp32; the load line says which
  // GGUF quantized matrices: "keep" (run the blocks as stored, CPU), "dequantize"
  // (dense in `dtype`), "auto" (keep on cpu, dequantize on cuda). The library default
  // is "dequantize" so callers that read or export `weight` (convert, merge) get
  // dense weights; the CLI's model options default to "auto".
  std::string quantized = "dequantize";
};

struct LoadedModel {
  ModelConfig config;
  CausalLM net{nullptr};
  std::shared_ptr<const model::text::Tokenizer> tokenizer;
  std::string chat_template_source;  // tokenizer_config.json "chat_template" (GGUF: tokenizer.chat_template), empty when none
  std::filesystem::path path;        // the folder or .gguf file loaded
  double load_seconds = 0;           // wall time of load_model
  int64_t quantized_tensors = 0;     // matrices kept quantized (GGUF, --quantized keep)
  int64_t quantized_bytes = 0;       // their bytes
};

// Resolves "auto"/"cpu"/"cuda[:N]"; throws UsageError for anything else or when
// CUDA is asked for and not available.
c10::Device resolve_device(const std::string& name);
// Whether this CPU computes bf16 natively (AVX-512 BF16 or AMX-BF16).
bool cpu_has_fast_bf16();
// Resolves "auto"/"fp32"/"bf16"/"fp16" for `device` (auto: bf16 on CUDA and on CPUs
// with native bf16, fp32 on other CPUs); throws UsageError otherwise.
c10::ScalarType resolve_dtype(const std::string& name, const c10::Device& device);

// Whether `path` is a GGUF file (a regular file named *.gguf or starting with "GGUF").
bool is_gguf_file(const std::filesystem::path& path);

// Loads the Hugging Face model folder or GGUF file (model/gguf_config.h,
// gguf_source.h, gguf_tokenizer.h) at `path`. Throws IoError/FormatError/ConfigError/ShapeError
// naming the file, field or tensor at fault.
LoadedModel load_model(const std::filesystem::path& path, const LoadOptions& options);

// The tokenizer of `path` alone, without reading any weights: a GGUF file (a
// vocab-only one too: tokenizer metadata, no tensors) or a folder holding
// tokenizer.json or tokenizer.model (config.json and weights may be absent).
// Throws IoError when `path` does not exist, FormatError naming the file and key
// or field when the tokenizer is malformed or of an unsupported kind.
std::unique_ptr<model::text::Tokenizer> load_tokenizer_only(const std::filesystem::path& path);

// Reads the chat template string from `dir`/tokenizer_config.json (or
// chat_template.jinja); empty when there is none.
std::string read_chat_template_source(const std::filesystem::path& dir);

}  // namespace lorag::model
