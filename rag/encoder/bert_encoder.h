// SPDX-License-Identifier: Apache-2.0
// The BERT encoder (rag/encoder/): embeddings and post-LN transformer layers,
// with modules and parameters named as Hugging Face's BertModel keys
// (`encoder.layer.3.attention.self.query.weight`), for sentence embedders.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <filesystem>
#include <string>

namespace lorag::rag::encoder {

// BertModel's config.json fields the encoder needs.
struct BertConfig {
  int64_t vocab_size = 30522;            // tokens, e.g. 30522
  int64_t hidden_size = 384;             // C, e.g. 384 for MiniLM-L6
  int64_t num_hidden_layers = 6;         // e.g. 6
  int64_t num_attention_heads = 12;      // H, e.g. 12
  int64_t intermediate_size = 1536;      // feed-forward width, e.g. 1536
  int64_t max_position_embeddings = 512; // longest input in tokens, e.g. 512
  int64_t type_vocab_size = 2;           // token types, e.g. 2
  double layer_norm_eps = 1e-12;         // e.g. 1e-12
  std::string hidden_act = "gelu";       // "gelu" (erf), "gelu_new"/"gelu_pytorch_tanh", "relu", "silu"

  int64_t head_dim() const { return hidden_size / num_attention_heads; }  // D
  // Throws ConfigError naming `file` and the field.
  void validate(const std::string& file) const;
};

// Reads `path` (config.json). Throws IoError/FormatError naming the file and
// field, ConfigError for a model type or position embedding this encoder does
// not implement (only `bert` with absolute positions).
BertConfig read_bert_config(const std::filesystem::path& path);

class BertLayerImpl : public torch::nn::Module {
 public:
  explicit BertLayerImpl(const BertConfig& config);
  // x [B, T, C], keep [B, 1, 1, T] bool (true = attend) -> [B, T, C].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& keep);

 private:
  BertConfig config_;
  torch::nn::Linear query_{nullptr}, key_{nullptr}, value_{nullptr}, attn_out_{nullptr};
  torch::nn::LayerNorm attn_norm_{nullptr};
  torch::nn::Linear intermediate_{nullptr}, output_{nullptr};
  torch::nn::LayerNorm out_norm_{nullptr};
};
TORCH_MODULE(BertLayer);

class BertEncoderImpl : public torch::nn::Module {
 public:
  explicit BertEncoderImpl(const BertConfig& config);
  // input_ids [B, T] int64, attention_mask [B, T] (1 token, 0 padding), on the
  // module's device -> last hidden states [B, T, C] in fp32. Token types are all 0,
  // positions 0..T-1 (padding is on the right).
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);
  const BertConfig& config() const { return config_; }

 private:
  BertConfig config_;
  torch::nn::Embedding word_embeddings_{nullptr}, position_embeddings_{nullptr}, token_type_embeddings_{nullptr};
  torch::nn::LayerNorm embeddings_norm_{nullptr};
  torch::nn::ModuleList layers_{nullptr};
};
TORCH_MODULE(BertEncoder);

// Copies the weights of `dir` (model.safetensors, memory-mapped, or
// pytorch_model.bin) into `encoder`. Keys may carry a `bert.` prefix; tensors the
// encoder has no use for (`pooler.*`, `embeddings.position_ids`, a MLM head) are
// ignored. Throws IoError when neither file exists, FormatError naming the file
// and a missing tensor, ShapeError naming the file, the tensor and both shapes.
void load_bert_weights(BertEncoderImpl& encoder, const std::filesystem::path& dir);

}  // namespace lorag::rag::encoder
