// SPDX-License-Identifier: Apache-2.0
// Config against checkpoint tensors, before allocation (model/), issue #18.
#include "model/weight_checks.h"

#include <torch/torch.h>

#include <set>

#include "model/causal_lm.h"
#include "model/core/error.h"
#include "model/core/shape_str.h"

namespace lorag::model {
namespace {
// Layer indices N of `model.layers.N.` names.
std::set<int64_t> layer_indices(const TensorSource& source) {
  static const std::string kPrefix = "model.layers.";
  std::set<int64_t> out;
  for (const auto& name : source.names()) {
    if (!name.starts_with(kPrefix)) continue;
    const auto dot = name.find('.', kPrefix.size());
    try {
      out.insert(std::stoll(name.substr(kPrefix.size(), dot - kPrefix.size())));
    } catch (const std::exception&) {
    }
  }
  return out;
}

void check_layers(const ModelConfig& c, const TensorSource& source, const ConfigFieldNames& f) {
  const auto layers = layer_indices(source);
  const auto present = static_cast<int64_t>(layers.size());
  LORAG_CHECK(c.num_hidden_layers == present && (layers.empty() || *layers.rbegin() == present - 1), ConfigError,
              source.describe(), ": config field '", f.num_hidden_layers, "' is ", c.num_hidden_layers,
              " but the checkpoint holds tensors for ", present, " layers (model.layers.0 to model.layers.",
              present - 1, ")");
}

void check_embedding(const ModelConfig& c, const TensorSource& source, const ConfigFieldNames& f) {
  const std::string name = "model.embed_tokens.weight";
  if (!source.contains(name)) return;
  const auto shape = source.shape(name);
  LORAG_CHECK(shape.size() == 2, ShapeError, source.describe(), ": tensor '", name, "' is ", shape_str(shape),
              ", expected [vocab_size, hidden_size]");
  LORAG_CHECK(shape[0] == c.vocab_size, ConfigError, source.describe(), ": config field '", f.vocab_size, "' is ",
              c.vocab_size, " but '", name, "' has ", shape[0], " rows");
  LORAG_CHECK(shape[1] == c.hidden_size, ConfigError, source.describe(), ": config field '", f.hidden_size, "' is ",
              c.hidden_size, " but '", name, "' has ", shape[1], " columns");
}
}  // namespace

void check_weights_fit(const ModelConfig& config, const TensorSource& source, const ConfigFieldNames& fields) {
  check_layers(config, source, fields);
  check_embedding(config, source, fields);
  // With the counts confirmed, building on the meta device costs a few small
  // objects per layer and no tensor memory.
  CausalLM meta(config, torch::TensorOptions().dtype(torch::kFloat32).device(torch::kMeta));
  for (const auto& item : meta->named_parameters(/*recurse=*/true)) {
    if (!source.contains(item.key())) continue;
    const auto stored = source.shape(item.key());
    const auto expected = item.value().sizes().vec();
    LORAG_CHECK(stored == expected, ShapeError, source.describe(), ": tensor '", item.key(), "' is ",
                shape_str(stored), ", the config implies ", shape_str(expected),
                " (hint: check intermediate_size, num_attention_heads, num_key_value_heads and head_dim)");
  }
}

}  // namespace lorag::model
