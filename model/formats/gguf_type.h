// SPDX-License-Identifier: Apache-2.0
// GGUF tensor types (ggml's `ggml_type` ids) and their block layouts (model/formats).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lorag::model::formats {

// A tensor's storage type; values are ggml's numeric ids as stored in the file.
// Ids ggml retired (4, 5, 31-33, 36-38) are not listed and are rejected on read.
enum class GgufType : std::uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
  kNVFP4 = 40,
  kQ1_0 = 41,
};

// Elements per block (1 for plain types, 32 for Q8_0, 256 for K-quants) and
// bytes per block, as in ggml's `type_traits` / gguf-py's GGML_QUANT_SIZES.
struct GgufTypeInfo {
  GgufType type = GgufType::kF32;
  std::int64_t block_size = 1;  // elements per block, e.g. 32
  std::int64_t type_size = 4;   // bytes per block, e.g. 34 for Q8_0
  std::string_view name;        // ggml's name, e.g. "q8_0"
};

// The layout of numeric type id `id`, or nullopt when ggml has no such type.
std::optional<GgufTypeInfo> gguf_type_info(std::uint32_t id);
// The layout of a known type. Never fails.
const GgufTypeInfo& gguf_type_info(GgufType type);
// ggml's lowercase name of `type`, e.g. "q4_k".
std::string_view gguf_type_name(GgufType type);

}  // namespace lorag::model::formats
