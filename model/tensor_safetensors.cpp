// SPDX-License-Identifier: Apache-2.0
#include "model/tensor_safetensors.h"

#include <torch/torch.h>

#include "model/core/error.h"
#include "model/formats/safetensors_writer.h"

namespace lorag::model {
namespace {
std::string dtype_name(torch::ScalarType type, const std::string& key) {
  switch (type) {
    case torch::kFloat64: return "F64";
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kInt64: return "I64";
    case torch::kInt32: return "I32";
    case torch::kInt16: return "I16";
    case torch::kInt8: return "I8";
    case torch::kUInt8: return "U8";
    case torch::kBool: return "BOOL";
    default: break;
  }
  LORAG_FAIL(FormatError, "safetensors writer: tensor '", key, "' has dtype ", type, " which safetensors cannot hold");
}
}  // namespace

void write_safetensors(const std::filesystem::path& path, const std::map<std::string, at::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> blobs;  // keeps the CPU copies alive while writing
  std::vector<formats::SafetensorsTensorRef> refs;
  for (const auto& [key, tensor] : tensors) {
    auto cpu = tensor.detach().to(torch::kCPU).contiguous();
    refs.push_back({key, dtype_name(cpu.scalar_type(), key), cpu.sizes().vec(),
                    {static_cast<const uint8_t*>(cpu.data_ptr()), cpu.nbytes()}});
    blobs.push_back(std::move(cpu));
  }
  formats::write_safetensors(path, refs, metadata);
}

}  // namespace lorag::model
