// SPDX-License-Identifier: Apache-2.0
// TensorSource over a GgufFile (model/): renames through gguf_names, dequantizes,
// and reverses convert_hf_to_gguf.py's q/k permutation and Gemma's norm shift.
#include "model/gguf_source.h"

#include <torch/torch.h>

#include <map>

#include "model/core/error.h"
#include "model/formats/gguf_dequant.h"
#include "model/formats/mapped_file.h"
#include "model/gguf_names.h"

namespace lorag::model {
namespace {
using formats::GgufFile;
using formats::GgufTensorInfo;
using formats::GgufType;

class GgufSource : public TensorSource {
 public:
  GgufSource(std::shared_ptr<const GgufFile> file, const ModelConfig& config)
      : file_(std::move(file)),
        arch_(file_->metadata().get_string("general.architecture")),
        heads_(config.num_attention_heads),
        kv_heads_(config.num_key_value_heads),
        head_dim_(config.head_dim()) {
    for (const auto& info : file_->tensors()) {
      // Rope factors (llama3, Phi-3 longrope) live in the config.
      if (info.name == "rope_freqs.weight" || info.name.starts_with("rope_factors_")) continue;
      LORAG_CHECK(formats::can_dequantize(info.type), FormatError, file_->name(), ": tensor '", info.name,
                  "' has type ", formats::gguf_type_name(info.type), " which lorag cannot dequantize");
      if (arch_ == "phi2" && info.name.find(".attn_qkv.") != std::string::npos) {
        add_fused_qkv(info);
        continue;
      }
      auto hf = gguf_to_hf_name(arch_, info.name);
      LORAG_CHECK(hf.has_value(), FormatError, file_->name(), ": tensor '", info.name,
                  "' has no Hugging Face name for architecture ", arch_, " (see model/gguf_names.cpp)");
      by_hf_[*hf] = {&info};
    }
  }

  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& [name, info] : by_hf_) out.push_back(name);
    return out;
  }
  bool contains(const std::string& name) const override { return by_hf_.count(name) > 0; }
  std::vector<int64_t> shape(const std::string& name) const override {
    const Entry& e = entry(name);
    auto shape = e.info->torch_shape();
    if (e.rows >= 0) shape[0] = e.rows;
    return shape;
  }

  at::Tensor read(const std::string& name) const override {
    const Entry& e = entry(name);
    const GgufTensorInfo& t = *e.info;
    torch::Tensor out = stored(t);
    if (e.rows >= 0) out = out.narrow(0, e.row_begin, e.rows);  // one of q, k, v of a fused attn_qkv
    if (arch_ == "llama" && (t.name.find(".attn_q.") != std::string::npos)) out = unpermute_llama_rows(out, heads_);
    if (arch_ == "llama" && (t.name.find(".attn_k.") != std::string::npos)) out = unpermute_llama_rows(out, kv_heads_);
    // Gemma3Model.modify_tensors adds `norm_shift` = 1 to every "*norm.weight".
    if (arch_ == "gemma3" && t.name.ends_with("norm.weight")) out = out.to(torch::kFloat32) - 1.0;
    return out;
  }
  void done_with(const std::string& name) const override { formats::drop_resident_pages(entry(name).info->data); }
  std::string describe() const override { return file_->name(); }

 private:
  // A GGUF tensor, or a block of rows of one (a fused projection split by name).
  struct Entry {
    const GgufTensorInfo* info = nullptr;
    int64_t row_begin = 0;
    int64_t rows = -1;  // -1: the whole tensor
  };

  const Entry& entry(const std::string& name) const {
    auto it = by_hf_.find(name);
    LORAG_CHECK(it != by_hf_.end(), FormatError, file_->name(), ": no tensor '", name, "'");
    return it->second;
  }

  // llama.cpp's phi2 graph takes either separate attn_q/k/v or one attn_qkv whose
  // rows are q, then k, then v; the fused form is served as the three HF tensors.
  void add_fused_qkv(const GgufTensorInfo& info) {
    const int64_t q_rows = heads_ * head_dim_, kv_rows = kv_heads_ * head_dim_;
    const int64_t total = info.torch_shape()[0];
    LORAG_CHECK(total == q_rows + 2 * kv_rows, ShapeError, file_->name(), ": tensor '", info.name, "' has ", total,
                " rows, expected (heads + 2 x kv heads) x head_dim = ", q_rows + 2 * kv_rows);
    const std::pair<const char*, int64_t> parts[] = {
        {".attn_q.", q_rows}, {".attn_k.", kv_rows}, {".attn_v.", kv_rows}};
    int64_t begin = 0;
    for (const auto& [part, rows] : parts) {
      std::string name = info.name;
      name.replace(name.find(".attn_qkv."), 10, part);
      auto hf = gguf_to_hf_name(arch_, name);
      LORAG_ASSERT(hf.has_value(), "no HF name for ", name);
      by_hf_[*hf] = {&info, begin, rows};
      begin += rows;
    }
  }

  // The values as stored: F32/F16/BF16 alias the mapping, the rest is dequantized to fp32.
  torch::Tensor stored(const GgufTensorInfo& t) const {
    const auto shape = t.torch_shape();
    auto* data = const_cast<std::uint8_t*>(t.data.data());  // read-only alias; callers copy out
    if (t.type == GgufType::kF32) return torch::from_blob(data, shape, torch::kFloat32);
    if (t.type == GgufType::kF16) return torch::from_blob(data, shape, torch::kFloat16);
    if (t.type == GgufType::kBF16) return torch::from_blob(data, shape, torch::kBFloat16);
    auto values = std::make_shared<std::vector<float>>(formats::dequantize_tensor(t));
    // The tensor owns the vector through its deleter, so no second copy is made.
    return torch::from_blob(values->data(), shape, [values](void*) mutable { values.reset(); },
                            torch::TensorOptions().dtype(torch::kFloat32));
  }

  std::shared_ptr<const GgufFile> file_;
  std::string arch_;
  int64_t heads_, kv_heads_, head_dim_;
  std::map<std::string, Entry> by_hf_;
};
}  // namespace

// convert_hf_to_gguf.py's `LlamaModel.permute` stores each head's rows as
// reshape(n_head, 2, D/2, ...).swapaxes(1, 2); this swaps them back.
at::Tensor unpermute_llama_rows(const at::Tensor& w, int64_t n_head) {
  auto sizes = w.sizes().vec();
  std::vector<int64_t> split = {n_head, sizes[0] / n_head / 2, 2};
  split.insert(split.end(), sizes.begin() + 1, sizes.end());
  return w.reshape(split).transpose(1, 2).reshape(sizes).contiguous();  // [out(, in)]
}

std::unique_ptr<TensorSource> open_gguf_checkpoint(std::shared_ptr<const GgufFile> file, const ModelConfig& config) {
  return std::make_unique<GgufSource>(std::move(file), config);
}

}  // namespace lorag::model
