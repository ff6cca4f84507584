// SPDX-License-Identifier: Apache-2.0
// Bounded request-body parsing (serve/).
#include "serve/json_limits.h"

#include "model/core/json_limits.h"
#include "serve/api_error.h"

namespace lorag::serve {

nlohmann::json parse_request_body(std::string_view body, int max_depth) {
  // nlohmann parses iteratively but destroys values recursively: a body of a
  // million '[' would overflow the stack on destruction, so depth is checked first.
  if (json_depth(body, max_depth) > max_depth) {
    throw ApiError(400, "request body is nested deeper than " + std::to_string(max_depth) + " levels",
                   "invalid_request_error", "", "json_too_deep");
  }
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::exception& e) {
    throw ApiError(400, std::string("request body is not valid JSON: ") + e.what(),
                   "invalid_request_error", "", "invalid_json");
  }
  if (!value.is_object()) {
    throw ApiError(400, std::string("request body must be a JSON object, got ") + value.type_name(),
                   "invalid_request_error", "", "invalid_json");
  }
  return value;
}

}  // namespace lorag::serve
