// SPDX-License-Identifier: Apache-2.0
// Bounded request-body parsing.
#include <gtest/gtest.h>

#include "serve/api_error.h"
#include "serve/json_limits.h"

namespace lorag::serve {
namespace {

TEST(JsonLimits, DepthCountsContainersOutsideStrings) {
  EXPECT_EQ(json_nesting_depth("1", 64), 0);
  EXPECT_EQ(json_nesting_depth("{}", 64), 1);
  EXPECT_EQ(json_nesting_depth(R"({"a": [[{"b": 1}]]})", 64), 4);
  EXPECT_EQ(json_nesting_depth(R"({"a": "[[[[{{{{"})", 64), 1);
  EXPECT_EQ(json_nesting_depth(R"({"a": "\"[[[["})", 64), 1);  // an escaped quote does not end the string
  EXPECT_EQ(json_nesting_depth(std::string(1000, '['), 10), 11);  // stops once past the limit
}

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
