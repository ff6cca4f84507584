// SPDX-License-Identifier: Apache-2.0
// THE one table between GGUF tensor names and Hugging Face names (model/), after
// llama.cpp's gguf-py `tensor_mapping.py`; nothing else in lorag renames tensors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lorag::model {

// The Hugging Face key of GGUF tensor `gguf_name` in a file whose
// `general.architecture` is `arch` ("llama", "qwen2", "qwen3", "gemma3", "phi3", "phi2"), e.g.
// ("llama", "blk.3.attn_q.weight") -> "model.layers.3.self_attn.q_proj.weight".
// The ".weight"/".bias" suffix carries over. nullopt when the table has no entry
// (an unknown tensor, or one like `rope_freqs.weight` that is not a model weight).
// Pure and thread-safe.
std::optional<std::string> gguf_to_hf_name(std::string_view arch, std::string_view gguf_name);

// The inverse: the GGUF name of Hugging Face key `hf_name` for `arch`, nullopt
// when the table has no entry. gguf_to_hf_name(arch, *hf_to_gguf_name(arch, n)) == n.
std::optional<std::string> hf_to_gguf_name(std::string_view arch, std::string_view hf_name);

}  // namespace lorag::model
