// SPDX-License-Identifier: Apache-2.0
// Request-body JSON parsing with bounds (serve/).
// TODO(serve): the robust branch (#18) has landed `lorag::json_depth` in
// model/core/json_limits.h (same contract: depth outside strings, limit + 1 once
// past the limit); after merging main, make json_nesting_depth call it (or drop
// it for it). This local check is the stand-in until then.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lorag::serve {

// Deepest nesting of arrays/objects in `text`, counted without parsing (strings
// and escapes skipped), stopping early once it passes `limit`. Thread-safe.
int json_nesting_depth(std::string_view text, int limit);

// Parses a request body that must be a JSON object nested at most `max_depth`
// levels. Throws ApiError 400 ("invalid_json" or "json_too_deep") otherwise;
// invalid UTF-8 inside strings is invalid JSON.
nlohmann::json parse_request_body(std::string_view body, int max_depth);

}  // namespace lorag::serve
