// SPDX-License-Identifier: Apache-2.0
// Test server and HTTP helpers.
#include "tests/serve/serve_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace lorag::serve::test {

TestServer::TestServer(ServerConfig config, AccessControl access) {
  config.host = "127.0.0.1";
  config.port = 0;
  config.access_log = false;
  server_ = std::make_unique<Server>(backend, std::move(access), config);
  port = server_->bind();
  thread_ = std::thread([this] { server_->run(); });
}

TestServer::~TestServer() {
  backend.hold = false;  // a test that failed half-way may have left jobs held
  shutdown();
}

void TestServer::shutdown() {
  if (!server_) return;
  server_->shutdown();
  thread_.join();
  server_.reset();
}

std::unique_ptr<httplib::Client> TestServer::client(const std::string& key) const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(20, 0);
  c->set_write_timeout(5, 0);
  if (!key.empty()) c->set_bearer_token_auth(key);
  return c;
}

httplib::Result TestServer::post(const std::string& path, const nlohmann::json& body, const std::string& key) const {
  auto c = client(key);
  auto r = c->Post(path, body.dump(), "application/json");
  EXPECT_TRUE(r) << "no response from " << path << ": " << httplib::to_string(r.error());
  return r;
}

nlohmann::json error_of_body(const std::string& body) {
  const auto j = nlohmann::json::parse(body);
  EXPECT_TRUE(j.contains("error")) << body;
  const auto& e = j.at("error");
  for (const char* key : {"message", "type", "param", "code"}) EXPECT_TRUE(e.contains(key)) << key << " in " << body;
  EXPECT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty()) << body;
  return e;
}

std::vector<nlohmann::json> sse_payloads(const std::string& body) {
  std::vector<nlohmann::json> out;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const size_t end = body.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated event in " << body;
    if (end == std::string::npos) break;
    const std::string payload = body.substr(pos + 6, end - pos - 6);
    out.push_back(payload == "[DONE]" ? nlohmann::json("[DONE]") : nlohmann::json::parse(payload));
    pos = end + 2;
  }
  return out;
}

std::string raw_exchange(int port, const std::string& request, size_t max_bytes, int timeout_ms) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    ADD_FAILURE() << "cannot connect to port " << port;
    return "";
  }
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (413): read what it said
    sent += static_cast<size_t>(n);
  }
  std::string response;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  while (response.size() < max_bytes && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return response;
}

std::string raw_post(const std::string& path, const std::string& body, const std::string& key) {
  std::string r = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  if (!key.empty()) r += "Authorization: Bearer " + key + "\r\n";
  r += "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

}  // namespace lorag::serve::test
