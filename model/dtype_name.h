// SPDX-License-Identifier: Apache-2.0
// The one parser of dtype names (model/): lorag's short names and the ones
// transformers writes into config.json ("torch_dtype").
#pragma once

#include <c10/core/ScalarType.h>

#include <optional>
#include <string_view>

namespace lorag::model {

// fp32/float32, bf16/bfloat16, fp16/float16 → the dtype; nullopt for any other
// name (callers name their flag or field in the error).
std::optional<c10::ScalarType> dtype_from_name(std::string_view name);

}  // namespace lorag::model
