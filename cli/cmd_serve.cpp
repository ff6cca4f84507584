// SPDX-License-Identifier: Apache-2.0
// `lorag serve`: the OpenAI-compatible HTTP server (serve/) on the inference
// engine, with adapters addressed by name and grounded answers from stores.
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/adapter_options.h"
#include "cli/commands.h"
#include "cli/model_session.h"
#include "cli/rag_options.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "model/core/serial_thread.h"
#include "rag/encoder/sentence_embedder.h"
#include "serve/engine/engine_backend.h"
#include "serve/server.h"
#include "serve/signal_wait.h"

namespace lorag::cli {
namespace {

struct ServeFlags {
  std::string model_name;           // --model-name; empty = the model file's or folder's name
  std::vector<std::string> stores;  // --store NAME=DIR (repeatable)
  std::string api_key, api_key_file;
  bool no_embedder = false;
  bool no_access_log = false;
  size_t max_body_mib = 8;
};

po::options_description server_options(ServeFlags& f, serve::ServerConfig& c) {
  po::options_description d("Server");
  d.add_options()
      ("host", po::value(&c.host)->default_value(c.host), "address to listen on (loopback unless you mean otherwise)")
      ("port", po::value(&c.port)->default_value(c.port), "TCP port; 0 = any free port (printed on stdout)")
      ("model-name", po::value(&f.model_name)->value_name("NAME"),
       "the base model's name in \"model\" (default: the model file's name without .gguf)")
      ("api-key", po::value(&f.api_key)->value_name("KEY"), "one admin key every request must send as Bearer")
      ("api-key-file", po::value(&f.api_key_file)->value_name("FILE.json"),
       "keys with their allowed models/stores and admin flag (see serve/README.md)")
      ("max-in-flight", po::value(&c.max_in_flight)->default_value(c.max_in_flight),
       "generation requests admitted at once (running + queued); more get 429")
      ("max-body-mib", po::value(&f.max_body_mib)->default_value(f.max_body_mib), "larger request bodies get 413")
      ("request-timeout", po::value(&c.request_timeout_s)->default_value(c.request_timeout_s),
       "seconds a generation may run before it is cancelled (504)")
      ("shutdown-grace", po::value(&c.shutdown_grace_s)->default_value(c.shutdown_grace_s),
       "seconds SIGTERM/SIGINT lets running requests finish before cancelling them")
      ("no-access-log", po::bool_switch(&f.no_access_log), "no per-request line on stderr");
  return d;
}

po::options_description rag_serve_options(ServeFlags& f) {
  po::options_description d("Stores and embeddings");
  d.add_options()
      ("store", po::value(&f.stores)->value_name("NAME=DIR")->composing(),
       "a document store (from lorag index) requests may ground answers in (repeatable)")
      ("no-embedder", po::bool_switch(&f.no_embedder), "serve no /v1/embeddings model (and no stores)");
  return d;
}

std::vector<serve::engine::NamedStore> parse_stores(const std::vector<std::string>& specs) {
  std::vector<serve::engine::NamedStore> stores;
  for (const std::string& spec : specs) {
    const auto eq = spec.find('=');
    LORAG_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < spec.size(), UsageError, "--store '", spec,
                "' is not NAME=DIR (e.g. --store kb=stores/kb)");
    stores.push_back({spec.substr(0, eq), spec.substr(eq + 1)});
  }
  return stores;
}

serve::AccessControl access_of(const ServeFlags& f) {
  LORAG_CHECK(f.api_key.empty() || f.api_key_file.empty(), UsageError, "give --api-key or --api-key-file, not both");
  if (!f.api_key.empty()) return serve::AccessControl::single_key(f.api_key);
  if (!f.api_key_file.empty()) return serve::AccessControl::from_file(f.api_key_file);
  return {};
}

std::string model_name(const std::string& path) {
  std::filesystem::path p(path);
  if (p.filename().empty()) p = p.parent_path();
  return p.extension() == ".gguf" ? p.stem().string() : p.filename().string();
}

bool default_embedder_installed() {
  try {
    rag::encoder::default_embedder_path();
    return true;
  } catch (const UsageError& e) {
    log::warn("no /v1/embeddings: ", log::user_message(e));
    return false;
  }
}

}  // namespace

