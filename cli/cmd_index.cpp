// SPDX-License-Identifier: Apache-2.0
// `lorag index add|delete|list|stats`: build and inspect a document store.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/rag_options.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "rag/document.h"

namespace lorag::cli {
namespace {

constexpr const char* kSummary =
    "Builds and inspects a document store: lorag index add|delete|reindex|list|stats --store DIR ...\n"
    "  add PATH...   index .txt/.md/.jsonl files and folders (re-adding a document id replaces it)\n"
    "  delete        remove documents by id (--id, repeatable)\n"
    "  reindex       rebuild the FAISS index with another --index-factory from the stored vectors\n"
    "  list          one JSON line per document\n"
    "  stats         the store's counts and settings as JSON";

// The chunking/index flags the user typed must match an existing store's.
void check_same_config(const rag::StoreConfig& typed, const rag::StoreConfig& stored, const po::variables_map& vm,
                       const std::string& dir) {
  auto check = [&](const char* flag, const auto& a, const auto& b) {
    LORAG_CHECK(!vm.count(flag) || vm[flag].defaulted() || a == b, UsageError, "--", flag, " ", a,
                " differs from the store's ", b, " (", dir, "/manifest.json); chunking and index are fixed when a "
                "store is created: use a new --store");
  };
  check("chunk-size", typed.chunking.chunk_size, stored.chunking.chunk_size);
  check("chunk-overlap", typed.chunking.chunk_overlap, stored.chunking.chunk_overlap);
  check("index-factory", typed.index_factory, stored.index_factory);
}

int run_add(const Args& args) {
  std::string store_dir;
  EmbedderOptions embedder_opts;
  rag::StoreConfig config;
  std::vector<std::string> paths;
  bool json = false;
  po::options_description all;
  all.add(store_options(store_dir)).add(embedder_options(embedder_opts)).add(index_build_options(config));
  po::options_description input("Input");
  input.add_options()
      ("path", po::value(&paths)->value_name("PATH")->composing(), ".txt, .md, .jsonl files or folders (positional)")
      ("json", po::bool_switch(&json), "print the result as JSON");
  all.add(input);
  po::positional_options_description positional;
  positional.add("path", -1);
  po::variables_map vm;
  if (!parse_options(args, all, positional, vm)) {
    print_usage("index add", kSummary, all);
    return 0;
  }
  LORAG_CHECK(!paths.empty(), UsageError, "no files or folders to index (lorag index add --store DIR PATH...)");
  try {
    config.validate();
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
  // Read the documents first: bad input fails before any model loads.
  std::vector<std::filesystem::path> fs_paths(paths.begin(), paths.end());
  const auto documents = rag::load_documents(fs_paths);
  log::info("read ", documents.size(), " documents from ", paths.size(), " path(s)");
  const auto embedder = load_embedder(embedder_opts);
  auto store = rag::DocumentStore::exists(store_dir)
                   ? rag::DocumentStore::open(store_dir, *embedder, rag::DocumentStore::Mode::kWrite)
                   : rag::DocumentStore::create(store_dir, *embedder, config);
  check_same_config(config, store.config(), vm, store_dir);
  const rag::AddResult r = store.add(documents);
  const rag::StoreStats st = store.stats();
  if (json) {
    std::cout << nlohmann::json({{"added", r.added}, {"replaced", r.replaced}, {"unchanged", r.unchanged},
                                 {"chunks_added", r.chunks}, {"documents", st.documents}, {"chunks", st.chunks}})
                     .dump()
              << "\n";
  } else {
    std::cout << "added " << r.added << ", replaced " << r.replaced << ", unchanged " << r.unchanged
              << " documents (" << r.chunks << " chunks embedded); " << store_dir << " holds " << st.documents
              << " documents in " << st.chunks << " chunks\n";
  }
  return 0;
}

int run_delete(const Args& args) {
  std::string store_dir;
  std::vector<std::string> ids;
  po::options_description all;
  all.add(store_options(store_dir));
  po::options_description what("Delete");
  what.add_options()("id", po::value(&ids)->value_name("ID")->composing(), "document id to remove (repeatable)");
  all.add(what);
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("index delete", kSummary, all);
    return 0;
  }
  LORAG_CHECK(!ids.empty(), UsageError, "no --id given (see lorag index list --store ", store_dir, ")");
  // Deleting needs no embedder: the vectors stay as stored.
  auto store = rag::DocumentStore::open(store_dir, rag::DocumentStore::Mode::kWrite);
  for (const auto& id : ids) {
    const int64_t chunks = store.remove(id);
    std::cout << "deleted " << id << " (" << chunks << " chunks)\n";
  }
  return 0;
}

int run_reindex(const Args& args) {
  std::string store_dir;
  std::string factory;
  po::options_description all;
  all.add(store_options(store_dir));
  po::options_description what("Reindex");
  what.add_options()("index-factory", po::value(&factory)->required(),
                     "the new FAISS index_factory string, e.g. Flat, HNSW32, IVF1024,PQ32");
  all.add(what);
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("index reindex", kSummary, all);
    return 0;
  }
  // No embedder needed: the stored vectors are indexed again as they are.
  auto store = rag::DocumentStore::open(store_dir, rag::DocumentStore::Mode::kWrite);
  const std::string before = store.config().index_factory;
  try {
    store.reindex(factory);
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
  std::cout << "reindexed " << store.stats().chunks << " chunks: " << before << " -> " << factory << "\n";
  return 0;
}

int run_inspect(const std::string& sub, const Args& args) {
  std::string store_dir;
  po::options_description all;
  all.add(store_options(store_dir));
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("index " + sub, kSummary, all);
    return 0;
  }
  const auto store = rag::DocumentStore::open(store_dir);
  if (sub == "list") {
    for (const auto& doc : store.list()) std::cout << doc.to_json().dump() << "\n";
  } else {
    std::cout << store.stats().to_json().dump(2) << "\n";
  }
  return 0;
}

}  // namespace

int run_index(const Args& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const Args rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  if (sub == "add") return run_add(rest);
  if (sub == "delete") return run_delete(rest);
  if (sub == "reindex") return run_reindex(rest);
  if (sub == "list" || sub == "stats") return run_inspect(sub, rest);
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << "usage: lorag index add|delete|reindex|list|stats --store DIR [options]\n\n" << kSummary << "\n";
    return 0;
  }
  LORAG_FAIL(UsageError, sub.empty() ? std::string("missing subcommand") : "unknown subcommand '" + sub + "'",
             ": expected add, delete, reindex, list or stats");
}

}  // namespace lorag::cli
