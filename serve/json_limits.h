// SPDX-License-Identifier: Apache-2.0
// Request-body JSON parsing with bounds (serve/).
// The depth pre-scan is lorag's one (`lorag::json_depth`, model/core/json_limits.h).
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lorag::serve {

// Parses a request body that must be a JSON object nested at most `max_depth`
// levels. Throws ApiError 400 ("invalid_json" or "json_too_deep") otherwise;
// invalid UTF-8 inside strings is invalid JSON.
nlohmann::json parse_request_body(std::string_view body, int max_depth);

}  // namespace lorag::serve
