// SPDX-License-Identifier: Apache-2.0
// Error messages as users see them (issue 16): LORAG_CHECK's "[file.cpp:47]"
// suffix is dropped, except at the debug log level; brackets that are part of
// the message (a shape, a list) stay.
#include <gtest/gtest.h>

#include <string>

#include "model/core/error.h"
#include "model/core/log.h"

namespace lorag::test {
namespace {

FormatError checked_error() {
  try {
    LORAG_FAIL(FormatError, "trunc.gguf: array 'tokenizer.ggml.merges' cannot fit");
  } catch (const FormatError& e) {
    return e;
  }
  return FormatError("unreachable");
}

// Restores the log level a test changed.
struct LevelGuard {
  log::Level saved = log::level();
  ~LevelGuard() { log::set_level(saved); }
};

TEST(UserMessage, DropsTheSourceLocationOutsideDebug) {
  LevelGuard guard;
  const FormatError e = checked_error();
  ASSERT_NE(std::string(e.what()).find("user_message_test.cpp:"), std::string::npos)
      << "LORAG_FAIL should name the source line: " << e.what();
  log::set_level(log::Level::kInfo);
  EXPECT_EQ(log::user_message(e), "trunc.gguf: array 'tokenizer.ggml.merges' cannot fit");
  log::set_level(log::Level::kDebug);
  EXPECT_EQ(log::user_message(e), e.what());
}

TEST(UserMessage, KeepsBracketsThatBelongToTheMessage) {
  LevelGuard guard;
  log::set_level(log::Level::kInfo);
  EXPECT_EQ(log::user_message(ShapeError("'lora_B' is [4096, 16]")), "'lora_B' is [4096, 16]");
  EXPECT_EQ(log::user_message(FormatError("expected one of [a:b]")), "expected one of [a:b]");
  EXPECT_EQ(log::user_message(FormatError("")), "");
}

}  // namespace
}  // namespace lorag::test
