// SPDX-License-Identifier: Apache-2.0
// `lorag retrieve`: the store's best chunks for a question, with scores and sources.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/rag_options.h"
#include "model/core/error.h"

namespace lorag::cli {

int run_retrieve(const Args& args) {
  std::string store_dir;
  EmbedderOptions embedder_opts;
  RetrieveOptions retrieve;
  std::vector<std::string> words;
  bool json = false;
  po::options_description all;
  all.add(store_options(store_dir)).add(embedder_options(embedder_opts)).add(retrieve_options(retrieve));
  po::options_description output("Query and output");
  output.add_options()
      ("query", po::value(&words)->value_name("TEXT")->composing(), "the question (positional)")
      ("json", po::bool_switch(&json), "one JSON object per hit");
  all.add(output);
  po::positional_options_description positional;
  positional.add("query", -1);
  po::variables_map vm;
  if (!parse_options(args, all, positional, vm)) {
    print_usage("retrieve", "Prints the chunks of a document store closest to a question, best first.", all);
    return 0;
  }
  std::string query;
  for (const auto& w : words) query += (query.empty() ? "" : " ") + w;
  LORAG_CHECK(!query.empty(), UsageError, "no question given (lorag retrieve --store DIR \"question\")");
  finish_retrieve_options(retrieve);
  rag::DocumentStore::embedder_of(store_dir);  // a missing store is reported before the model loads
  const auto embedder = load_embedder(embedder_opts);
  const auto store = rag::DocumentStore::open(store_dir, *embedder);
  const auto hits = store.retrieve(query, retrieve.config);
  int rank = 0;
  for (const auto& h : hits) {
    ++rank;
    const auto& c = h.chunk;
    if (json) {
      std::cout << nlohmann::json({{"rank", rank}, {"score", h.score}, {"id", c.id}, {"doc_id", c.doc_id},
                                   {"title", c.title}, {"source", c.source}, {"chunk_index", c.chunk_index},
                                   {"begin", c.begin}, {"end", c.end}, {"text", c.text}, {"metadata", c.metadata}})
                       .dump()
                << "\n";
    } else {
      std::cout << "[" << rank << "] " << std::fixed << std::setprecision(4) << h.score << "  " << c.title << " ("
                << c.doc_id << " #" << c.chunk_index << ", " << c.source << ", bytes " << c.begin << "-" << c.end
                << ")\n"
                << c.text << "\n\n";
    }
  }
  return 0;
}

}  // namespace lorag::cli
