// SPDX-License-Identifier: Apache-2.0
// Loss masks token by token against transformers (scripts/fixtures/data_masks.py).
#include "data/conversation_encoder.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/core/error.h"
#include "tests/data/data_test_util.h"

namespace lorag::data {
namespace {

std::vector<model::text::ChatMessage> messages_of(const nlohmann::json& j) {
  std::vector<model::text::ChatMessage> out;
  for (const auto& m : j) out.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  return out;
}

TEST(ConversationEncoder, MasksMatchTransformersTokenByToken) {
  const auto cases = test::read_json(test::fixture("data/masks.json"))["cases"];
  ASSERT_GE(cases.size(), 6u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto tokenizer = test::data_tokenizer(c["tokenizer"]);
    const auto tmpl = c["template"] == "raw" ? std::nullopt : test::data_template(c["tokenizer"]);
    const ConversationEncoder encoder(*tokenizer, tmpl, /*train_on_prompt=*/false);
    const LabelledTokens got = encoder.encode(messages_of(c["messages"]));
    const auto want_ids = c["input_ids"].get<std::vector<int64_t>>();
    const auto want_labels = c["labels"].get<std::vector<int64_t>>();
    ASSERT_EQ(got.input_ids.size(), want_ids.size()) << c["text"];
    for (std::size_t t = 0; t < want_ids.size(); ++t) {
      EXPECT_EQ(got.input_ids[t], want_ids[t]) << "token " << t;
      EXPECT_EQ(got.labels[t], want_labels[t]) << "label " << t << " (token " << tokenizer->id_to_token(want_ids[t])
                                               << ")";
    }
    EXPECT_EQ(got.split_tokenized, c["split_tokenized"].get<bool>());
  }
}

TEST(ConversationEncoder, TrainOnPromptLabelsEveryToken) {
  const auto tokenizer = test::data_tokenizer("tiny_bpe");
  const ConversationEncoder encoder(*tokenizer, test::data_template("tiny_bpe"), /*train_on_prompt=*/true);
  const auto got = encoder.encode({{"user", "Hi"}, {"assistant", "Hello"}});
  EXPECT_EQ(got.labels, got.input_ids);
}

TEST(ConversationEncoder, RawTemplateAppendsEosAfterEachResponse) {
  const auto tokenizer = test::data_tokenizer("tiny_bpe");
  const ConversationEncoder encoder(*tokenizer, std::nullopt, false);
  const auto got = encoder.encode({{"user", "Hello"}, {"assistant", " world"}, {"user", " again"},
                                   {"assistant", " there"}});
  const int64_t eos = tokenizer->special_tokens().eos_ids.front();
  EXPECT_EQ(std::count(got.input_ids.begin(), got.input_ids.end(), eos), 2);
  EXPECT_EQ(got.labels.back(), eos);
  EXPECT_EQ(got.labels.front(), kIgnoreIndex);
}

TEST(ConversationEncoder, TemplateThatEndsTurnsWithATokenGetsNoExtraEos) {
  const auto tokenizer = test::data_tokenizer("tiny_bpe");
  const ConversationEncoder encoder(*tokenizer, test::data_template("tiny_bpe"), false);
  const auto got = encoder.encode({{"user", "Hi"}, {"assistant", "Hello"}});
  const int64_t im_end = *tokenizer->token_to_id("<|im_end|>");
  // One <|im_end|> closes the default system, one the user turn, one the answer.
  EXPECT_EQ(std::count(got.input_ids.begin(), got.input_ids.end(), im_end), 3);
}

TEST(ConversationEncoder, RejectedRolesAreAUsageError) {
  const auto tokenizer = test::data_tokenizer("tiny_sp");
  const ConversationEncoder encoder(*tokenizer, test::data_template("tiny_sp"), false);
  EXPECT_THROW(encoder.encode({{"assistant", "first"}, {"user", "second"}, {"assistant", "third"}}), UsageError);
}

}  // namespace
}  // namespace lorag::data
