// SPDX-License-Identifier: Apache-2.0
// GGUF metadata -> ModelConfig (model/), the counterpart of config.json parsing
// for files written by llama.cpp's convert_hf_to_gguf.py.
#pragma once

#include "model/config.h"
#include "model/formats/gguf_file.h"

namespace lorag::model {

// Reads the `{arch}.*` hyper-parameters, the tokenizer's special ids and the
// tensor table (tied embeddings when there is no `output.weight`, vocab from
// `token_embd.weight`) of `file` into the ModelConfig transformers builds for it.
// `general.architecture` llama, qwen2, qwen3, gemma3, phi3 and phi2 are supported. Throws ConfigError naming
// the file and key for an unsupported architecture or rope scaling, FormatError
// for a missing or mistyped key; the result is validated.
ModelConfig gguf_model_config(const formats::GgufFile& file);

// The Hugging Face `torch_dtype` of the stored weights by `general.file_type`:
// "float32", "float16", "bfloat16", or "float32" for quantized files (lorag
// dequantizes to fp32). Never throws.
std::string gguf_storage_dtype(const formats::GgufFile& file);

// gguf-py's `LlamaFileType` name of `general.file_type` without "MOSTLY_", e.g.
// "Q4_1" (3), "F16" (1), "Q4_K_M" (15); "unknown (N)" for ids it does not list.
std::string gguf_file_type_name(const formats::GgufFile& file);

}  // namespace lorag::model
