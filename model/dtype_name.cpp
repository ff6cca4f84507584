// SPDX-License-Identifier: Apache-2.0
#include "model/dtype_name.h"

namespace lorag::model {

std::optional<c10::ScalarType> dtype_from_name(std::string_view name) {
  if (name == "fp32" || name == "float32") return c10::kFloat;
  if (name == "bf16" || name == "bfloat16") return c10::kBFloat16;
  if (name == "fp16" || name == "float16") return c10::kHalf;
  return std::nullopt;
}

}  // namespace lorag::model
