// SPDX-License-Identifier: Apache-2.0
// Every endpoint of serve::Server over real HTTP on loopback, with the fake
// backend; shapes as the OpenAI API reference gives them (the openai Python
// package checks them again in openai_client_test.py).
#include <gtest/gtest.h>

#include "serve/api_response.h"
#include "tests/serve/serve_test_util.h"

namespace lorag::serve::test {
namespace {

using json = nlohmann::json;

json chat_body(const std::string& model, const std::string& text) {
  return {{"model", model}, {"messages", {{{"role", "user"}, {"content", text}}}}, {"temperature", 0}};
}

TEST(ServeEndpoints, HealthAnswersOk) {
  TestServer server;
  auto r = server.client()->Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body), json({{"status", "ok"}}));
}

TEST(ServeEndpoints, ModelsListBaseAdaptersAndEmbedder) {
  TestServer server;
  auto r = server.client()->Get("/v1/models");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), 3u);
  EXPECT_EQ(j["data"][0]["id"], "tiny-base");
  EXPECT_EQ(j["data"][0]["object"], "model");
  EXPECT_EQ(j["data"][0]["owned_by"], "lorag");
  EXPECT_EQ(j["data"][1]["id"], "math");
  EXPECT_EQ(j["data"][1]["parent"], "tiny-base");
  EXPECT_EQ(j["data"][2]["id"], "fake-embed");
}

TEST(ServeEndpoints, ChatCompletionHasTheOpenAiShape) {
  TestServer server;
  auto r = server.post("/v1/chat/completions", chat_body("tiny-base", "hello there"));
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_TRUE(j["created"].is_number_integer());
  EXPECT_EQ(j["model"], "tiny-base");
  ASSERT_EQ(j["choices"].size(), 1u);
  EXPECT_EQ(j["choices"][0]["index"], 0);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], fake_text("tiny-base", 0, 5));
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  // 2 words + 1 template token; 5 generated.
  EXPECT_EQ(j["usage"], json({{"prompt_tokens", 3}, {"completion_tokens", 5}, {"total_tokens", 8}}));
  EXPECT_FALSE(j.contains("lorag"));
}

TEST(ServeEndpoints, AdapterIsAddressedByItsName) {
  TestServer server;
  auto r = server.post("/v1/chat/completions", chat_body("math", "1+1"));
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["choices"][0]["message"]["content"], fake_text("math", 0, 5));
  EXPECT_EQ(server.backend.last_job().model, "math");
}

TEST(ServeEndpoints, SamplingFieldsReachTheBackend) {
  TestServer server;
  json body = chat_body("tiny-base", "hi");
  body.update({{"max_completion_tokens", 3}, {"max_tokens", 9}, {"temperature", 0.7}, {"top_p", 0.9},
               {"stop", json::array({"w9", "w8"})}, {"seed", -42}, {"frequency_penalty", 0.5}, {"presence_penalty", -0.5},
               {"top_k", 40}, {"min_p", 0.05}, {"repetition_penalty", 1.1}, {"n", 2}, {"user", "ignored"},
               {"logit_bias", {{"50256", -100}}}});
  auto r = server.post("/v1/chat/completions", body);
  ASSERT_EQ(r->status, 200) << r->body;
  const SamplingParams s = server.backend.last_job().sampling;
  EXPECT_EQ(s.max_tokens, 3);  // max_completion_tokens wins over max_tokens
  EXPECT_DOUBLE_EQ(s.temperature, 0.7);
  EXPECT_DOUBLE_EQ(s.top_p, 0.9);
  EXPECT_EQ(s.stop, (std::vector<std::string>{"w9", "w8"}));
  EXPECT_EQ(s.seed, -42);
  EXPECT_DOUBLE_EQ(s.frequency_penalty, 0.5);
  EXPECT_DOUBLE_EQ(s.presence_penalty, -0.5);
  EXPECT_EQ(s.top_k, 40);
  EXPECT_DOUBLE_EQ(s.min_p, 0.05);
  EXPECT_DOUBLE_EQ(s.repetition_penalty, 1.1);
  const json j = json::parse(r->body);
  ASSERT_EQ(j["choices"].size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(j["choices"][i]["index"], i);
    EXPECT_EQ(j["choices"][i]["message"]["content"], fake_text("tiny-base", i, 3));
    EXPECT_EQ(j["choices"][i]["finish_reason"], "length");
  }
  EXPECT_EQ(j["usage"]["prompt_tokens"], 2);  // counted once for n choices
  EXPECT_EQ(j["usage"]["completion_tokens"], 6);
}

