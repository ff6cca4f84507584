// SPDX-License-Identifier: Apache-2.0
// sentence-transformers' Pooling (rag/encoder/), following Pooling.forward.
#include "rag/encoder/pooling.h"

#include <torch/torch.h>

#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "model/text/json_field.h"

namespace lorag::rag::encoder {
namespace {
// Legacy boolean keys and the mode each turns on, in sentence-transformers' order.
constexpr std::pair<const char*, const char*> kLegacyModes[] = {
    {"pooling_mode_cls_token", "cls"},
    {"pooling_mode_max_tokens", "max"},
    {"pooling_mode_mean_tokens", "mean"},
    {"pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"},
    {"pooling_mode_weightedmean_tokens", "weightedmean"},
    {"pooling_mode_lasttoken", "lasttoken"},
};

bool known_mode(const std::string& mode) {
  for (const auto& [key, name] : kLegacyModes) {
    if (mode == name) return true;
  }
  return false;
}
}  // namespace

PoolingConfig read_pooling_config(const std::filesystem::path& path) {
  LORAG_CHECK(std::filesystem::is_regular_file(path), IoError, path.string(),
              ": no such file (modules.json lists a Pooling module here)");
  const auto json = read_json_file(path);
  const model::text::JsonPlace place{path.string(), ""};
  PoolingConfig c;
  const char* dim_key = json.contains("embedding_dimension") ? "embedding_dimension" : "word_embedding_dimension";
  c.embedding_dimension = model::text::json_int_or(json, dim_key, place, 0);
  LORAG_CHECK(c.embedding_dimension > 0, FormatError, place.child(dim_key).describe(), " is ",
              c.embedding_dimension, ", expected the encoder's hidden size (e.g. 384)");
  c.modes.clear();
  if (json.contains("pooling_mode")) {
    const auto& mode = json["pooling_mode"];
    const auto at = place.child("pooling_mode");
    LORAG_CHECK(mode.is_string() || mode.is_array(), FormatError, at.describe(), " is ", mode.dump(),
                ", expected a mode name or a list of them");
    if (mode.is_string()) {
      c.modes.push_back(mode.get<std::string>());
    } else {
      for (std::size_t i = 0; i < mode.size(); ++i) {
        LORAG_CHECK(mode[i].is_string(), FormatError, at.index(i).describe(), " is not a string");
        c.modes.push_back(mode[i].get<std::string>());
      }
    }
  } else {
    for (const auto& [key, name] : kLegacyModes) {
      if (model::text::json_bool_or(json, key, place, false)) c.modes.emplace_back(name);
    }
  }
  LORAG_CHECK(!c.modes.empty(), ConfigError, path.string(),
              ": no pooling mode is set (expected pooling_mode or a true pooling_mode_* field)");
  for (const auto& mode : c.modes) {
    LORAG_CHECK(known_mode(mode), ConfigError, place.child("pooling_mode").describe(), " has '", mode,
                "', expected cls, max, mean, mean_sqrt_len_tokens, weightedmean or lasttoken");
  }
  return c;
}

at::Tensor pool(const PoolingConfig& config, const at::Tensor& hidden, const at::Tensor& mask) {
  LORAG_CHECK(hidden.size(2) == config.embedding_dimension, ShapeError, "pooling: token embeddings have ",
              hidden.size(2), " dimensions, 1_Pooling/config.json says ", config.embedding_dimension);
  const auto m = mask.unsqueeze(-1).to(hidden.scalar_type());  // [B, T, 1]
  at::Tensor sum, count;                                       // shared by the mean variants
  std::vector<at::Tensor> parts;
  for (const auto& mode : config.modes) {
    if (mode == "cls") {
      parts.push_back(hidden.select(1, 0));  // [B, C]; padding is on the right
    } else if (mode == "max") {
      parts.push_back(hidden.masked_fill(m == 0, -INFINITY).amax(1));  // [B, C]
    } else if (mode == "mean" || mode == "mean_sqrt_len_tokens") {
      if (!sum.defined()) {
        sum = (hidden * m).sum(1);        // [B, C]
        count = m.sum(1).clamp_min(1e-9);  // [B, 1]
      }
      parts.push_back(mode == "mean" ? sum / count : sum / count.sqrt());
    } else if (mode == "weightedmean") {
      auto weights = torch::arange(1, hidden.size(1) + 1, hidden.options()).view({1, -1, 1}) * m;  // [B, T, 1]
      parts.push_back((hidden * weights).sum(1) / weights.sum(1).clamp_min(1e-9));
    } else {  // lasttoken: the last real token, padding on the right
      auto last = (mask.sum(1) - 1).clamp_min(0).to(torch::kLong);  // [B]
      auto index = last.view({-1, 1, 1}).expand({hidden.size(0), 1, hidden.size(2)});
      parts.push_back(hidden.gather(1, index).squeeze(1));  // [B, C]
    }
  }
  return torch::cat(parts, 1);  // [B, dimension()]
}

}  // namespace lorag::rag::encoder
