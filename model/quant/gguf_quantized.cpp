// SPDX-License-Identifier: Apache-2.0
#include "model/quant/gguf_quantized.h"

#include <torch/torch.h>

#include <map>

#include "model/core/error.h"
#include "model/formats/mapped_file.h"
#include "model/gguf_names.h"
#include "model/gguf_source.h"
#include "model/lora_linear.h"
#include "model/quant/kernels/quant_dot.h"
#include "model/quant/quantized_weight.h"

namespace lorag::model::quant {

QuantizedMode resolve_quantized_mode(const std::string& name, bool on_cuda) {
  if (name == "keep") return QuantizedMode::kKeep;
  if (name == "dequantize") return QuantizedMode::kDequantize;
  if (name == "auto") return on_cuda ? QuantizedMode::kDequantize : QuantizedMode::kKeep;
  LORAG_FAIL(UsageError, "--quantized '", name, "' is not a mode (expected auto, keep or dequantize)");
}

namespace {
// The tensor's blocks as a QuantizedWeight [out, in] aliasing the mapping (the
// deleter holds the file open for as long as the weight lives), or, with `heads`,
// a copy with llama's q/k row permutation undone; `head`: made for the output head
// (QuantizedWeight::for_output_head).
std::shared_ptr<const QuantizedWeight> wrap(const std::shared_ptr<const formats::GgufFile>& file,
                                            const formats::GgufTensorInfo& info, const std::vector<int64_t>& shape,
                                            const c10::Device& device, int64_t heads = 0, bool head = false) {
  const int64_t row_bytes = static_cast<int64_t>(info.n_bytes) / shape[0];
  auto blocks = torch::from_blob(const_cast<std::uint8_t*>(info.data.data()), {shape[0], row_bytes},
                                 [file](void*) {}, torch::TensorOptions().dtype(torch::kUInt8));
  if (heads > 0) blocks = unpermute_llama_rows(blocks, heads);
  QuantizedWeight weight(info.type, shape[0], shape[1], blocks);
  if (!device.is_cpu()) weight = weight.to(device);
  auto kept = std::make_shared<const QuantizedWeight>(head ? weight.for_output_head() : std::move(weight));
  // A copy (unpermuted rows, or blocks on the GPU) replaces the mapped bytes: give
  // their pages back, or RSS counts both (120 MiB of a 1.7B Q4_1 model's q/k).
  if (heads > 0 || !device.is_cpu()) formats::drop_resident_pages(info.data);
  return kept;
}
}  // namespace

std::set<std::string> keep_quantized_weights(CausalLMImpl& net, std::shared_ptr<const formats::GgufFile> file,
                                             const ModelConfig& config, const c10::Device& device) {
  const std::string arch = file->metadata().get_string("general.architecture");
  std::map<std::string, const formats::GgufTensorInfo*> by_hf;
  for (const auto& info : file->tensors()) {
    if (!kernels::can_keep_quantized(info.type) || info.dims.size() != 2) continue;
    if (auto hf = gguf_to_hf_name(arch, info.name)) by_hf[*hf] = &info;
  }
  std::set<std::string> kept;
  const std::string embed = "model.embed_tokens.weight";
  if (auto it = by_hf.find(embed); it != by_hf.end()) {
    const bool tied_head = !net.lm_head;
    net.set_quantized_embedding(wrap(file, *it->second, it->second->torch_shape(), device, 0, tied_head));
    kept.insert(embed);
  }
  for (const auto& item : net.named_modules()) {
    auto linear = std::dynamic_pointer_cast<LoraLinearImpl>(item.value());
    if (!linear) continue;
    const std::string name = item.key() + ".weight";
    auto it = by_hf.find(name);
    if (it == by_hf.end()) continue;
    const formats::GgufTensorInfo& info = *it->second;
    const auto shape = info.torch_shape();  // [out, in]
    LORAG_CHECK(shape[0] == linear->out_features() && shape[1] == linear->in_features(), ShapeError, file->name(),
                ": tensor '", info.name, "' is [", shape[0], ",", shape[1], "], expected [", linear->out_features(),
                ",", linear->in_features(), "] for ", name);
    int64_t heads = 0;
    if (arch == "llama" && info.name.find(".attn_q.") != std::string::npos) heads = config.num_attention_heads;
    if (arch == "llama" && info.name.find(".attn_k.") != std::string::npos) heads = config.num_key_value_heads;
    linear->set_quantized_base(wrap(file, info, shape, device, heads, name == "lm_head.weight"));
    kept.insert(name);
  }
  return kept;
}

}  // namespace lorag::model::quant
