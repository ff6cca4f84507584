// SPDX-License-Identifier: Apache-2.0
// Internals of serve::Server shared by its .cpp files (serve/); not a public header.
// The only header of lorag that includes cpp-httplib.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <httplib.h>

#include "serve/access_control.h"
#include "serve/api_error.h"
#include "serve/backend.h"
#include "serve/job_state.h"
#include "serve/metrics.h"
#include "serve/server.h"

namespace lorag::serve::detail {

using Clock = std::chrono::steady_clock;

// httplib::Server with access to its listening socket, to raise the backlog that
// Debian's prebuilt libcpp-httplib fixes at 5.
class HttpServer : public httplib::Server {
 public:
  bool raise_backlog(int backlog);
};

// What the access log line and the handlers know about the request running on
// this thread. httplib hands the logger only const request/response objects, and
// runs routing, handler, streaming and logger on one thread, so it is thread_local.
struct RequestContext {
  bool active = false;
  Clock::time_point start;
  std::optional<ApiKey> key;  // the authenticated key (anonymous "-" without keys)
  int prompt_tokens = 0;
  int completion_tokens = 0;
};
RequestContext& request_context();

struct ServerImpl;

// An admitted generation request: counts toward max_in_flight and can be
// cancelled by shutdown(). Released when the response is done.
class Ticket {
 public:
  Ticket(ServerImpl& server, std::shared_ptr<JobState> state);
  ~Ticket();
  const std::shared_ptr<JobState>& state() const { return state_; }

 private:
  ServerImpl& server_;
  std::shared_ptr<JobState> state_;
};

struct ServerImpl {
  ServerImpl(Backend& b, AccessControl a, ServerConfig c);

  Backend& backend;
  const AccessControl access;
  const ServerConfig config;
  Metrics metrics;
  HttpServer http;
  std::atomic<int> in_flight{0};
  std::atomic<bool> draining{false};
  std::atomic<bool> run_requested{false};
  std::mutex active_mutex;
  std::set<std::shared_ptr<JobState>> active;  // for cancel at shutdown
  std::mutex shutdown_mutex;
  bool shut_down = false;

  // Admits a generation request or throws ApiError 503 (shutting down) / 429 (full).
  std::shared_ptr<Ticket> admit(std::shared_ptr<JobState> state);
  // 404 for an unknown model of `kind` ("generate": base or adapter; "embedding"),
  // 403 for one the key may not use.
  void check_model(const std::string& model, const std::string& kind);
  void check_store(const std::string& store);
};

// Route handlers (serve/*_handler.cpp); each throws ApiError or BackendError.
void handle_completion(ServerImpl& s, const httplib::Request& req, httplib::Response& res, bool chat);
void handle_models(ServerImpl& s, const httplib::Request& req, httplib::Response& res);
void handle_embeddings(ServerImpl& s, const httplib::Request& req, httplib::Response& res);
void handle_adapter(ServerImpl& s, const httplib::Request& req, httplib::Response& res, bool load);

// Writes an OpenAI error object with `error.status`.
void send_error(httplib::Response& res, const ApiError& error);
void send_json(httplib::Response& res, const nlohmann::json& body);
// ApiError for a BackendError (404/400/503/500 by kind).
ApiError api_error_of(const BackendError& e);

}  // namespace lorag::serve::detail
