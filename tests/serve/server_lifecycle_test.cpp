// SPDX-License-Identifier: Apache-2.0
// serve::Server under concurrency and faults: many clients at once, a full
// queue, clients that hang up, the request timeout and the graceful stop.
// Nothing here measures time; delays only make jobs overlap.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "tests/serve/serve_test_util.h"

namespace lorag::serve::test {
namespace {

using json = nlohmann::json;

json chat_body(const std::string& model = "tiny-base", bool stream = false) {
  return {{"model", model}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"stream", stream}};
}

// Waits (bounded) until `cond` holds; false if it never did.
template <typename Cond>
bool eventually(Cond cond, int tries = 500) {
  for (int i = 0; i < tries; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

TEST(ServeLifecycle, ConcurrentStreamingClientsOnTwoAdaptersEachGetTheirOwnAnswer) {
  ServerConfig config;
  config.max_in_flight = 64;
  TestServer server(config);
  server.backend.token_delay_ms = 2;
  constexpr int kClients = 64;
  std::vector<std::future<std::pair<int, std::string>>> results;
  for (int i = 0; i < kClients; ++i) {
    results.push_back(std::async(std::launch::async, [&server, i] {
      const std::string model = i % 2 ? "math" : "tiny-base";
      auto r = server.post("/v1/chat/completions", chat_body(model, i % 4 < 2));
      if (!r) return std::make_pair(-1, std::string());
      std::string text;
      if (i % 4 < 2) {
        for (const auto& e : sse_payloads(r->body)) {
          if (e.is_object() && e["choices"][0]["delta"].contains("content")) {
            text += e["choices"][0]["delta"]["content"].get<std::string>();
          }
        }
      } else {
        text = json::parse(r->body)["choices"][0]["message"]["content"];
      }
      return std::make_pair(r->status, text);
    }));
  }
  for (int i = 0; i < kClients; ++i) {
    const auto [status, text] = results[i].get();
    EXPECT_EQ(status, 200) << "client " << i;
    EXPECT_EQ(text, fake_text(i % 2 ? "math" : "tiny-base", 0, 5)) << "client " << i;
  }
  EXPECT_TRUE(server.backend.wait_idle(5000));
  EXPECT_EQ(server.backend.jobs_started, kClients);
  EXPECT_EQ(server.backend.jobs_cancelled, 0);
}

TEST(ServeLifecycle, FullQueueAnswers429WithRetryAfter) {
  ServerConfig config;
  config.max_in_flight = 2;
  config.retry_after_s = 3;
  TestServer server(config);
  server.backend.hold = true;
  auto a = std::async(std::launch::async, [&] { return server.post("/v1/chat/completions", chat_body())->status; });
  auto b = std::async(std::launch::async, [&] { return server.post("/v1/chat/completions", chat_body())->status; });
  ASSERT_TRUE(eventually([&] { return server.backend.jobs_started == 2; }));
  auto r = server.post("/v1/chat/completions", chat_body());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("Retry-After"), "3");
  EXPECT_EQ(error_of_body(r->body)["code"], "queue_full");
  server.backend.hold = false;
  EXPECT_EQ(a.get(), 200);
  EXPECT_EQ(b.get(), 200);
  EXPECT_EQ(server.post("/v1/chat/completions", chat_body())->status, 200);  // the slots came back
}

TEST(ServeLifecycle, ClientThatHangsUpMidStreamCancelsItsJob) {
  TestServer server;
  server.backend.eos_after = 1000000;
  server.backend.context_length = 2000000;
  server.backend.token_delay_ms = 1;
  json body = chat_body("tiny-base", true);
  body["max_tokens"] = 1000000;
  // Read the first bytes of the stream, then close the socket.
  const std::string head = raw_exchange(server.port, raw_post("/v1/chat/completions", body.dump()), 600, 5000);
  EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
  ASSERT_TRUE(eventually([&] { return server.backend.jobs_running == 0; }));
  EXPECT_EQ(server.backend.jobs_cancelled, 1);
}

TEST(ServeLifecycle, ClientThatHangsUpBeforeTheAnswerCancelsItsJob) {
  TestServer server;
  server.backend.hold = true;
  // Non-streaming: the client sends its request and closes at once.
  raw_exchange(server.port, raw_post("/v1/chat/completions", chat_body().dump()), 1, 100);
  ASSERT_TRUE(eventually([&] { return server.backend.jobs_started == 1; }));
  ASSERT_TRUE(eventually([&] { return server.backend.jobs_running == 0; }));
  EXPECT_EQ(server.backend.jobs_cancelled, 1);
}

TEST(ServeLifecycle, RequestTimeoutCancelsAndAnswers504) {
  ServerConfig config;
  config.request_timeout_s = 0.3;
  TestServer server(config);
  server.backend.hold = true;
  auto r = server.post("/v1/chat/completions", chat_body());
  EXPECT_EQ(r->status, 504);
  EXPECT_EQ(error_of_body(r->body)["code"], "request_timeout");
  auto s = server.post("/v1/chat/completions", chat_body("tiny-base", true));
  ASSERT_EQ(s->status, 200);  // the stream had started: the error comes as an event
  const auto events = sse_payloads(s->body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2]["error"]["code"], "request_timeout");
  EXPECT_EQ(events.back(), "[DONE]");
  EXPECT_TRUE(eventually([&] { return server.backend.jobs_running == 0; }));
  EXPECT_EQ(server.backend.jobs_cancelled, 2);
}

TEST(ServeLifecycle, ShutdownLetsRunningRequestsFinishWithinTheGrace) {
  ServerConfig config;
  config.shutdown_grace_s = 30;
  TestServer server(config);
  server.backend.token_delay_ms = 20;
  auto a = std::async(std::launch::async, [&] { return server.post("/v1/chat/completions", chat_body()); });
  ASSERT_TRUE(eventually([&] { return server.backend.jobs_started == 1; }));
  auto stopper = std::async(std::launch::async, [&] { server.shutdown(); });
  auto r = a.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["choices"][0]["message"]["content"], fake_text("tiny-base", 0, 5));
  stopper.get();
  EXPECT_EQ(server.backend.jobs_cancelled, 0);
}

