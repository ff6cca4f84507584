// SPDX-License-Identifier: Apache-2.0
#include "infer/stop_string_filter.h"

#include <gtest/gtest.h>

namespace lorag::infer {
namespace {

TEST(StopStringFilter, CutsAtStopStringSplitAcrossPieces) {
  StopStringFilter f({"\n\nUser:"});
  std::string shown;
  for (const char* piece : {"Hello", " world\n", "\nUs"}) shown += f.push(piece);  // in order
  EXPECT_EQ(shown, "Hello world");  // "\n\nUs" is held back: it may become the stop string
  EXPECT_FALSE(f.stopped());
  shown += f.push("er: more");
  EXPECT_TRUE(f.stopped());
  EXPECT_EQ(shown, "Hello world");
  EXPECT_EQ(f.push("ignored"), "");
}

TEST(StopStringFilter, ReleasesHeldTextWhenItDoesNotBecomeAStop) {
  StopStringFilter f({"END"});
  EXPECT_EQ(f.push("the EN"), "the ");
  EXPECT_EQ(f.push("D-less"), "");  // "END" completes: stop
  EXPECT_TRUE(f.stopped());

  StopStringFilter g({"END"});
  EXPECT_EQ(g.push("the EN"), "the ");
  EXPECT_EQ(g.push("gine"), "ENgine");
  EXPECT_EQ(g.flush(), "");
}

TEST(StopStringFilter, EarliestOfSeveralStopsWins) {
  StopStringFilter f({"b", "a"});
  EXPECT_EQ(f.push("xxabyy"), "xx");
}

TEST(StopStringFilter, FlushReturnsHeldTail) {
  StopStringFilter f({"###"});
  EXPECT_EQ(f.push("done #"), "done ");
  EXPECT_EQ(f.flush(), "#");
}

}  // namespace
}  // namespace lorag::infer