TEST(ServeEndpoints, StopStringEndsWithStop) {
  TestServer server;
  json body = chat_body("tiny-base", "hi");
  body["stop"] = "w3";
  auto r = server.post("/v1/chat/completions", body);
  ASSERT_EQ(r->status, 200);
  const json j = json::parse(r->body);
  EXPECT_EQ(j["choices"][0]["message"]["content"], fake_text("tiny-base", 0, 3));
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
}

TEST(ServeEndpoints, ContentPartsAndDeveloperRoleAreAccepted) {
  TestServer server;
  json body = {{"model", "tiny-base"},
               {"messages", {{{"role", "developer"}, {"content", "be brief"}},
                             {{"role", "user"}, {"content", {{{"type", "text"}, {"text", "part one"}},
                                                             {{"type", "text"}, {"text", "part two"}}}}}}}};
  auto r = server.post("/v1/chat/completions", body);
  ASSERT_EQ(r->status, 200) << r->body;
  const GenerationJob job = server.backend.last_job();
  ASSERT_EQ(job.messages.size(), 2u);
  EXPECT_EQ(job.messages[0].role, "system");
  EXPECT_EQ(job.messages[1].content, "part one\npart two");
}

TEST(ServeEndpoints, ChatStreamSendsChunksThenDone) {
  TestServer server;
  json body = chat_body("tiny-base", "hi");
  body["stream"] = true;
  auto r = server.post("/v1/chat/completions", body);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  const auto events = sse_payloads(r->body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "[DONE]");
  EXPECT_EQ(events[0]["object"], "chat.completion.chunk");
  EXPECT_EQ(events[0]["choices"][0]["delta"], json({{"role", "assistant"}, {"content", ""}}));
  EXPECT_FALSE(events[0].contains("usage"));  // only with stream_options.include_usage
  std::string text;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i]["id"], events[0]["id"]);
    const auto& c = events[i]["choices"][0];
    if (c["delta"].contains("content")) text += c["delta"]["content"].get<std::string>();
  }
  EXPECT_EQ(text, fake_text("tiny-base", 0, 5));
  const auto& last = events[events.size() - 2]["choices"][0];
  EXPECT_EQ(last["finish_reason"], "stop");
  EXPECT_EQ(last["delta"], json::object());
}

TEST(ServeEndpoints, StreamIncludeUsageAddsAFinalUsageChunk) {
  TestServer server;
  json body = chat_body("tiny-base", "hi");
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  auto r = server.post("/v1/chat/completions", body);
  ASSERT_EQ(r->status, 200);
  const auto events = sse_payloads(r->body);
  ASSERT_GE(events.size(), 3u);
  const json& usage = events[events.size() - 2];
  EXPECT_EQ(usage["choices"], json::array());
  EXPECT_EQ(usage["usage"], json({{"prompt_tokens", 2}, {"completion_tokens", 5}, {"total_tokens", 7}}));
  for (size_t i = 0; i + 2 < events.size(); ++i) {
    EXPECT_TRUE(events[i].contains("usage") && events[i]["usage"].is_null()) << events[i];
  }
}

TEST(ServeEndpoints, CompletionsAnswerEachPromptWithNChoices) {
  TestServer server;
  json body = {{"model", "tiny-base"}, {"prompt", json::array({"one two", "three"})}, {"n", 2}, {"max_tokens", 2}};
  auto r = server.post("/v1/completions", body);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["id"].get<std::string>().rfind("cmpl-", 0), 0u);
  ASSERT_EQ(j["choices"].size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(j["choices"][i]["index"], i);
    EXPECT_EQ(j["choices"][i]["text"], fake_text("tiny-base", i % 2, 2));
    EXPECT_EQ(j["choices"][i]["finish_reason"], "length");
  }
  EXPECT_EQ(j["usage"]["prompt_tokens"], 3);  // 2 + 1 words over the two prompts
  EXPECT_EQ(j["usage"]["completion_tokens"], 8);
}

TEST(ServeEndpoints, CompletionsDefaultToSixteenTokens) {
  TestServer server;
  server.backend.eos_after = 100;
  auto r = server.post("/v1/completions", {{"model", "tiny-base"}, {"prompt", "x"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["usage"]["completion_tokens"], 16);  // OpenAI's legacy default
}

TEST(ServeEndpoints, CompletionsStreamAsTextCompletionChunks) {
  TestServer server;
  auto r = server.post("/v1/completions", {{"model", "math"}, {"prompt", "x"}, {"stream", true}});
  ASSERT_EQ(r->status, 200);
  const auto events = sse_payloads(r->body);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i]["object"], "text_completion");
    text += events[i]["choices"][0]["text"].get<std::string>();
  }
  EXPECT_EQ(text, fake_text("math", 0, 5));
}

