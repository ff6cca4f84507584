// SPDX-License-Identifier: Apache-2.0
#include "cli/rag_options.h"

#include <cmath>

#include "cli/options.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "rag/encoder/sentence_embedder.h"

namespace lorag::cli {

po::options_description store_options(std::string& store) {
  po::options_description d("Store");
  d.add_options()("store", po::value(&store)->value_name("DIR")->required(),
                  "document store folder (manifest.json, chunks-N.h5, index-N.faiss)");
  return d;
}

po::options_description embedder_options(EmbedderOptions& o) {
  po::options_description d("Embedder");
  d.add_options()
      ("embedder", po::value(&o.embedder)->value_name("DIR"),
       "sentence-transformers model folder; default: $LORAG_EMBEDDER or models/all-MiniLM-L6-v2")
      ("embedder-device", po::value(&o.device)->default_value(o.device), "cpu, cuda or cuda:N");
  return d;
}

po::options_description index_build_options(rag::StoreConfig& c) {
  po::options_description d("Chunking and index (fixed when the store is created)");
  d.add_options()
      ("chunk-size", po::value(&c.chunking.chunk_size)->default_value(c.chunking.chunk_size),
       "embedder tokens per chunk at most (capped at the embedder's limit)")
      ("chunk-overlap", po::value(&c.chunking.chunk_overlap)->default_value(c.chunking.chunk_overlap),
       "tokens shared by consecutive chunks")
      ("index-factory", po::value(&c.index_factory)->default_value(c.index_factory),
       "FAISS index_factory string: Flat (exact), HNSW32, IVF256,PQ16, ...");
  return d;
}

po::options_description retrieve_options(RetrieveOptions& o) {
  po::options_description d("Retrieval");
  d.add_options()
      ("top-k", po::value(&o.config.top_k)->default_value(o.config.top_k), "chunks returned at most")
      ("min-score", po::value(&o.config.min_score)->default_value(o.config.min_score, "none"),
       "drop chunks with a cosine score below this, e.g. 0.3")
      ("mmr", po::value(&o.mmr)->value_name("LAMBDA"),
       "diversify with maximal marginal relevance: 1 = relevance only, 0 = diversity only, e.g. 0.5")
      ("fetch-k", po::value(&o.config.fetch_k)->default_value(o.config.fetch_k), "MMR candidates")
      ("filter", po::value(&o.filters)->value_name("KEY=VALUE")->composing(),
       "keep chunks whose metadata field equals VALUE or, for a list (tags), contains it; repeatable (all must match)");
  return d;
}

void finish_retrieve_options(RetrieveOptions& o) {
  o.config.filters.clear();
  for (const auto& f : o.filters) o.config.filters.push_back(rag::MetadataFilter::parse(f));
  if (!std::isnan(o.mmr)) o.config.mmr_lambda = o.mmr;
  try {
    o.config.validate();
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
}

std::unique_ptr<rag::Embedder> load_embedder(const EmbedderOptions& o) {
  const auto path = o.embedder.empty() ? rag::encoder::default_embedder_path() : std::filesystem::path(o.embedder);
  log::info("embedder ", path.string(), " on ", o.device);
  return rag::encoder::load_sentence_embedder(path, o.device);
}

po::options_description rag_generation_options(infer::GenerateConfig& c) {
  po::options_description d("Generation (greedy by default: temperature 0)");
  const auto shared = generation_options(c);  // kept alive: options() returns a reference into it
  for (const auto& option : shared.options()) {
    if (option->long_name() != "top-k") d.add(option);
  }
  d.add_options()("sample-top-k", po::value(&c.top_k)->default_value(c.top_k),
                  "sample from the k most likely tokens; 0 = off");
  return d;
}

}  // namespace lorag::cli
