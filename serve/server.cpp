// SPDX-License-Identifier: Apache-2.0
// serve::Server: routes, authentication, limits, access log and lifecycle (serve/).
#include "serve/server.h"

#include <signal.h>
#include <sys/socket.h>

#include <cstdio>
#include <thread>

#include "model/core/serial_thread.h"
#include "serve/api_response.h"
#include "serve/server_impl.h"

namespace lorag::serve {
namespace detail {
namespace {

const ApiKey kAnonymous{"-", "", {}, {}, false};

std::string status_message(int status, const ServerConfig& config) {
  switch (status) {
    case 400: return "malformed HTTP request";
    case 404: return "no such endpoint";
    case 405: return "method not allowed";
    case 413: return "request body is larger than " + std::to_string(config.max_body_bytes) + " bytes";
    case 414: return "request URI is too long";
    default: return "HTTP error " + std::to_string(status);
  }
}

// Runs a handler with the mapping of lorag's exceptions to OpenAI errors.
httplib::Server::Handler guarded(ServerImpl& s, std::function<void(const httplib::Request&, httplib::Response&)> fn) {
  return [&s, fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
    try {
      fn(req, res);
    } catch (const ApiError& e) {
      send_error(res, e);
    } catch (const BackendError& e) {
      send_error(res, api_error_of(e));
    } catch (const std::exception& e) {
      send_error(res, ApiError(500, std::string("internal error: ") + e.what(), "server_error", "", ""));
    }
    if (res.status == 429 || res.status == 503) res.set_header("Retry-After", std::to_string(s.config.retry_after_s));
  };
}

void log_line(ServerImpl& s, const httplib::Request& req, const httplib::Response& res) {
  RequestContext& ctx = request_context();
  s.metrics.count_request(res.status);
  if (s.config.access_log) {
    const double ms = ctx.active ? std::chrono::duration<double, std::milli>(Clock::now() - ctx.start).count() : 0.0;
    // The key's id only: the secret never reaches a log.
    std::fprintf(stderr, "[lorag] serve: %s %s %d key=%s prompt_tokens=%d completion_tokens=%d latency_ms=%.1f\n",
                 req.method.c_str(), req.path.c_str(), res.status,
                 ctx.active && ctx.key ? ctx.key->id.c_str() : "-", ctx.prompt_tokens, ctx.completion_tokens, ms);
  }
  ctx = RequestContext{};
}

// Every endpoint but /health needs a key when keys are configured.
httplib::Server::HandlerResponse authenticate(ServerImpl& s, const httplib::Request& req, httplib::Response& res) {
  RequestContext& ctx = request_context();
  ctx = RequestContext{};
  ctx.active = true;
  ctx.start = Clock::now();
  if (!s.access.enabled() || req.path == "/health") {
    ctx.key = kAnonymous;
    return httplib::Server::HandlerResponse::Unhandled;
  }
  ctx.key = s.access.authenticate(req.get_header_value("Authorization"));
  if (ctx.key) return httplib::Server::HandlerResponse::Unhandled;
  res.set_header("WWW-Authenticate", "Bearer");
  // The body is left unread: the connection cannot be reused.
  res.set_header("Connection", "close");
  send_error(res, ApiError(401, "missing or invalid API key (send 'Authorization: Bearer KEY')",
                           "invalid_request_error", "", "invalid_api_key"));
  return httplib::Server::HandlerResponse::Handled;
}

}  // namespace

RequestContext& request_context() {
  thread_local RequestContext ctx;
  return ctx;
}

bool HttpServer::raise_backlog(int backlog) {
  // Linux lets listen() on a listening socket change its backlog.
  return ::listen(svr_sock_, backlog) == 0;
}

void send_json(httplib::Response& res, const nlohmann::json& body) {
  res.set_content(to_json_text(body), "application/json");
}

void send_error(httplib::Response& res, const ApiError& error) {
  res.status = error.status;
  res.set_content(error_body(error), "application/json");
}

ApiError api_error_of(const BackendError& e) {
  switch (e.kind) {
    case BackendError::Kind::kNotFound: return ApiError(404, e.what(), "invalid_request_error", e.param, "not_found");
    case BackendError::Kind::kInvalid: return ApiError(400, e.what(), "invalid_request_error", e.param, "invalid_value");
    case BackendError::Kind::kUnavailable: return ApiError(503, e.what(), "server_error", e.param, "unavailable");
    case BackendError::Kind::kInternal: break;
  }
  return ApiError(500, e.what(), "server_error", e.param, "");
}

Ticket::Ticket(ServerImpl& server, std::shared_ptr<JobState> state) : server_(server), state_(std::move(state)) {
  std::lock_guard lock(server_.active_mutex);
  server_.active.insert(state_);
}

Ticket::~Ticket() {
  {
    std::lock_guard lock(server_.active_mutex);
    server_.active.erase(state_);
  }
  server_.in_flight.fetch_sub(1);
}

ServerImpl::ServerImpl(Backend& b, AccessControl a, ServerConfig c)
    : backend(b), access(std::move(a)), config(std::move(c)) {}

std::shared_ptr<Ticket> ServerImpl::admit(std::shared_ptr<JobState> state) {
  if (draining) {
    throw ApiError(503, "server is shutting down", "server_error", "", "shutting_down");
  }
  if (in_flight.fetch_add(1) >= config.max_in_flight) {
    in_flight.fetch_sub(1);
    throw ApiError(429, "too many requests in flight (" + std::to_string(config.max_in_flight) +
                            "); retry after " + std::to_string(config.retry_after_s) + " s",
                   "rate_limit_error", "", "queue_full");
  }
  return std::make_shared<Ticket>(*this, std::move(state));
}

void ServerImpl::check_model(const std::string& model, const std::string& kind) {
  const ApiKey& key = *request_context().key;
  if (!key.may_use_model(model)) {
    throw ApiError(403, "API key '" + key.id + "' may not use model '" + model + "'", "permission_error", "model",
                   "model_not_allowed");
  }
  for (const ModelInfo& m : backend.list_models()) {
    const bool fits = kind == "embedding" ? m.kind == "embedding" : m.kind != "embedding";
    if (m.id == model && fits) return;
  }
  throw ApiError(404, "The model '" + model + "' does not exist" +
                          (kind == "embedding" ? " or is not an embedding model" : "") + " (see GET /v1/models)",
                 "invalid_request_error", "model", "model_not_found");
}

void ServerImpl::check_store(const std::string& store) {
  const ApiKey& key = *request_context().key;
  if (!key.may_use_store(store)) {
    throw ApiError(403, "API key '" + key.id + "' may not use store '" + store + "'", "permission_error",
                   "lorag.store", "store_not_allowed");
  }
  for (const std::string& name : backend.list_stores()) {
    if (name == store) return;
  }
  throw ApiError(404, "The store '" + store + "' does not exist", "invalid_request_error", "lorag.store",
                 "store_not_found");
}

}  // namespace detail

using detail::ServerImpl;

Server::Server(Backend& backend, AccessControl access, ServerConfig config)
    : impl_(std::make_unique<ServerImpl>(backend, std::move(access), std::move(config))) {
  ServerImpl& s = *impl_;
  auto& http = s.http;
  const int threads = s.config.http_threads > 0 ? s.config.http_threads : 2 * s.config.max_in_flight + 16;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_payload_max_length(s.config.max_body_bytes);
  http.set_pre_routing_handler([&s](const auto& req, auto& res) {
    run_this_thread_serially();  // embeddings and FAISS on this worker: no OpenMP pool of its own
    return detail::authenticate(s, req, res);
  });
  http.set_logger([&s](const auto& req, const auto& res) { detail::log_line(s, req, res); });
  http.set_error_handler(httplib::Server::HandlerWithResponse([&s](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    detail::send_error(res, ApiError(res.status, detail::status_message(res.status, s.config),
                                     "invalid_request_error", "", res.status == 404 ? "not_found" : ""));
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    detail::send_error(res, ApiError(500, "internal error", "server_error", "", ""));
  });
  http.Get("/health", [&s](const httplib::Request&, httplib::Response& res) {
    if (s.draining) {
      res.status = 503;
      detail::send_json(res, {{"status", "shutting_down"}});
      return;
    }
    detail::send_json(res, {{"status", "ok"}});
  });
  http.Get("/metrics", detail::guarded(s, [&s](const auto&, auto& res) {
    res.set_content(s.metrics.render(s.backend.load(), s.in_flight.load()), "text/plain; version=0.0.4");
  }));
  http.Get("/v1/models", detail::guarded(s, [&s](const auto& req, auto& res) { detail::handle_models(s, req, res); }));
  http.Post("/v1/chat/completions",
            detail::guarded(s, [&s](const auto& req, auto& res) { detail::handle_completion(s, req, res, true); }));
  http.Post("/v1/completions",
            detail::guarded(s, [&s](const auto& req, auto& res) { detail::handle_completion(s, req, res, false); }));
  http.Post("/v1/embeddings",
            detail::guarded(s, [&s](const auto& req, auto& res) { detail::handle_embeddings(s, req, res); }));
  http.Post("/v1/load_lora_adapter",
            detail::guarded(s, [&s](const auto& req, auto& res) { detail::handle_adapter(s, req, res, true); }));
  http.Post("/v1/unload_lora_adapter",
            detail::guarded(s, [&s](const auto& req, auto& res) { detail::handle_adapter(s, req, res, false); }));
}

Server::~Server() { shutdown(); }

int Server::bind() {
  // A client gone mid-answer must fail the write (EPIPE), not kill the process.
  // Process-wide, like every server that writes to sockets.
  ::signal(SIGPIPE, SIG_IGN);
  ServerImpl& s = *impl_;
  int port = s.config.port;
  if (port == 0) {
    port = s.http.bind_to_any_port(s.config.host);
  } else if (!s.http.bind_to_port(s.config.host, port)) {
    port = -1;
  }
  LORAG_CHECK(port > 0, IoError, "serve: cannot listen on ", s.config.host, ":", s.config.port,
              " (hint: is the port in use? --port 0 picks a free one)");
  LORAG_CHECK(s.http.raise_backlog(s.config.listen_backlog), IoError, "serve: cannot set the listen backlog to ",
              s.config.listen_backlog);
  return port;
}

void Server::run() {
  // run() and shutdown() may race (a signal right after start): each announces
  // itself before looking at the other, so one of them always sees the other.
  impl_->run_requested = true;
  if (impl_->draining) return;
  impl_->http.listen_after_bind();
}

void Server::shutdown() {
  ServerImpl& s = *impl_;
  std::lock_guard lock(s.shutdown_mutex);
  if (s.shut_down) return;
  s.shut_down = true;
  s.draining = true;
  const auto deadline = detail::Clock::now() + std::chrono::duration<double>(s.config.shutdown_grace_s);
  while (s.in_flight.load() > 0 && detail::Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  {
    std::lock_guard active_lock(s.active_mutex);
    for (const auto& state : s.active) state->cancel();
  }
  // Cancelled requests answer within one wait tick (100 ms); give them a moment
  // to write their last bytes before the listener and the workers stop.
  const auto cancel_deadline = detail::Clock::now() + std::chrono::seconds(5);
  while (s.in_flight.load() > 0 && detail::Clock::now() < cancel_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (s.run_requested) {
    // stop() only acts on a running listener; wait for run() to get there.
    const auto run_deadline = detail::Clock::now() + std::chrono::seconds(1);
    while (!s.http.is_running() && detail::Clock::now() < run_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  s.http.stop();
}

}  // namespace lorag::serve
