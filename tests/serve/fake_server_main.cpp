// SPDX-License-Identifier: Apache-2.0
// serve_fake_server: the real HTTP server over the fake backend, as a process,
// for the Python tests (openai package, SIGTERM). Prints "port N" on stdout once
// it listens; stops gracefully on SIGTERM/SIGINT and exits 0.
//   serve_fake_server [--api-key-file F] [--token-delay-ms N] [--eos-after N]
//                     [--grace S] [--max-in-flight N] [--backlog N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "serve/server.h"
#include "serve/signal_wait.h"
#include "tests/serve/fake_backend.h"

int main(int argc, char** argv) {
  using namespace lorag::serve;
  block_stop_signals();  // before any thread, so only sigwait sees them
  ServerConfig config;
  config.port = 0;
  AccessControl access;
  test::FakeBackend backend;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--api-key-file") access = AccessControl::from_file(value);
    else if (flag == "--token-delay-ms") backend.token_delay_ms = std::atoi(value);
    else if (flag == "--eos-after") backend.eos_after = std::atoi(value);
    else if (flag == "--grace") config.shutdown_grace_s = std::atof(value);
    else if (flag == "--max-in-flight") config.max_in_flight = std::atoi(value);
    else if (flag == "--backlog") config.listen_backlog = std::atoi(value);
    else {
      std::cerr << "serve_fake_server: unknown flag " << flag << "\n";
      return 2;
    }
  }
  Server server(backend, std::move(access), config);
  const int port = server.bind();
  std::thread runner([&] { server.run(); });
  std::cout << "port " << port << std::endl;
  const int sig = wait_for_stop_signal();
  std::cerr << "[lorag] serve: signal " << sig << ", stopping\n";
  server.shutdown();
  runner.join();
  return 0;
}
