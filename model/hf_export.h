// SPDX-License-Identifier: Apache-2.0
// Writes a loaded model as a Hugging Face folder (model/): what `lorag convert`
// produces from a GGUF file, and `lorag merge` from a model with a merged adapter.
#pragma once

#include <c10/core/ScalarType.h>

#include <filesystem>

#include "model/model_loader.h"

namespace lorag::model {

// Writes into `dir` (created when missing; existing files of the same names are
// replaced, each atomically):
//   model.safetensors       every parameter of `model.net` except LoRA A/B, in
//                           `dtype` (kFloat, kBFloat16 or kHalf), metadata format=pt;
//                           a tied lm_head is left out as transformers does
//   config.json             to_json(model.config) with torch_dtype = `dtype`
//   generation_config.json  bos/eos/pad ids
//   tokenizer files         from a GGUF: tokenizer.json (gguf_tokenizer_json) and
//                           tokenizer_config.json with the special tokens and
//                           chat_template; from a folder: its tokenizer files copied
// The result loads with transformers' from_pretrained and with load_model.
// Throws UsageError for another dtype, IoError naming the path when a file cannot
// be written.
void export_hf_folder(const LoadedModel& model, const std::filesystem::path& dir, c10::ScalarType dtype);

}  // namespace lorag::model
