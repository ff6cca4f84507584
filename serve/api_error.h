// SPDX-License-Identifier: Apache-2.0
// OpenAI-style API errors (serve/): what a request did wrong, as an HTTP status
// plus the `{"error": {"message", "type", "param", "code"}}` body fields.
#pragma once

#include <stdexcept>
#include <string>

namespace lorag::serve {

struct ApiError : std::runtime_error {
  ApiError(int http_status, std::string message_text, std::string error_type, std::string param_name,
           std::string error_code)
      : std::runtime_error(message_text),
        status(http_status),
        type(std::move(error_type)),
        param(std::move(param_name)),
        code(std::move(error_code)) {}
  int status;         // e.g. 400
  std::string type;   // e.g. "invalid_request_error"
  std::string param;  // request field, e.g. "temperature"; empty: null
  std::string code;   // e.g. "invalid_value"; empty: null
};

// 400 naming the field: `param` has the wrong type or an out-of-range value.
inline ApiError invalid_param(const std::string& param, const std::string& message,
                              const std::string& code = "invalid_value") {
  return ApiError(400, message, "invalid_request_error", param, code);
}

}  // namespace lorag::serve