TEST(ServeLifecycle, ShutdownCancelsWhatOutlivesTheGraceAndRefusesNewWork) {
  ServerConfig config;
  config.shutdown_grace_s = 0.5;
  TestServer server(config);
  server.backend.hold = true;
  auto a = std::async(std::launch::async, [&] { return server.post("/v1/chat/completions", chat_body()); });
  ASSERT_TRUE(eventually([&] { return server.backend.jobs_started == 1; }));
  auto stopper = std::async(std::launch::async, [&] { server.shutdown(); });
  // While draining: /health says so and new generations get 503.
  ASSERT_TRUE(eventually([&] {
    auto h = server.client()->Get("/health");
    return h && h->status == 503;
  }));
  auto refused = server.post("/v1/chat/completions", chat_body());
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(error_of_body(refused->body)["code"], "shutting_down");
  auto r = a.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  stopper.get();
  EXPECT_EQ(server.backend.jobs_cancelled, 1);
}

TEST(ServeLifecycle, ShutdownEndsAStreamThatOutlivesTheGraceWithAnErrorEvent) {
  ServerConfig config;
  config.shutdown_grace_s = 0.3;
  TestServer server(config);
  server.backend.hold = true;
  auto a = std::async(std::launch::async, [&] { return server.post("/v1/chat/completions", chat_body("tiny-base", true)); });
  ASSERT_TRUE(eventually([&] { return server.backend.jobs_started == 1; }));
  server.shutdown();
  auto r = a.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const auto events = sse_payloads(r->body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2]["error"]["code"], "shutting_down");
  EXPECT_EQ(events.back(), "[DONE]");
  EXPECT_EQ(server.backend.jobs_cancelled, 1);
}

}  // namespace
}  // namespace lorag::serve::test
