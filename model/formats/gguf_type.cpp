// SPDX-License-Identifier: Apache-2.0
// The table of GGUF tensor type layouts (model/formats).
#include "model/formats/gguf_type.h"

#include <array>

#include "model/core/error.h"

namespace lorag::model::formats {

namespace {
constexpr std::int64_t kQK_K = 256;

// Sizes follow gguf-py's GGML_QUANT_SIZES (constants.py), which mirrors
// ggml.c's `type_traits`.
constexpr std::array kTypes = {
    GgufTypeInfo{GgufType::kF32, 1, 4, "f32"},
    GgufTypeInfo{GgufType::kF16, 1, 2, "f16"},
    GgufTypeInfo{GgufType::kQ4_0, 32, 2 + 16, "q4_0"},
    GgufTypeInfo{GgufType::kQ4_1, 32, 2 + 2 + 16, "q4_1"},
    GgufTypeInfo{GgufType::kQ5_0, 32, 2 + 4 + 16, "q5_0"},
    GgufTypeInfo{GgufType::kQ5_1, 32, 2 + 2 + 4 + 16, "q5_1"},
    GgufTypeInfo{GgufType::kQ8_0, 32, 2 + 32, "q8_0"},
    GgufTypeInfo{GgufType::kQ8_1, 32, 4 + 4 + 32, "q8_1"},
    GgufTypeInfo{GgufType::kQ2_K, kQK_K, 2 + 2 + kQK_K / 16 + kQK_K / 4, "q2_k"},
    GgufTypeInfo{GgufType::kQ3_K, kQK_K, 2 + kQK_K / 4 + kQK_K / 8 + 12, "q3_k"},
    GgufTypeInfo{GgufType::kQ4_K, kQK_K, 2 + 2 + kQK_K / 2 + 12, "q4_k"},
    GgufTypeInfo{GgufType::kQ5_K, kQK_K, 2 + 2 + kQK_K / 2 + kQK_K / 8 + 12, "q5_k"},
    GgufTypeInfo{GgufType::kQ6_K, kQK_K, 2 + kQK_K / 2 + kQK_K / 4 + kQK_K / 16, "q6_k"},
    GgufTypeInfo{GgufType::kQ8_K, kQK_K, 4 + kQK_K + kQK_K / 8, "q8_k"},
    GgufTypeInfo{GgufType::kIQ2_XXS, kQK_K, 2 + kQK_K / 4, "iq2_xxs"},
    GgufTypeInfo{GgufType::kIQ2_XS, kQK_K, 2 + kQK_K / 4 + kQK_K / 32, "iq2_xs"},
    GgufTypeInfo{GgufType::kIQ3_XXS, kQK_K, 2 + kQK_K / 4 + kQK_K / 8, "iq3_xxs"},
    GgufTypeInfo{GgufType::kIQ1_S, kQK_K, 2 + kQK_K / 8 + kQK_K / 16, "iq1_s"},
    GgufTypeInfo{GgufType::kIQ4_NL, 32, 2 + 16, "iq4_nl"},
    GgufTypeInfo{GgufType::kIQ3_S, kQK_K, 2 + kQK_K / 4 + kQK_K / 8 + kQK_K / 32 + 4, "iq3_s"},
    GgufTypeInfo{GgufType::kIQ2_S, kQK_K, 2 + kQK_K / 4 + kQK_K / 16, "iq2_s"},
    GgufTypeInfo{GgufType::kIQ4_XS, kQK_K, 2 + 2 + kQK_K / 2 + kQK_K / 64, "iq4_xs"},
    GgufTypeInfo{GgufType::kI8, 1, 1, "i8"},
    GgufTypeInfo{GgufType::kI16, 1, 2, "i16"},
    GgufTypeInfo{GgufType::kI32, 1, 4, "i32"},
    GgufTypeInfo{GgufType::kI64, 1, 8, "i64"},
    GgufTypeInfo{GgufType::kF64, 1, 8, "f64"},
    GgufTypeInfo{GgufType::kIQ1_M, kQK_K, kQK_K / 8 + kQK_K / 16 + kQK_K / 32, "iq1_m"},
    GgufTypeInfo{GgufType::kBF16, 1, 2, "bf16"},
    GgufTypeInfo{GgufType::kTQ1_0, kQK_K, 2 + 4 * 13, "tq1_0"},
    GgufTypeInfo{GgufType::kTQ2_0, kQK_K, 2 + 64, "tq2_0"},
    GgufTypeInfo{GgufType::kMXFP4, 32, 1 + 16, "mxfp4"},
    GgufTypeInfo{GgufType::kNVFP4, 64, 4 + 32, "nvfp4"},
    GgufTypeInfo{GgufType::kQ1_0, 128, 2 + 16, "q1_0"},
};
}  // namespace

std::optional<GgufTypeInfo> gguf_type_info(std::uint32_t id) {
  for (const GgufTypeInfo& info : kTypes) {
    if (static_cast<std::uint32_t>(info.type) == id) return info;
  }
  return std::nullopt;
}

const GgufTypeInfo& gguf_type_info(GgufType type) {
  for (const GgufTypeInfo& info : kTypes) {
    if (info.type == type) return info;
  }
  LORAG_FAIL(InternalError, "internal error: gguf type ", static_cast<std::uint32_t>(type),
             " is missing from the type table");
}

std::string_view gguf_type_name(GgufType type) { return gguf_type_info(type).name; }

}  // namespace lorag::model::formats
