// SPDX-License-Identifier: Apache-2.0
// NFC against Python's unicodedata.normalize("NFC", ...).
#include "model/text/nfc.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace lorag::model::text {
namespace {

TEST(Nfc, MatchesPythonUnicodedata) {
  const auto cases = test::read_json(test::fixture("tokenizers/nfc.json"));
  ASSERT_GT(cases.size(), 10u);
  for (const auto& c : cases) {
    const std::string text = c["text"];
    EXPECT_EQ(to_nfc(text), c["nfc"].get<std::string>()) << c.dump();
  }
}

TEST(Nfc, ComposesCommonSequences) {
  EXPECT_EQ(to_nfc("e\xCC\x81"), "\xC3\xA9");                      // e + U+0301 -> é
  EXPECT_EQ(to_nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "각");  // Hangul jamo
  EXPECT_EQ(to_nfc("already composed é"), "already composed é");
}

}  // namespace
}  // namespace lorag::model::text
