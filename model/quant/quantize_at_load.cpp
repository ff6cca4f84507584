// SPDX-License-Identifier: Apache-2.0
#include "model/quant/quantize_at_load.h"

#include <torch/torch.h>

#include <cstring>
#include <span>

#include "model/core/error.h"
#include "model/formats/gguf_quantize.h"
#include "model/lora_linear.h"
#include "model/quant/kernels/quant_dot.h"
#include "model/quant/quantized_weight.h"

namespace lorag::model::quant {

formats::GgufType parse_quantize_type(const std::string& name) {
  for (std::uint32_t id = 0; id < 64; ++id) {
    const auto info = formats::gguf_type_info(id);
    if (info && info->name == name && kernels::can_keep_quantized(info->type) && formats::can_quantize(info->type)) {
      return info->type;
    }
  }
  LORAG_FAIL(UsageError, "--quantize '", name,
             "' is not a type lorag quantizes to (expected q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k or q6_k)");
}

QuantizeAtLoadReport quantize_linear_bases(CausalLMImpl& net, formats::GgufType type) {
  const auto& info = formats::gguf_type_info(type);
  torch::NoGradGuard no_grad;
  QuantizeAtLoadReport report;
  for (const auto& item : net.named_modules()) {
    auto linear = std::dynamic_pointer_cast<LoraLinearImpl>(item.value());
    if (!linear || linear->quantized_base()) continue;
    const int64_t out = linear->out_features(), in = linear->in_features();
    if (in % info.block_size != 0) {
      ++report.skipped;
      continue;
    }
    const auto dense = linear->weight.detach().to(torch::kCPU, torch::kFloat32).contiguous();  // [out, in]
    const auto bytes = formats::quantize(type, std::span<const float>(dense.data_ptr<float>(), dense.numel()));
    auto blocks = torch::empty({out, static_cast<int64_t>(bytes.size()) / out}, torch::kUInt8);  // [out, row_bytes]
    std::memcpy(blocks.data_ptr<std::uint8_t>(), bytes.data(), bytes.size());
    QuantizedWeight weight(type, out, in, blocks);
    const auto device = linear->weight.device();
    linear->set_quantized_base(
        std::make_shared<const QuantizedWeight>(device.is_cpu() ? std::move(weight) : weight.to(device)));
    ++report.matrices;
    report.bytes += static_cast<int64_t>(bytes.size());
  }
  return report;
}

}  // namespace lorag::model::quant
