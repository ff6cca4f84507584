// SPDX-License-Identifier: Apache-2.0
// Chat templates: detection of the real model templates and renders equal to
// transformers' apply_chat_template.
#include "model/text/chat_template.h"

#include <gtest/gtest.h>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::model::text {
namespace {

using nlohmann::json;

const std::vector<std::string> kFamilies = {"smollm2", "qwen2_5", "chatml",  "llama2", "llama3",
                                            "mistral", "mistral_v3", "zephyr", "gemma3", "phi3"};

TEST(ChatTemplate, RendersLikeTransformers) {
  for (const std::string& family : kFamilies) {
    const json ref = test::read_json(test::fixture("chat_templates/" + family + ".json"));
    const ChatTemplate tpl = ChatTemplate::from_config_value(ref["chat_template"], family + ".json");
    EXPECT_EQ(tpl.name(), ref["kind"].get<std::string>()) << family;
    SpecialTokens special;
    special.bos_token = ref["bos_token"].is_null() ? "" : ref["bos_token"].get<std::string>();
    special.eos_token = ref["eos_token"].get<std::string>();
    for (const json& r : ref["renders"]) {
      std::vector<ChatMessage> messages;
      for (const json& m : r["messages"]) messages.push_back({m["role"], m["content"]});
      const bool gen = r["add_generation_prompt"];
      SCOPED_TRACE(family + " " + r["messages"].dump() + (gen ? " +gen" : ""));
      if (r["text"].is_null()) {
        EXPECT_THROW(tpl.render(messages, gen, special), UsageError);
      } else {
        EXPECT_EQ(tpl.render(messages, gen, special), r["text"].get<std::string>());
      }
    }
  }
}

TEST(ChatTemplate, ExtractsDefaultSystemPrompt) {
  const json smol = test::read_json(test::fixture("chat_templates/smollm2.json"));
  EXPECT_EQ(ChatTemplate::detect(smol["chat_template"]).default_system(),
            "You are a helpful AI assistant named SmolLM, trained by Hugging Face");
  const json qwen = test::read_json(test::fixture("chat_templates/qwen2_5.json"));
  EXPECT_EQ(ChatTemplate::detect(qwen["chat_template"]).default_system(),
            "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.");
  EXPECT_EQ(ChatTemplate::from_name("chatml").default_system(), "");
}

TEST(ChatTemplate, ModelDirTemplateIsDetected) {
  auto tpl = ChatTemplate::from_model_dir(test::fixture("tokenizers/tiny_bpe"));
  ASSERT_TRUE(tpl.has_value());
  EXPECT_EQ(tpl->kind(), ChatTemplateKind::kChatML);
  auto sp = ChatTemplate::from_model_dir(test::fixture("tokenizers/tiny_sp"));
  ASSERT_TRUE(sp.has_value());
  EXPECT_EQ(sp->kind(), ChatTemplateKind::kLlama2);
  EXPECT_FALSE(ChatTemplate::from_model_dir(test::fixture("tokenizers/gpt2_bpe")).has_value());
}

TEST(ChatTemplate, StopStringsEndTheTurn) {
  EXPECT_EQ(ChatTemplate::from_name("chatml").stop_strings().front(), "<|im_end|>");
  EXPECT_EQ(ChatTemplate::from_name("llama3").stop_strings().front(), "<|eot_id|>");
  EXPECT_EQ(ChatTemplate::from_name("gemma").stop_strings().front(), "<end_of_turn>");
  EXPECT_EQ(ChatTemplate::from_name("phi3").stop_strings().front(), "<|end|>");
  EXPECT_EQ(ChatTemplate::from_name("llama2").stop_strings().front(), "</s>");
}

TEST(ChatTemplate, UnknownNameListsTheAllowedOnes) {
  try {
    ChatTemplate::from_name("vicuna");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown chat template 'vicuna'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("chatml, llama2, llama3, mistral, mistral-v3, zephyr, gemma, phi3"), std::string::npos) << msg;
  }
}

TEST(ChatTemplate, UnrecognisedSourceIsConfigError) {
  try {
    ChatTemplate::detect("{% for m in messages %}{{ m.content }}{% endfor %}");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("chat template not recognised"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ChatTemplate::from_config_value(json::array({{{"name", "tool_use"}, {"template", "x"}}}), "t.json"),
               FormatError);
}

}  // namespace
}  // namespace lorag::model::text
