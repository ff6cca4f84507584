// SPDX-License-Identifier: Apache-2.0
// Every error path of serve::Server by status and OpenAI error body, API keys,
// and a fuzz-ish loop of malformed bodies after which the server still answers.
#include <gtest/gtest.h>

#include "tests/serve/serve_test_util.h"

namespace lorag::serve::test {
namespace {

using json = nlohmann::json;

json chat_body() {
  return {{"model", "tiny-base"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
}

// POSTs `body` (a patch over a valid chat body) and checks the 400 names `param`.
void expect_bad_param(const TestServer& server, const json& patch, const std::string& param,
                      const std::string& code = "") {
  json body = chat_body();
  body.merge_patch(patch);
  auto r = server.post("/v1/chat/completions", body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << patch << " -> " << r->body;
  const json e = error_of_body(r->body);
  EXPECT_EQ(e["type"], "invalid_request_error") << r->body;
  EXPECT_EQ(e["param"], param) << patch << " -> " << r->body;
  if (!code.empty()) {
    EXPECT_EQ(e["code"], code) << r->body;
  }
}

TEST(ServeErrors, WrongTypesAndRangesNameTheParam) {
  TestServer server;
  expect_bad_param(server, {{"model", 3}}, "model", "invalid_type");
  expect_bad_param(server, {{"messages", "hi"}}, "messages", "invalid_type");
  expect_bad_param(server, {{"messages", json::array()}}, "messages");
  expect_bad_param(server, {{"messages", {{{"role", "robot"}, {"content", "x"}}}}}, "messages[0].role");
  expect_bad_param(server, {{"messages", {{{"role", "user"}}}}}, "messages[0].content", "missing_required_parameter");
  expect_bad_param(server, {{"messages", {{{"role", "user"}, {"content", {{{"type", "image_url"}}}}}}}},
                   "messages[0].content[0].type");
  expect_bad_param(server, {{"temperature", 2.5}}, "temperature", "invalid_value");
  expect_bad_param(server, {{"temperature", "hot"}}, "temperature", "invalid_type");
  expect_bad_param(server, {{"top_p", 1.5}}, "top_p");
  expect_bad_param(server, {{"top_p", -0.1}}, "top_p");
  expect_bad_param(server, {{"frequency_penalty", -2.1}}, "frequency_penalty");
  expect_bad_param(server, {{"presence_penalty", 3}}, "presence_penalty");
  expect_bad_param(server, {{"n", 0}}, "n");
  expect_bad_param(server, {{"n", 1.5}}, "n", "invalid_type");
  expect_bad_param(server, {{"max_tokens", 0}}, "max_tokens");
  expect_bad_param(server, {{"max_tokens", -5}}, "max_tokens");
  expect_bad_param(server, {{"max_completion_tokens", "ten"}}, "max_completion_tokens");
  expect_bad_param(server, {{"stop", 7}}, "stop");
  expect_bad_param(server, {{"stop", json::array({"a", 1})}}, "stop[1]");
  expect_bad_param(server, {{"seed", "x"}}, "seed");
  expect_bad_param(server, {{"stream", "yes"}}, "stream");
  expect_bad_param(server, {{"stream_options", {{"include_usage", true}}}}, "stream_options");
  expect_bad_param(server, {{"stream", true}, {"stream_options", {{"include_usage", 1}}}}, "stream_options.include_usage");
  expect_bad_param(server, {{"top_k", -2}}, "top_k");
  expect_bad_param(server, {{"min_p", 1.5}}, "min_p");
  expect_bad_param(server, {{"repetition_penalty", 0}}, "repetition_penalty");
  expect_bad_param(server, {{"lorag", "kb"}}, "lorag");
  expect_bad_param(server, {{"lorag", {{"top_k", 3}}}}, "lorag.store");
  expect_bad_param(server, {{"lorag", {{"store", "kb"}, {"top_k", 0}}}}, "lorag.top_k");
}

TEST(ServeErrors, MissingModelAndUnknownModel) {
  TestServer server;
  json body = chat_body();
  body.erase("model");
  auto r = server.post("/v1/chat/completions", body);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_of_body(r->body)["code"], "missing_required_parameter");

  body["model"] = "gpt-4";
  r = server.post("/v1/chat/completions", body);
  EXPECT_EQ(r->status, 404);
  const json e = error_of_body(r->body);
  EXPECT_EQ(e["param"], "model");
  EXPECT_EQ(e["code"], "model_not_found");

  body["model"] = "fake-embed";  // an embedder does not generate
  EXPECT_EQ(server.post("/v1/chat/completions", body)->status, 404);
  r = server.post("/v1/embeddings", {{"model", "tiny-base"}, {"input", "x"}});
  EXPECT_EQ(r->status, 404);
}

TEST(ServeErrors, CompletionPromptOfTokenIdsIsRefused) {
  TestServer server;
  auto r = server.post("/v1/completions", {{"model", "tiny-base"}, {"prompt", json::array({1, 2, 3})}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_of_body(r->body)["param"], "prompt");
  r = server.post("/v1/completions", {{"model", "tiny-base"}});
  EXPECT_EQ(r->status, 400);
}

TEST(ServeErrors, EmbeddingInputsAreValidated) {
  TestServer server;
  for (const json& patch : {json{{"input", 5}}, json{{"input", ""}}, json{{"input", json::array()}},
                            json{{"encoding_format", "int8"}}}) {
    json body = {{"model", "fake-embed"}, {"input", "x"}};
    body.merge_patch(patch);
    auto r = server.post("/v1/embeddings", body);
    EXPECT_EQ(r->status, 400) << patch;
    EXPECT_TRUE(error_of_body(r->body)["param"].is_string()) << r->body;
  }
}

TEST(ServeErrors, PromptOverTheContextGivesTheNumbers) {
  TestServer server;
  server.backend.context_length = 10;
  json body = chat_body();
  body["max_tokens"] = 9;  // 2 prompt tokens + 9 > 10
  auto r = server.post("/v1/chat/completions", body);
  ASSERT_EQ(r->status, 400);
  json e = error_of_body(r->body);
  EXPECT_EQ(e["code"], "context_length_exceeded");
  EXPECT_EQ(e["param"], "messages");
  EXPECT_NE(e["message"].get<std::string>().find("maximum context length is 10 tokens"), std::string::npos);
  EXPECT_NE(e["message"].get<std::string>().find("11 tokens (2 in the messages, 9 in the completion)"),
            std::string::npos) << e["message"];

  body.erase("max_tokens");
  body["messages"][0]["content"] = "a b c d e f g h i j";
  r = server.post("/v1/chat/completions", body);
  ASSERT_EQ(r->status, 400);
  EXPECT_NE(error_of_body(r->body)["message"].get<std::string>().find("11 tokens in the messages"), std::string::npos);
  EXPECT_EQ(server.backend.jobs_started, 0);  // refused before any job started
}

TEST(ServeErrors, UnknownStoreAndUnknownRoute) {
  TestServer server;
  json body = chat_body();
  body["lorag"] = {{"store", "nope"}};
  auto r = server.post("/v1/chat/completions", body);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(error_of_body(r->body)["param"], "lorag.store");

  auto g = server.client()->Get("/v1/nothing");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->status, 404);
  EXPECT_EQ(error_of_body(g->body)["code"], "not_found");
}

TEST(ServeErrors, BodyOverTheLimitIs413) {
  ServerConfig config;
  config.max_body_bytes = 1024;
  TestServer server(config);
  json body = chat_body();
  body["messages"][0]["content"] = std::string(4096, 'a');
  const std::string reply = raw_exchange(server.port, raw_post("/v1/chat/completions", body.dump()));
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 200);
  const std::string payload = reply.substr(reply.find("\r\n\r\n") + 4);
  EXPECT_NE(error_of_body(payload)["message"].get<std::string>().find("1024 bytes"), std::string::npos);
  EXPECT_EQ(server.client()->Get("/health")->status, 200);
}

TEST(ServeErrors, MalformedBodiesGet400AndTheServerKeepsAnswering) {
  TestServer server;
  const std::string valid = chat_body().dump();
  std::vector<std::string> bodies = {
      "", "{", "}", "[]", "null", "42", "\"model\"", "{\"model\":", valid.substr(0, valid.size() / 2),
      "{\"model\": \"tiny-base\", \"messages\": [{\"role\": \"user\", \"content\": \"\xff\xfe\"}]}",  // invalid UTF-8
      "{\"model\": \"tiny-base\", \"messages\": [{\"role\": \"user\", \"content\": \"\xc3\"}]}",       // cut code point
      "{\"model\": \"tiny-base\", \"max_tokens\": 1e400, \"messages\": []}",
      "{\"model\": \"tiny-base\", \"max_tokens\": 99999999999999999999999, \"messages\": [{\"role\":\"user\",\"content\":\"x\"}]}",
      "{\"model\": \"tiny-base\", \"temperature\": -1e308, \"messages\": [{\"role\":\"user\",\"content\":\"x\"}]}",
      "{\"model\": \"tiny-base\", \"n\": 18446744073709551615, \"messages\": [{\"role\":\"user\",\"content\":\"x\"}]}",
      "{\"model\": \"tiny-base\", \"messages\": [{\"role\":\"user\",\"content\":\"x\"}], \"seed\": 1e30}",
      std::string(100000, '[') + std::string(100000, ']'),
      "{\"a\":" + std::string(5000, '{') + std::string(5000, '}') + "}",
      std::string("{\"model\":\"tiny-base\"\0}", 22),
  };
  // Every cut of a valid body, and single-byte corruptions of it.
  for (size_t cut = 1; cut < valid.size(); cut += 7) bodies.push_back(valid.substr(0, cut));
  for (size_t i = 0; i < valid.size(); i += 5) {
    std::string b = valid;
    b[i] = static_cast<char>(b[i] ^ 0x5a);
    bodies.push_back(b);
  }
  for (const std::string& body : bodies) {
    for (const char* path : {"/v1/chat/completions", "/v1/completions", "/v1/embeddings"}) {
      auto c = server.client();
      auto r = c->Post(path, body, "application/json");
      ASSERT_TRUE(r) << path << " " << body.substr(0, 80);
      // A corruption can still be valid JSON with another meaning; never a crash or a 5xx.
      EXPECT_LT(r->status, 500) << path << " " << body.substr(0, 80) << " -> " << r->body;
      if (r->status != 200) error_of_body(r->body);
    }
  }
  auto r = server.post("/v1/chat/completions", chat_body());
  EXPECT_EQ(r->status, 200);
}

TEST(ServeErrors, MalformedHttpDoesNotStopTheServer) {
  TestServer server;
  for (const std::string& request :
       {std::string("GARBAGE\r\n\r\n"), std::string("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 99\r\n\r\n{"),
        std::string("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
        std::string("GET /") + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n", std::string("\x00\x01\x02", 3)}) {
    raw_exchange(server.port, request, 1 << 16, 300);
  }
  EXPECT_EQ(server.client()->Get("/health")->status, 200);
}

AccessControl two_keys() {
  return AccessControl::from_json_text(R"({"keys": [
      {"id": "ops", "key": "sk-ops-0123456789", "admin": true},
      {"id": "alice", "key": "sk-alice-abcdef", "models": ["tiny-base", "fake-embed"], "stores": ["kb"]}]})",
                                       "test");
}

TEST(ServeErrors, EveryEndpointButHealthNeedsAKey) {
  TestServer server({}, two_keys());
  EXPECT_EQ(server.client()->Get("/health")->status, 200);
  for (const char* path : {"/v1/models", "/metrics"}) {
    auto r = server.client()->Get(path);
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(error_of_body(r->body)["code"], "invalid_api_key");
    EXPECT_EQ(server.client("sk-wrong")->Get(path)->status, 401) << path;
    EXPECT_EQ(server.client("sk-ops-012345678")->Get(path)->status, 401) << path;  // a prefix is not the key
    EXPECT_EQ(server.client("sk-ops-0123456789")->Get(path)->status, 200) << path;
  }
  for (const char* path : {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/load_lora_adapter",
                           "/v1/unload_lora_adapter", "/v1/nothing"}) {
    EXPECT_EQ(server.post(path, chat_body())->status, 401) << path;
  }
  EXPECT_EQ(server.post("/v1/chat/completions", chat_body(), "sk-alice-abcdef")->status, 200);
}

TEST(ServeErrors, KeysAreLimitedToTheirModelsAndStores) {
  TestServer server({}, two_keys());
  const std::string alice = "sk-alice-abcdef";
  json body = chat_body();
  body["model"] = "math";
  auto r = server.post("/v1/chat/completions", body, alice);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(error_of_body(r->body)["code"], "model_not_allowed");
  EXPECT_EQ(server.post("/v1/chat/completions", body, "sk-ops-0123456789")->status, 200);

  body["model"] = "tiny-base";
  body["lorag"] = {{"store", "secret"}};
  r = server.post("/v1/chat/completions", body, alice);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(error_of_body(r->body)["param"], "lorag.store");
  body["lorag"] = {{"store", "kb"}};
  EXPECT_EQ(server.post("/v1/chat/completions", body, alice)->status, 200);

  // A key lists only the models it may use.
  auto m = server.client(alice)->Get("/v1/models");
  const json data = json::parse(m->body)["data"];
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0]["id"], "tiny-base");
  EXPECT_EQ(data[1]["id"], "fake-embed");
}

