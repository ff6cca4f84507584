// SPDX-License-Identifier: Apache-2.0
// UTF-8 helpers: lossy repair as Rust's from_utf8_lossy, incomplete tails.
#include "model/text/utf8.h"

#include <gtest/gtest.h>

namespace lorag::model::text {
namespace {

TEST(Utf8, RepairReplacesMaximalSubparts) {
  EXPECT_EQ(utf8::repair("abc"), "abc");
  EXPECT_EQ(utf8::repair("a\xF0\x9F\x98"), "a\xEF\xBF\xBD");              // one truncated sequence
  EXPECT_EQ(utf8::repair("\xFF\xFE"), "\xEF\xBF\xBD\xEF\xBF\xBD");          // two bad bytes
  EXPECT_EQ(utf8::repair("\xE2\x82x"), "\xEF\xBF\xBDx");                    // truncated then ASCII
  EXPECT_EQ(utf8::repair("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(Utf8, IncompleteTailCountsOnlyCompletablePrefixes) {
  EXPECT_EQ(utf8::incomplete_tail("ab"), 0u);
  EXPECT_EQ(utf8::incomplete_tail("a\xF0\x9F"), 2u);
  EXPECT_EQ(utf8::incomplete_tail("a\xC3"), 1u);
  EXPECT_EQ(utf8::incomplete_tail("\xC3\xA9"), 0u);
  EXPECT_EQ(utf8::incomplete_tail("\xFF"), 0u);
}

}  // namespace
}  // namespace lorag::model::text
