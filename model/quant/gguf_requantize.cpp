// SPDX-License-Identifier: Apache-2.0
#include "model/quant/gguf_requantize.h"

#include <vector>

#include "model/core/error.h"
#include "model/formats/gguf_dequant.h"
#include "model/formats/gguf_quantize.h"
#include "model/formats/gguf_writer.h"

namespace lorag::model::quant {
namespace {
using formats::GgufType;

// llama.cpp's `llama_ftype` ("MOSTLY_*") for a file whose matrices are `type`.
std::uint32_t llama_file_type(GgufType type) {
  switch (type) {
    case GgufType::kF32: return 0;
    case GgufType::kF16: return 1;
    case GgufType::kQ4_0: return 2;
    case GgufType::kQ4_1: return 3;
    case GgufType::kQ8_0: return 7;
    case GgufType::kQ5_0: return 8;
    case GgufType::kQ5_1: return 9;
    case GgufType::kBF16: return 32;
    default: break;
  }
  LORAG_FAIL(UsageError, "--type ", formats::gguf_type_name(type), " has no llama.cpp file type");
}

bool requantizable(const formats::GgufTensorInfo& t, GgufType type) {
  return t.dims.size() == 2 && t.name.ends_with(".weight") && t.dims[0] % formats::gguf_type_info(type).block_size == 0;
}
}  // namespace

RequantizeReport requantize_gguf(const formats::GgufFile& in, GgufType type, const std::filesystem::path& out) {
  LORAG_CHECK(formats::can_quantize(type), UsageError, "--type ", formats::gguf_type_name(type),
              ": lorag cannot write it (expected f32, f16, bf16, q8_0, q4_0, q4_1, q5_0 or q5_1)");
  formats::GgufWriter writer(static_cast<std::uint32_t>(in.alignment()));
  for (const auto& [key, value] : in.metadata().entries()) {
    if (key != "general.alignment") writer.set(key, value);
  }
  writer.set("general.file_type", formats::GgufValue::u32(llama_file_type(type)));
  RequantizeReport report;
  for (const auto& t : in.tensors()) {
    report.bytes_in += t.n_bytes;
    if (requantizable(t, type)) {
      const std::vector<float> values = formats::dequantize_tensor(t);
      writer.add_tensor(t.name, t.dims, values, type);
      ++report.requantized;
    } else {
      writer.add_tensor(t.name, t.dims, t.type, std::vector<std::uint8_t>(t.data.begin(), t.data.end()));
      ++report.kept;
    }
  }
  writer.write(out);
  for (const auto& t : formats::GgufFile::open(out).tensors()) report.bytes_out += t.n_bytes;
  return report;
}

}  // namespace lorag::model::quant
