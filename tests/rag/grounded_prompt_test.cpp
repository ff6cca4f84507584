// SPDX-License-Identifier: Apache-2.0
// Grounded prompts: the exact text sent to a model, so a wording or template
// change is noticed.
#include "rag/grounded_prompt.h"

#include <gtest/gtest.h>

#include "model/text/chat_template.h"
#include "tests/test_util.h"

namespace lorag::rag {
namespace {

Hit make_hit(const std::string& doc, const std::string& title, const std::string& text, float score) {
  Hit h;
  h.chunk.doc_id = doc;
  h.chunk.title = title;
  h.chunk.text = text;
  h.score = score;
  return h;
}

std::vector<Hit> two_hits() {
  return {make_hit("hr/leave", "Leave policy", "Staff get 25 days of leave.\n", 0.8f),
          make_hit("hr/pay", "", "  Pay day is the 25th.", 0.5f)};
}

TEST(GroundedPrompt, UserMessageNumbersPassagesInRankOrder) {
  const auto text = grounded_user_message(" How many days of leave? ", two_hits(), {});
  EXPECT_EQ(text,
            "Context:\n\n"
            "[1] Leave policy (hr/leave)\nStaff get 25 days of leave.\n\n"
            "[2] hr/pay\nPay day is the 25th.\n\n"
            "Question: How many days of leave?");
}

TEST(GroundedPrompt, NoTitlesGivesNumbersAlone) {
  GroundedPromptConfig config;
  config.show_titles = false;
  EXPECT_EQ(format_passage(3, two_hits()[0], config), "[3]\nStaff get 25 days of leave.");
}

TEST(GroundedPrompt, NoHitsSaysSo) {
  EXPECT_EQ(grounded_user_message("Q?", {}, {}), "Context:\n\n(no passages were found)\n\nQuestion: Q?");
}

TEST(GroundedPrompt, SystemTellsToAnswerOnlyFromContextAndCite) {
  const auto messages = grounded_messages("Q?", two_hits(), {});
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].role, "system");
  EXPECT_EQ(messages[1].role, "user");
  EXPECT_NE(messages[0].content.find("only the numbered context"), std::string::npos);
  EXPECT_NE(messages[0].content.find("[1]"), std::string::npos);
  EXPECT_NE(messages[0].content.find("do not have enough information"), std::string::npos);
  GroundedPromptConfig custom;
  custom.system = "Be brief.";
  EXPECT_EQ(grounded_messages("Q?", {}, custom)[0].content, "Be brief.");
}

// The whole prompt through a ChatML template (the tiny chat_bpe model's), character for character.
TEST(GroundedPrompt, ChatTemplateRenderingIsExact) {
  const auto tmpl = model::text::ChatTemplate::from_model_dir(test::fixture("models/chat_bpe"));
  ASSERT_TRUE(tmpl.has_value());
  GroundedPromptConfig config;
  config.system = "Answer from the context.";
  const auto text = tmpl->render(grounded_messages("When is pay day?", two_hits(), config), true, {});
  EXPECT_EQ(text,
            "<|im_start|>system\nAnswer from the context.<|im_end|>\n"
            "<|im_start|>user\nContext:\n\n"
            "[1] Leave policy (hr/leave)\nStaff get 25 days of leave.\n\n"
            "[2] hr/pay\nPay day is the 25th.\n\n"
            "Question: When is pay day?<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(GroundedPrompt, PlainPromptEndsWithAnswerCue) {
  GroundedPromptConfig config;
  config.system = "Answer from the context.";
  EXPECT_EQ(grounded_plain_prompt("When?", {two_hits()[1]}, config),
            "Answer from the context.\n\nContext:\n\n[1] hr/pay\nPay day is the 25th.\n\nQuestion: When?\nAnswer:");
}

}  // namespace
}  // namespace lorag::rag
