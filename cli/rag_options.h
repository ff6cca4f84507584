// SPDX-License-Identifier: Apache-2.0
// Option groups for the RAG commands (cli/): the store, the embedder, chunking
// and indexing, retrieval. `lorag index`, `lorag retrieve` and `lorag ask` share them.
#pragma once

#include <boost/program_options.hpp>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "infer/generate_config.h"
#include "rag/document_store.h"
#include "rag/embedder.h"
#include "rag/retrieve_config.h"

namespace lorag::cli {

namespace po = boost::program_options;

struct EmbedderOptions {
  std::string embedder;        // sentence-transformers folder; empty = models/all-MiniLM-L6-v2
  std::string device = "cpu";  // "cpu", "cuda", "cuda:1"
};

struct RetrieveOptions {
  rag::RetrieveConfig config;        // filled by finish_retrieve_options
  float mmr = std::numeric_limits<float>::quiet_NaN();  // --mmr LAMBDA; NaN = off
  std::vector<std::string> filters;  // --filter key=value (repeatable)
};

// --store DIR (required).
po::options_description store_options(std::string& store);
// --embedder DIR, --embedder-device.
po::options_description embedder_options(EmbedderOptions& options);
// --chunk-size, --chunk-overlap, --index-factory.
po::options_description index_build_options(rag::StoreConfig& config);
// --top-k, --min-score, --mmr, --fetch-k, --filter.
po::options_description retrieve_options(RetrieveOptions& options);
// The generation group with sampling's --top-k renamed --sample-top-k: in the
// RAG commands --top-k counts passages, as in LangChain's retriever.
po::options_description rag_generation_options(infer::GenerateConfig& config);
// Moves --mmr and --filter into options.config and validates it; throws
// UsageError naming the flag.
void finish_retrieve_options(RetrieveOptions& options);

// Loads the sentence embedder (the default one when none is given).
std::unique_ptr<rag::Embedder> load_embedder(const EmbedderOptions& options);

}  // namespace lorag::cli
