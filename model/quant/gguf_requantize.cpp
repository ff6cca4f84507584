// SPDX-License-Identifier: Apache-2.0
#include "model/quant/gguf_requantize.h"

#include <optional>
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
    case GgufType::kQ4_K: return 14;  // Q4_K_S: every matrix q4_K (no _M mix of q6_K)
    case GgufType::kQ5_K: return 16;  // Q5_K_S
    case GgufType::kQ6_K: return 18;
    case GgufType::kBF16: return 32;
    default: break;
  }
  LORAG_FAIL(UsageError, "--type ", formats::gguf_type_name(type), " has no llama.cpp file type");
}

bool is_matrix(const formats::GgufTensorInfo& t) { return t.dims.size() == 2 && t.name.ends_with(".weight"); }

bool fits(const formats::GgufTensorInfo& t, GgufType type) {
  return t.dims[0] % formats::gguf_type_info(type).block_size == 0;
}

// llama.cpp's fallback (llama_tensor_get_type) for a matrix whose rows are not a
// multiple of 256: the K-quant's 32-block neighbour of about the same size.
std::optional<GgufType> fallback_of(GgufType type) {
  switch (type) {
    case GgufType::kQ4_K: return GgufType::kQ5_0;
    case GgufType::kQ5_K: return GgufType::kQ5_1;
    case GgufType::kQ6_K: return GgufType::kQ8_0;
    default: return std::nullopt;
  }
}
}  // namespace

RequantizeReport requantize_gguf(const formats::GgufFile& in, GgufType type, const std::filesystem::path& out) {
  LORAG_CHECK(formats::can_quantize(type), UsageError, "--type ", formats::gguf_type_name(type),
              ": lorag cannot write it (expected f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k or q6_k)");
  formats::GgufWriter writer(static_cast<std::uint32_t>(in.alignment()));
  for (const auto& [key, value] : in.metadata().entries()) {
    if (key != "general.alignment") writer.set(key, value);
  }
  writer.set("general.file_type", formats::GgufValue::u32(llama_file_type(type)));
  RequantizeReport report;
  for (const auto& t : in.tensors()) {
    report.bytes_in += t.n_bytes;
    const auto fallback = fallback_of(type);
    const std::optional<GgufType> target = !is_matrix(t)   ? std::nullopt
                                           : fits(t, type) ? std::optional(type)
                                           : fallback && fits(t, *fallback) ? fallback
                                                                            : std::nullopt;
    if (target) {
      const std::vector<float> values = formats::dequantize_tensor(t);
      writer.add_tensor(t.name, t.dims, values, *target);
      ++(*target == type ? report.requantized : report.fallback);
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
