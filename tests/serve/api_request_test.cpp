// SPDX-License-Identifier: Apache-2.0
// Request parsing without HTTP: the defaults of the OpenAI API reference
// (temperature 1, top_p 1, n 1, penalties 0, completions max_tokens 16) and the
// conversions lorag makes (developer -> system, top_k -1 -> off, 5.0 -> 5).
#include <gtest/gtest.h>

#include "serve/api_error.h"
#include "serve/api_request.h"

namespace lorag::serve {
namespace {

using json = nlohmann::json;

TEST(ApiRequest, ChatDefaultsFollowTheOpenAiReference) {
  const auto r = parse_chat_request({{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}});
  EXPECT_TRUE(r.chat);
  EXPECT_EQ(r.model, "m");
  EXPECT_EQ(r.sampling.max_tokens, -1);
  EXPECT_DOUBLE_EQ(r.sampling.temperature, 1.0);
  EXPECT_DOUBLE_EQ(r.sampling.top_p, 1.0);
  EXPECT_EQ(r.sampling.n, 1);
  EXPECT_DOUBLE_EQ(r.sampling.frequency_penalty, 0.0);
  EXPECT_DOUBLE_EQ(r.sampling.presence_penalty, 0.0);
  EXPECT_FALSE(r.sampling.seed.has_value());
  EXPECT_TRUE(r.sampling.stop.empty());
  EXPECT_EQ(r.sampling.top_k, 0);
  EXPECT_DOUBLE_EQ(r.sampling.repetition_penalty, 1.0);
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.include_usage);
  EXPECT_FALSE(r.grounding.has_value());
}

TEST(ApiRequest, NullMeansDefaultAndUnknownFieldsAreIgnored) {
  const auto r = parse_chat_request({{"model", "m"},
                                     {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                                     {"temperature", nullptr},
                                     {"max_tokens", nullptr},
                                     {"tools", json::array()},
                                     {"response_format", {{"type", "text"}}}});
  EXPECT_DOUBLE_EQ(r.sampling.temperature, 1.0);
  EXPECT_EQ(r.sampling.max_tokens, -1);
}

TEST(ApiRequest, CompletionsDefaultToSixteenTokens) {
  const auto r = parse_completion_request({{"model", "m"}, {"prompt", "x"}});
  EXPECT_FALSE(r.chat);
  EXPECT_EQ(r.prompts, std::vector<std::string>{"x"});
  EXPECT_EQ(r.sampling.max_tokens, 16);
}

TEST(ApiRequest, ConversionsAndExtensions) {
  const auto r = parse_chat_request(
      {{"model", "m"},
       {"messages", {{{"role", "developer"}, {"content", "sys"}}, {{"role", "assistant"}, {"content", nullptr}},
                     {{"role", "user"}, {"content", "q"}}}},
       {"top_k", -1},
       {"max_tokens", 5.0},
       {"stream", true},
       {"stream_options", {{"include_usage", true}}},
       {"lorag", {{"store", "kb"}}}});
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].content, "");
  EXPECT_EQ(r.sampling.top_k, 0);
  EXPECT_EQ(r.sampling.max_tokens, 5);
  EXPECT_TRUE(r.include_usage);
  ASSERT_TRUE(r.grounding.has_value());
  EXPECT_EQ(r.grounding->store, "kb");
  EXPECT_EQ(r.grounding->top_k, 4);  // lorag ask's default
  EXPECT_EQ(grounding_query(r), "q");
}

TEST(ApiRequest, ErrorsCarryStatusParamAndCode) {
  try {
    parse_chat_request({{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "x"}}}}, {"n", 129}});
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.param, "n");
    EXPECT_EQ(e.code, "invalid_value");
    EXPECT_NE(std::string(e.what()).find("[1, 128]"), std::string::npos) << e.what();
  }
}

TEST(ApiRequest, EmbeddingAndAdapterBodies) {
  const auto e = parse_embedding_request({{"model", "emb"}, {"input", json::array({"a", "b"})}});
  EXPECT_EQ(e.inputs, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(e.base64);
  const auto a = parse_adapter_request({{"lora_name", "x"}, {"lora_path", "/p"}, {"lora_int_id", 3}}, true);
  EXPECT_EQ(a.lora_name, "x");
  EXPECT_EQ(a.lora_path, "/p");
  EXPECT_THROW(parse_adapter_request({{"lora_name", ""}}, false), ApiError);
}

}  // namespace
}  // namespace lorag::serve
