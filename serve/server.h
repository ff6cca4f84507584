// SPDX-License-Identifier: Apache-2.0
// `lorag serve`'s HTTP server (serve/): the OpenAI endpoints over a Backend,
// with API keys, limits, metrics and a graceful stop. HTTP stays behind this
// header (cpp-httplib, see serve/README.md); callers see plain structs.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "serve/access_control.h"
#include "serve/backend.h"

namespace lorag::serve {

struct ServerConfig {
  std::string host = "127.0.0.1";        // bind address; loopback unless asked otherwise
  int port = 8080;                       // 0: any free port (see Server::bind)
  size_t max_body_bytes = 8u << 20;      // larger bodies get 413, e.g. 8 MiB
  int max_json_depth = 64;               // deeper bodies get 400
  int max_in_flight = 64;                // generation requests admitted at once (running + queued); more get 429
  int http_threads = 0;                  // 0: 2 * max_in_flight + 16 (idle keep-alive connections hold one each)
  int listen_backlog = 1024;             // raised from Debian httplib's fixed 5, see serve/README.md
  double request_timeout_s = 600.0;      // a generation running longer is cancelled (504)
  double shutdown_grace_s = 30.0;        // shutdown() lets requests finish this long, then cancels them
  int retry_after_s = 1;                 // Retry-After of 429/503 answers
  bool access_log = true;                // one line per request on stderr
};

namespace detail { struct ServerImpl; }

// One server. `backend` must outlive it. bind() then run() (blocking) on one
// thread; shutdown() from any other thread (e.g. the one waiting for SIGTERM).
class Server {
 public:
  Server(Backend& backend, AccessControl access, ServerConfig config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port and returns the port (the chosen one for port 0). Throws IoError.
  int bind();
  // Serves until shutdown() has finished; returns then.
  void run();
  // Stops admitting new work (503), waits up to the grace period for admitted
  // requests, cancels the rest, then stops the listener. Idempotent, thread-safe.
  void shutdown();

 private:
  std::unique_ptr<detail::ServerImpl> impl_;
};

}  // namespace lorag::serve