int run_serve(const Args& args) {
  ModelOptions model;
  AdapterOptions adapter;
  EmbedderOptions embedder;
  ServeFlags flags;
  serve::ServerConfig server;
  serve::engine::EngineBackendConfig backend;
  backend.engine.parallel = 4;     // as llama-server's default slots
  backend.engine.ctx_size = 4096;  // per slot, as llama-server's default context; capped at the model's
  po::options_description all;
  all.add(model_options(model)).add(adapter_options(adapter)).add(rag_serve_options(flags));
  all.add(embedder_options(embedder)).add(server_options(flags, server));
  all.add(engine_options(backend.engine, "requests generated together (engine slots), as llama-server's --parallel",
                         "tokens per slot, prompt + output; 0 or more than the model's = the model's context"));
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("serve", "Serves the model, its adapters (by name in \"model\") and grounded answers from stores "
                         "over an OpenAI-compatible HTTP API until SIGTERM/SIGINT.\n\n"
                         "  lorag serve --model M [--adapter NAME=DIR ...] [--store NAME=DIR ...] [--port 8080]",
                all);
    return 0;
  }
  validate_adapter_options(adapter);
  LORAG_CHECK(!adapter.merge, UsageError, "--merge cannot be served: the base model must stay reachable");
  backend.engine.validate();
  LORAG_CHECK(server.port >= 0 && server.port <= 65535, UsageError, "--port ", server.port, " is not in 0..65535");
  LORAG_CHECK(server.max_in_flight >= 1, UsageError, "--max-in-flight must be at least 1, got ", server.max_in_flight);
  LORAG_CHECK(flags.max_body_mib >= 1, UsageError, "--max-body-mib must be at least 1");
  server.max_body_bytes = flags.max_body_mib << 20;
  server.access_log = !flags.no_access_log;
  const auto stores = parse_stores(flags.stores);
  LORAG_CHECK(stores.empty() || !flags.no_embedder, UsageError, "--store needs the embedder (drop --no-embedder)");
  serve::AccessControl access = access_of(flags);
  if (!model.system.empty()) backend.answer.prompt.system = model.system;
  // Before any thread starts (torch's pools, the engine, HTTP): only sigwait sees the signals.
  serve::block_stop_signals();

  // Only the engine's thread may own an OpenMP pool (model/core/serial_thread.h):
  // this thread loads the model and then only waits.
  run_this_thread_serially();
  const std::string path = resolve_model_path(model);
  backend.model_id = flags.model_name.empty() ? model_name(path) : flags.model_name;
  model.model = path;
  auto session = open_session(model);
  load_adapters(session, adapter);
  std::unique_ptr<rag::Embedder> encoder;
  if (!flags.no_embedder) {
    // Without stores the embedder is a convenience: a missing default one only drops /v1/embeddings.
    if (!stores.empty() || !embedder.embedder.empty() || default_embedder_installed()) encoder = load_embedder(embedder);
  }
  serve::engine::EngineBackend engine(std::move(session), std::move(encoder), stores, backend);
  serve::Server http(engine, std::move(access), server);
  const int port = http.bind();
  log::info("serving ", backend.model_id, " on http://", server.host, ":", port, " (", backend.engine.parallel,
            " slots of ", engine.context_length(), " tokens)");
  std::cout << "port " << port << std::endl;  // for scripts started with --port 0
  std::thread runner([&] { http.run(); });
  const int signal = serve::wait_for_stop_signal();
  log::info("signal ", signal, ": stopping (grace ", server.shutdown_grace_s, " s)");
  http.shutdown();
  runner.join();
  return 0;
}

}  // namespace lorag::cli
