// SPDX-License-Identifier: Apache-2.0
// The BERT encoder (rag/encoder/): HF BertModel's forward pass without the
// pooler, in inference; weights from safetensors or a PyTorch pickle.
#include "rag/encoder/bert_encoder.h"

#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "model/core/shape_str.h"
#include "model/tensor_source.h"
#include "model/text/json_field.h"

namespace lorag::rag::encoder {
namespace {
namespace fs = std::filesystem;

torch::Tensor activation(const torch::Tensor& x, const std::string& name) {
  if (name == "gelu") return torch::gelu(x);  // erf form, as HF's "gelu"
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return torch::gelu(x, "tanh");
  if (name == "relu") return torch::relu(x);
  return torch::silu(x);  // "silu" / "swish"; validate() allows nothing else
}

std::shared_ptr<torch::nn::Module> container(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

// pytorch_model.bin (torch.save of a state dict, zip format) read whole.
class PickleSource : public model::TensorSource {
 public:
  explicit PickleSource(const fs::path& path) : path_(path.string()) {
    const std::string bytes = read_file(path);
    torch::IValue value;
    try {
      value = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
    } catch (const c10::Error& e) {
      LORAG_FAIL(FormatError, path_, ": not a PyTorch state dict torch can read (",
                 std::string(e.what_without_backtrace()).substr(0, 200), ")");
    }
    LORAG_CHECK(value.isGenericDict(), FormatError, path_, ": expected a state dict (name -> tensor), found ",
                value.tagKind());
    for (const auto& item : value.toGenericDict()) {
      if (item.key().isString() && item.value().isTensor()) {
        tensors_[item.key().toStringRef()] = item.value().toTensor();
      }
    }
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& [name, tensor] : tensors_) out.push_back(name);
    return out;
  }
  bool contains(const std::string& name) const override { return tensors_.count(name) > 0; }
  std::vector<int64_t> shape(const std::string& name) const override { return read(name).sizes().vec(); }
  at::Tensor read(const std::string& name) const override {
    auto it = tensors_.find(name);
    LORAG_CHECK(it != tensors_.end(), FormatError, path_, ": no tensor '", name, "'");
    return it->second;
  }
  std::string describe() const override { return path_; }

 private:
  std::string path_;
  std::map<std::string, at::Tensor> tensors_;
};

std::unique_ptr<model::TensorSource> open_weights(const fs::path& dir) {
  if (fs::exists(dir / "model.safetensors") || fs::exists(dir / "model.safetensors.index.json")) {
    return model::open_safetensors_checkpoint(dir);
  }
  if (fs::exists(dir / "pytorch_model.bin")) return std::make_unique<PickleSource>(dir / "pytorch_model.bin");
  LORAG_FAIL(IoError, dir.string(), ": no model.safetensors or pytorch_model.bin (the encoder's weights)");
}

// The checkpoint key for parameter `name`: as is, under `bert.` (BertFor*
// checkpoints), or with the old LayerNorm `gamma`/`beta` names.
std::string find_key(const model::TensorSource& source, const std::string& name) {
  std::vector<std::string> candidates = {name, "bert." + name};
  for (const auto& [now, old] : {std::pair{".LayerNorm.weight", ".LayerNorm.gamma"},
                                 std::pair{".LayerNorm.bias", ".LayerNorm.beta"}}) {
    const std::string suffix = now;
    if (name.ends_with(suffix)) {
      const std::string renamed = name.substr(0, name.size() - suffix.size()) + old;
      candidates.insert(candidates.end(), {renamed, "bert." + renamed});
    }
  }
  for (const auto& key : candidates) {
    if (source.contains(key)) return key;
  }
  LORAG_FAIL(FormatError, source.describe(), ": missing tensor '", name,
             "' (hint: is this a BERT checkpoint matching config.json?)");
}
}  // namespace

void BertConfig::validate(const std::string& file) const {
  auto positive = [&](int64_t value, const char* field) {
    LORAG_CHECK(value > 0, ConfigError, file, ": field '", field, "' is ", value, ", expected > 0");
  };
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(num_hidden_layers, "num_hidden_layers");
  positive(num_attention_heads, "num_attention_heads");
  positive(intermediate_size, "intermediate_size");
  positive(max_position_embeddings, "max_position_embeddings");
  positive(type_vocab_size, "type_vocab_size");
  LORAG_CHECK(hidden_size % num_attention_heads == 0, ConfigError, file, ": field 'hidden_size' ", hidden_size,
              " is not a multiple of num_attention_heads ", num_attention_heads);
  LORAG_CHECK(layer_norm_eps > 0, ConfigError, file, ": field 'layer_norm_eps' is ", layer_norm_eps,
              ", expected > 0");
  static const char* kActs[] = {"gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish"};
  LORAG_CHECK(std::find(std::begin(kActs), std::end(kActs), hidden_act) != std::end(kActs), ConfigError, file,
              ": field 'hidden_act' is '", hidden_act, "', expected gelu, gelu_new, gelu_pytorch_tanh, relu or silu");
}

BertConfig read_bert_config(const fs::path& path) {
  LORAG_CHECK(fs::is_regular_file(path), IoError, path.string(), ": no such file (the encoder's config.json)");
  const auto json = read_json_file(path);
  const model::text::JsonPlace place{path.string(), ""};
  const std::string model_type = model::text::json_string_or(json, "model_type", place, "bert");
  LORAG_CHECK(model_type == "bert", ConfigError, path.string(), ": field 'model_type' is '", model_type,
              "', expected 'bert' (only BERT-style sentence encoders are implemented)");
  const std::string positions = model::text::json_string_or(json, "position_embedding_type", place, "absolute");
  LORAG_CHECK(positions == "absolute", ConfigError, path.string(), ": field 'position_embedding_type' is '",
              positions, "', expected 'absolute'");
  // Absent fields take HF BertConfig's defaults.
  BertConfig c;
  c.vocab_size = model::text::json_int_or(json, "vocab_size", place, 30522);
  c.hidden_size = model::text::json_int_or(json, "hidden_size", place, 768);
  c.num_hidden_layers = model::text::json_int_or(json, "num_hidden_layers", place, 12);
  c.num_attention_heads = model::text::json_int_or(json, "num_attention_heads", place, 12);
  c.intermediate_size = model::text::json_int_or(json, "intermediate_size", place, 3072);
  c.max_position_embeddings = model::text::json_int_or(json, "max_position_embeddings", place, 512);
  c.type_vocab_size = model::text::json_int_or(json, "type_vocab_size", place, 2);
  c.hidden_act = model::text::json_string_or(json, "hidden_act", place, "gelu");
  if (json.contains("layer_norm_eps")) {
    const auto& eps = model::text::json_field(json, "layer_norm_eps", place);
    LORAG_CHECK(eps.is_number(), FormatError, place.child("layer_norm_eps").describe(), " is not a number");
    c.layer_norm_eps = eps.get<double>();
  }
  c.validate(path.string());
  return c;
}

BertLayerImpl::BertLayerImpl(const BertConfig& config) : config_(config) {
  const int64_t C = config.hidden_size, I = config.intermediate_size;
  const auto norm = torch::nn::LayerNormOptions({C}).eps(config.layer_norm_eps);
  auto attention = container(*this, "attention");
  auto self = container(*attention, "self");
  query_ = self->register_module("query", torch::nn::Linear(C, C));
  key_ = self->register_module("key", torch::nn::Linear(C, C));
  value_ = self->register_module("value", torch::nn::Linear(C, C));
  auto attention_output = container(*attention, "output");
  attn_out_ = attention_output->register_module("dense", torch::nn::Linear(C, C));
  attn_norm_ = attention_output->register_module("LayerNorm", torch::nn::LayerNorm(norm));
  intermediate_ = container(*this, "intermediate")->register_module("dense", torch::nn::Linear(C, I));
  auto output = container(*this, "output");
  output_ = output->register_module("dense", torch::nn::Linear(I, C));
  out_norm_ = output->register_module("LayerNorm", torch::nn::LayerNorm(norm));
}

torch::Tensor BertLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& keep) {
  const int64_t B = x.size(0), T = x.size(1), H = config_.num_attention_heads, D = config_.head_dim();
  auto heads = [&](const torch::Tensor& t) { return t.view({B, T, H, D}).transpose(1, 2); };  // [B, H, T, D]
  auto q = heads(query_(x)), k = heads(key_(x)), v = heads(value_(x));
  // Softmax over key positions with padding masked out, scaled by 1/sqrt(D).
  auto a = at::scaled_dot_product_attention(q, k, v, keep);  // [B, H, T, D]
  a = a.transpose(1, 2).reshape({B, T, H * D});               // [B, T, C]
  // Post-LN: each sublayer's output is added to its input, then normalised.
  auto h = attn_norm_(attn_out_(a) + x);
  auto f = output_(activation(intermediate_(h), config_.hidden_act));  // [B, T, I] -> [B, T, C]
  return out_norm_(f + h);
}

