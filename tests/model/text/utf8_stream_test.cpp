// SPDX-License-Identifier: Apache-2.0
// Streaming detokenization equals a full decode, for every fixture tokenizer.
#include <gtest/gtest.h>

#include "model/text/utf8.h"
#include "model/text/utf8_stream.h"
#include "tests/test_util.h"

namespace lorag::model::text {
namespace {

using nlohmann::json;

std::string stream(const Tokenizer& tok, const std::vector<int64_t>& ids, bool skip) {
  Utf8StreamDecoder dec(tok, skip);
  std::string out;
  for (int64_t id : ids) {
    const std::string piece = dec.push(id);
    EXPECT_EQ(utf8::incomplete_tail(piece), 0u) << "a pushed piece ends mid-character";
    out += piece;
  }
  return out + dec.flush();
}

TEST(Utf8StreamDecoder, StreamedTextEqualsDecode) {
  const json ref = test::read_json(test::fixture("tokenizers/reference.json"));
  for (const auto& [name, r] : ref.items()) {
    auto tok = load_tokenizer(test::fixture("tokenizers/" + name));
    std::vector<std::vector<int64_t>> cases;
    for (const json& c : r["encode"]) cases.push_back(c["ids_special"].get<std::vector<int64_t>>());
    for (const json& c : r["decode"]) cases.push_back(c["ids"].get<std::vector<int64_t>>());
    for (const auto& ids : cases) {
      for (bool skip : {false, true}) {
        SCOPED_TRACE(name + " ids=" + json(ids).dump() + (skip ? " skip" : ""));
        EXPECT_EQ(stream(*tok, ids, skip), tok->decode(ids, skip));
      }
    }
  }
}

TEST(Utf8StreamDecoder, HoldsBackSplitCharacters) {
  auto tok = load_tokenizer(test::fixture("tokenizers/tiny_sp"));
  // "\U0001D518" is not in the tiny model: it becomes four <0xXX> byte tokens.
  const auto ids = tok->encode("a\U0001D518b", false);
  ASSERT_EQ(tok->id_to_token(ids[1]), "<0xF0>");
  Utf8StreamDecoder dec(*tok, true);
  EXPECT_EQ(dec.push(ids[0]), "a");
  for (std::size_t i = 1; i < 5; ++i) EXPECT_EQ(dec.push(ids[i]), "") << i;
  std::string rest;
  for (std::size_t i = 5; i < ids.size(); ++i) rest += dec.push(ids[i]);
  EXPECT_EQ(rest + dec.flush(), "\U0001D518b");
}

TEST(Utf8StreamDecoder, FlushRepairsATruncatedSequence) {
  auto tok = load_tokenizer(test::fixture("tokenizers/tiny_sp"));
  const auto all = tok->encode("a\U0001D518", false);
  const std::vector<int64_t> ids(all.begin(), all.end() - 1);  // drop the last byte
  Utf8StreamDecoder dec(*tok, true);
  std::string out;
  for (int64_t id : ids) out += dec.push(id);
  EXPECT_EQ(out, "a");
  out += dec.flush();
  EXPECT_EQ(out, tok->decode(ids, true));
  EXPECT_EQ(out, "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace lorag::model::text
