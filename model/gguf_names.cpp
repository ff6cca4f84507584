// SPDX-License-Identifier: Apache-2.0
// The GGUF <-> Hugging Face tensor name table (model/). Checked against gguf-py's
// `get_tensor_name_map(MODEL_ARCH.X, n).get_name(hf_name)` for llama, qwen2,
// qwen3, gemma3, phi3 and phi2 (tests/model/gguf_model_test.cpp pins the table).
#include "model/gguf_names.h"

#include <array>
#include <charconv>
#include <span>

namespace lorag::model {
namespace {

struct NameRule {
  std::string_view gguf;  // without "blk.N." and without the ".weight"/".bias" suffix
  std::string_view hf;    // without "model.layers.N." and the suffix
};

// Tensors outside the blocks, every architecture but phi2.
constexpr std::array<NameRule, 3> kGlobal = {{
    {"token_embd", "model.embed_tokens"},
    {"output_norm", "model.norm"},
    {"output", "lm_head"},
}};

// Phi-1.5/Phi-2 name their final LayerNorm `final_layernorm`.
constexpr std::array<NameRule, 3> kPhi2Global = {{
    {"token_embd", "model.embed_tokens"},
    {"output_norm", "model.final_layernorm"},
    {"output", "lm_head"},
}};

// Block tensors of llama, mistral and qwen2 (qwen2 adds attn_{q,k,v}.bias, same names).
constexpr std::array<NameRule, 9> kLlamaBlock = {{
    {"attn_norm", "input_layernorm"},
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"ffn_norm", "post_attention_layernorm"},
    {"ffn_gate", "mlp.gate_proj"},
    {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
}};

// Gemma 3 norms around both sublayers: llama.cpp's `ffn_norm` is the
// *pre*-feed-forward norm there, and `post_attention_norm` is HF's post_attention_layernorm.
constexpr std::array<NameRule, 13> kGemma3Block = {{
    {"attn_norm", "input_layernorm"},
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"attn_q_norm", "self_attn.q_norm"},
    {"attn_k_norm", "self_attn.k_norm"},
    {"post_attention_norm", "post_attention_layernorm"},
    {"ffn_norm", "pre_feedforward_layernorm"},
    {"post_ffw_norm", "post_feedforward_layernorm"},
    {"ffn_gate", "mlp.gate_proj"},
    {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
}};

// Phi-3 keeps HF's fused projections: attn_qkv and ffn_up hold [q;k;v] and [gate;up].
constexpr std::array<NameRule, 6> kPhi3Block = {{
    {"attn_norm", "input_layernorm"},
    {"attn_qkv", "self_attn.qkv_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"ffn_norm", "post_attention_layernorm"},
    {"ffn_up", "mlp.gate_up_proj"},
    {"ffn_down", "mlp.down_proj"},
}};

// Qwen3: Llama's names plus the per-head q/k norms.
constexpr std::array<NameRule, 11> kQwen3Block = {{
    {"attn_norm", "input_layernorm"},
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"attn_q_norm", "self_attn.q_norm"},
    {"attn_k_norm", "self_attn.k_norm"},
    {"ffn_norm", "post_attention_layernorm"},
    {"ffn_gate", "mlp.gate_proj"},
    {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
}};

// Phi-2 (gguf-py MODEL_ARCH.PHI2): one LayerNorm, `dense` output, fc1/fc2 as
// ffn_up/ffn_down. A fused `attn_qkv` (files converted from the original
// microsoft/phi-2 layout) is split into these three by the GGUF source.
constexpr std::array<NameRule, 7> kPhi2Block = {{
    {"attn_norm", "input_layernorm"},
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.dense"},
    {"ffn_up", "mlp.fc1"},
    {"ffn_down", "mlp.fc2"},
}};

std::span<const NameRule> global_rules(std::string_view arch) {
  if (arch == "phi2") return kPhi2Global;
  return kGlobal;
}

std::span<const NameRule> block_rules(std::string_view arch) {
  if (arch == "gemma3") return kGemma3Block;
  if (arch == "phi3") return kPhi3Block;
  if (arch == "qwen3") return kQwen3Block;
  if (arch == "phi2") return kPhi2Block;
  if (arch == "llama" || arch == "qwen2" || arch == "mistral") return kLlamaBlock;
  return {};
}

// Splits "stem.weight" / "stem.bias" into {stem, ".weight"}; nullopt otherwise.
std::optional<std::pair<std::string_view, std::string_view>> split_suffix(std::string_view name) {
  for (std::string_view suffix : {std::string_view(".weight"), std::string_view(".bias")}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      return std::pair{name.substr(0, name.size() - suffix.size()), suffix};
    }
  }
  return std::nullopt;
}

// Parses "<prefix><digits>.<rest>" into {digits, rest}; nullopt when `name` has another form.
std::optional<std::pair<std::string_view, std::string_view>> split_block(std::string_view name,
                                                                         std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  const auto dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos) return std::nullopt;
  int block = 0;
  const auto digits = name.substr(0, dot);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), block);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return std::pair{digits, name.substr(dot + 1)};
}

std::optional<std::string> translate(std::string_view arch, std::string_view name, bool to_hf) {
  const auto parts = split_suffix(name);
  if (!parts) return std::nullopt;
  const auto [stem, suffix] = *parts;
  if (block_rules(arch).empty()) return std::nullopt;
  for (const auto& rule : global_rules(arch)) {
    if (stem == (to_hf ? rule.gguf : rule.hf)) return std::string(to_hf ? rule.hf : rule.gguf) + std::string(suffix);
  }
  const auto block = split_block(stem, to_hf ? "blk." : "model.layers.");
  if (!block) return std::nullopt;
  for (const auto& rule : block_rules(arch)) {
    if (block->second != (to_hf ? rule.gguf : rule.hf)) continue;
    return std::string(to_hf ? "model.layers." : "blk.") + std::string(block->first) + "." +
           std::string(to_hf ? rule.hf : rule.gguf) + std::string(suffix);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> gguf_to_hf_name(std::string_view arch, std::string_view gguf_name) {
  return translate(arch, gguf_name, /*to_hf=*/true);
}

std::optional<std::string> hf_to_gguf_name(std::string_view arch, std::string_view hf_name) {
  return translate(arch, hf_name, /*to_hf=*/false);
}

}  // namespace lorag::model