BertEncoderImpl::BertEncoderImpl(const BertConfig& config) : config_(config) {
  const int64_t C = config.hidden_size;
  auto embeddings = container(*this, "embeddings");
  word_embeddings_ = embeddings->register_module("word_embeddings", torch::nn::Embedding(config.vocab_size, C));
  position_embeddings_ =
      embeddings->register_module("position_embeddings", torch::nn::Embedding(config.max_position_embeddings, C));
  token_type_embeddings_ =
      embeddings->register_module("token_type_embeddings", torch::nn::Embedding(config.type_vocab_size, C));
  embeddings_norm_ = embeddings->register_module(
      "LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({C}).eps(config.layer_norm_eps)));
  layers_ = container(*this, "encoder")->register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layers_->push_back(BertLayer(config));
}

torch::Tensor BertEncoderImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  LORAG_CHECK(T <= config_.max_position_embeddings, ShapeError, "bert encoder: input of ", T,
              " tokens is longer than max_position_embeddings ", config_.max_position_embeddings);
  auto positions = torch::arange(T, input_ids.options()).unsqueeze(0);  // [1, T]
  auto x = word_embeddings_(input_ids) + position_embeddings_(positions) +
           token_type_embeddings_(torch::zeros_like(input_ids));  // [B, T, C]
  x = embeddings_norm_(x);
  auto keep = attention_mask.to(torch::kBool).view({B, 1, 1, T});  // [B, 1, 1, T]
  for (const auto& layer : *layers_) x = layer->as<BertLayerImpl>()->forward(x, keep);
  return x;
}

void load_bert_weights(BertEncoderImpl& encoder, const fs::path& dir) {
  const auto source = open_weights(dir);
  torch::NoGradGuard no_grad;
  for (auto& item : encoder.named_parameters(/*recurse=*/true)) {
    auto& param = item.value();
    const std::string key = find_key(*source, item.key());
    const auto tensor = source->read(key);
    LORAG_CHECK(tensor.sizes() == param.sizes(), ShapeError, source->describe(), ": tensor '", key, "' is ",
                shape_str(tensor.sizes()), ", expected ", shape_str(param.sizes()),
                " (hint: does config.json match the weights?)");
    LORAG_CHECK(tensor.is_floating_point(), FormatError, source->describe(), ": tensor '", key, "' has dtype ",
                tensor.scalar_type(), ", expected a floating-point type");
    param.copy_(tensor);
  }
}

}  // namespace lorag::rag::encoder
