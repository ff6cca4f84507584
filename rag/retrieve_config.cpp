// SPDX-License-Identifier: Apache-2.0
#include "rag/retrieve_config.h"

#include "model/core/error.h"

namespace lorag::rag {
namespace {

bool value_matches(const nlohmann::json& field, const std::string& value) {
  if (field.is_string()) return field.get_ref<const std::string&>() == value;
  if (field.is_array()) {
    for (const auto& item : field) {
      if (value_matches(item, value)) return true;
    }
    return false;
  }
  if (field.is_null() || field.is_object()) return false;
  return field.dump() == value;  // numbers and booleans by their JSON text
}

}  // namespace

MetadataFilter MetadataFilter::parse(const std::string& text) {
  const std::size_t eq = text.find('=');
  LORAG_CHECK(eq != std::string::npos && eq > 0, UsageError, "filter '", text,
              "' is not key=value (e.g. tags=hr or author=Ann)");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

bool MetadataFilter::matches(const Chunk& chunk) const {
  if (key == "doc_id" || key == "id") return chunk.doc_id == value;
  if (key == "title") return chunk.title == value;
  if (key == "source") return chunk.source == value;
  const auto it = chunk.metadata.find(key);
  return it != chunk.metadata.end() && value_matches(*it, value);
}

void RetrieveConfig::validate() const {
  LORAG_CHECK(top_k >= 1, ConfigError, "top_k is ", top_k, ", expected at least 1");
  LORAG_CHECK(fetch_k >= 1, ConfigError, "fetch_k is ", fetch_k, ", expected at least 1");
  if (mmr_lambda) {
    LORAG_CHECK(*mmr_lambda >= 0 && *mmr_lambda <= 1, ConfigError, "mmr lambda is ", *mmr_lambda,
                ", expected a value in [0, 1] (1 = relevance only, 0 = diversity only)");
  }
}

}  // namespace lorag::rag