TEST(ServeErrors, AdapterLoadingIsAdminOnly) {
  TestServer server({}, two_keys());
  const json load = {{"lora_name", "sql"}, {"lora_path", "/adapters/sql"}};
  auto r = server.post("/v1/load_lora_adapter", load, "sk-alice-abcdef");
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(error_of_body(r->body)["code"], "admin_required");

  const std::string ops = "sk-ops-0123456789";
  r = server.post("/v1/load_lora_adapter", load, ops);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "Success: LoRA adapter 'sql' added successfully.");
  json body = chat_body();
  body["model"] = "sql";
  EXPECT_EQ(server.post("/v1/chat/completions", body, ops)->status, 200);

  r = server.post("/v1/load_lora_adapter", load, ops);  // vLLM: 400 when the name is taken
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_of_body(r->body)["param"], "lora_name");
  r = server.post("/v1/load_lora_adapter", {{"lora_name", "x"}, {"lora_path", "/missing"}}, ops);
  EXPECT_EQ(r->status, 400);
  r = server.post("/v1/load_lora_adapter", {{"lora_name", "x"}}, ops);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_of_body(r->body)["param"], "lora_path");

  r = server.post("/v1/unload_lora_adapter", {{"lora_name", "sql"}}, ops);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "Success: LoRA adapter 'sql' removed successfully.");
  r = server.post("/v1/unload_lora_adapter", {{"lora_name", "sql"}}, ops);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(server.post("/v1/chat/completions", body, ops)->status, 404);
}

TEST(ServeErrors, WithoutKeysAdapterLoadingIsRefused) {
  TestServer server;
  auto r = server.post("/v1/load_lora_adapter", {{"lora_name", "sql"}, {"lora_path", "/a"}});
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(error_of_body(r->body)["message"].get<std::string>().find("--api-key"), std::string::npos);
}

}  // namespace
}  // namespace lorag::serve::test
