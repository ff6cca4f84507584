// SPDX-License-Identifier: Apache-2.0
// The Qwen3 chat template (thinking tags) against transformers rendering the
// real template (scripts/fixtures/models_qwen3_phi.py), and strip_thinking.
#include <gtest/gtest.h>

#include "model/text/chat_template.h"
#include "tests/test_util.h"

namespace lorag::model::text {
namespace {

using nlohmann::json;

TEST(ChatTemplateQwen3, IsRecognisedAndRendersLikeTransformers) {
  const json ref = test::read_json(test::fixture("chat_templates_qwen3/qwen3.json"));
  const ChatTemplate tpl = ChatTemplate::detect(ref["chat_template"].get<std::string>());
  EXPECT_EQ(tpl.kind(), ChatTemplateKind::kQwen3);
  EXPECT_EQ(tpl.name(), "qwen3");
  EXPECT_EQ(tpl.default_system(), "");
  EXPECT_EQ(tpl.stop_strings(), (std::vector<std::string>{"<|im_end|>", "<|endoftext|>"}));
  SpecialTokens special;
  special.eos_token = "<|im_end|>";
  for (const json& r : ref["renders"]) {
    std::vector<ChatMessage> messages;
    for (const json& m : r["messages"]) messages.push_back({m["role"], m["content"]});
    const bool gen = r["add_generation_prompt"];
    SCOPED_TRACE(r["messages"].dump() + (gen ? " +gen" : ""));
    EXPECT_EQ(tpl.render(messages, gen, special), r["text"].get<std::string>());
  }
  EXPECT_EQ(ChatTemplate::from_name("qwen3").kind(), ChatTemplateKind::kQwen3);
}

TEST(StripThinking, RemovesThinkBlocksAndWhatFollowsThem) {
  EXPECT_EQ(strip_thinking("<think>\nlet me see\n</think>\n\nThe answer is 4."), "The answer is 4.");
  EXPECT_EQ(strip_thinking("<think>\n\n</think>\n\nHi"), "Hi");
  EXPECT_EQ(strip_thinking("A <think>x</think>B<think>y</think>\nC"), "A BC");
  EXPECT_EQ(strip_thinking("no tags at all"), "no tags at all");
  EXPECT_EQ(strip_thinking("<think>still thinking when the budget ran out"), "");
  // DeepSeek-R1 distills: the template opens <think> in the prompt, the answer closes it.
  EXPECT_EQ(strip_thinking("reasoning...\n</think>\n\nFinal."), "Final.");
  EXPECT_EQ(strip_thinking(""), "");
}

}  // namespace
}  // namespace lorag::model::text
