// SPDX-License-Identifier: Apache-2.0
// Bounded request-body parsing.
#include <gtest/gtest.h>

#include "serve/api_error.h"
#include "serve/json_limits.h"

namespace lorag::serve {
namespace {

TEST(JsonLimits, ParseRefusesDeepAndNonObjectBodies) {
  EXPECT_EQ(parse_request_body(R"({"a": [1, {"b": 2}]})", 3)["a"][1]["b"], 2);
  try {
    parse_request_body(std::string(100, '[') + std::string(100, ']'), 64);
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.code, "json_too_deep");
  }
  for (const char* body : {"[1]", "3", "{", "{\"a\": \"\xff\"}"}) {
    try {
      parse_request_body(body, 64);
      FAIL() << "no error for " << body;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.code, "invalid_json") << body;
    }
  }
}

}  // namespace
}  // namespace lorag::serve
