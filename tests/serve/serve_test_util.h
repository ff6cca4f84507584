// SPDX-License-Identifier: Apache-2.0
// A real serve::Server on 127.0.0.1 (ephemeral port) over the fake backend, and
// small HTTP helpers for the server tests.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "serve/server.h"
#include "tests/serve/fake_backend.h"

namespace lorag::serve::test {

class TestServer {
 public:
  explicit TestServer(ServerConfig config = {}, AccessControl access = {});
  ~TestServer();

  FakeBackend backend;
  int port = 0;
  // A client with short timeouts; `key` adds "Authorization: Bearer key".
  std::unique_ptr<httplib::Client> client(const std::string& key = "") const;
  // POST of a JSON body; the result must exist (the test fails otherwise).
  httplib::Result post(const std::string& path, const nlohmann::json& body, const std::string& key = "") const;
  // Shuts down (what ~TestServer does), for tests of the shutdown itself.
  void shutdown();

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

// The OpenAI error object of a response body: {"message", "type", "param", "code"}.
nlohmann::json error_of_body(const std::string& body);

// The JSON payloads of the "data: " lines of an SSE body, "[DONE]" as a string.
std::vector<nlohmann::json> sse_payloads(const std::string& body);

// A raw TCP exchange: sends `request` bytes, reads until the peer closes or
// `max_bytes` arrived or `timeout_ms` passed, then closes. For malformed HTTP
// and for clients that hang up early.
std::string raw_exchange(int port, const std::string& request, size_t max_bytes = 1 << 20, int timeout_ms = 5000);

// "POST path HTTP/1.1" with a JSON content type and the given body and Content-Length.
std::string raw_post(const std::string& path, const std::string& body, const std::string& key = "");

}  // namespace lorag::serve::test