TEST(ServeEndpoints, GroundedAnswerCarriesNumberedSources) {
  TestServer server;
  json body = chat_body("math", "how many days of annual leave");
  body["lorag"] = {{"store", "kb"}, {"top_k", 2}};
  auto r = server.post("/v1/chat/completions", body);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  const json& sources = j["lorag"]["sources"];
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0]["index"], 1);
  EXPECT_EQ(sources[0]["doc_id"], "hr/leave.md");
  EXPECT_EQ(sources[0]["title"], "leave.md");
  EXPECT_DOUBLE_EQ(sources[0]["score"].get<double>(), 0.9);
  EXPECT_EQ(sources[1]["doc_id"], "hr/sick.md");
  EXPECT_EQ(j["choices"][0]["message"]["content"], fake_text("math", 0, 5, true));
  const GenerationJob job = server.backend.last_job();
  ASSERT_EQ(job.sources.size(), 2u);  // the passages go to the backend for the prompt
  EXPECT_EQ(job.sources[0].text, "annual leave is 25 days per year");
}

TEST(ServeEndpoints, GroundedStreamSendsSourcesFirst) {
  TestServer server;
  json body = chat_body("tiny-base", "vpn login");
  body.update({{"stream", true}, {"lorag", {{"store", "kb"}}}});
  auto r = server.post("/v1/chat/completions", body);
  ASSERT_EQ(r->status, 200);
  const auto events = sse_payloads(r->body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0]["lorag"]["sources"][0]["doc_id"], "it/vpn.md");
}

TEST(ServeEndpoints, EmbeddingsAsFloatsAndBase64) {
  TestServer server;
  auto r = server.post("/v1/embeddings", {{"model", "fake-embed"}, {"input", json::array({"alpha beta", "gamma"})}});
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["model"], "fake-embed");
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][1]["object"], "embedding");
  EXPECT_EQ(j["data"][1]["index"], 1);
  EXPECT_EQ(j["data"][0]["embedding"].get<std::vector<float>>(), FakeBackend::fake_embedding("alpha beta"));
  EXPECT_EQ(j["usage"], json({{"prompt_tokens", 3}, {"total_tokens", 3}}));

  auto b = server.post("/v1/embeddings", {{"model", "fake-embed"}, {"input", "gamma"}, {"encoding_format", "base64"}});
  ASSERT_EQ(b->status, 200);
  const auto v = FakeBackend::fake_embedding("gamma");
  EXPECT_EQ(json::parse(b->body)["data"][0]["embedding"], base64_encode(v.data(), v.size() * sizeof(float)));
}

TEST(ServeEndpoints, Base64MatchesRfc4648Vectors) {
  // RFC 4648 section 10 test vectors.
  const std::pair<const char*, const char*> cases[] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [in, out] : cases) EXPECT_EQ(base64_encode(in, std::strlen(in)), out) << in;
}

TEST(ServeEndpoints, MetricsCountRequestsTokensAndLatencies) {
  TestServer server;
  server.post("/v1/chat/completions", chat_body("tiny-base", "hi"));
  server.post("/v1/chat/completions", {{"model", 3}});
  // The access log (which counts statuses) runs after the answer is sent: ask again until it has.
  std::string m;
  for (int i = 0; i < 100 && m.find("status=\"400\"") == std::string::npos; ++i) {
    auto r = server.client()->Get("/metrics");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4");
    m = r->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // The chat answer and the earlier /metrics polls are the 200s.
  EXPECT_NE(m.find("lorag_requests_total{status=\"200\"} "), std::string::npos) << m;
  EXPECT_NE(m.find("lorag_requests_total{status=\"400\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("lorag_prompt_tokens_total 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("lorag_generation_tokens_total 5\n"), std::string::npos) << m;
  EXPECT_NE(m.find("lorag_time_to_first_token_seconds_count 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("lorag_inter_token_latency_seconds_count 4\n"), std::string::npos) << m;  // 5 deltas, 4 gaps
  EXPECT_NE(m.find("lorag_slots_busy 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("lorag_queue_length 0\n"), std::string::npos) << m;
}

}  // namespace
}  // namespace lorag::serve::test
