// SPDX-License-Identifier: Apache-2.0
#include "model/weight_loading.h"

#include <torch/torch.h>

#include <set>

#include "model/core/error.h"
#include "model/core/shape_str.h"

namespace lorag::model {
namespace {
// Keys that checkpoints carry but that hold nothing the model needs.
bool ignorable(const std::string& name) {
  return name.ends_with("rotary_emb.inv_freq") || name == "lm_head.weight";
}

std::string list_some(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 5; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 5) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}
}  // namespace

void load_weights(torch::nn::Module& module, const TensorSource& source, const std::set<std::string>& preloaded) {
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  std::vector<std::string> missing;
  for (auto& item : module.named_parameters(/*recurse=*/true)) {
    const std::string& name = item.key();
    auto& param = item.value();
    if (preloaded.count(name)) {
      used.insert(name);
      continue;
    }
    if (!source.contains(name)) {
      missing.push_back(name);
      continue;
    }
    auto tensor = source.read(name);
    // Integer data cast silently to float would load garbage (issue #18).
    LORAG_CHECK(!param.is_floating_point() || tensor.is_floating_point(), FormatError, source.describe(),
                ": tensor '", name, "' has dtype ", tensor.scalar_type(), ", expected a floating-point type");
    LORAG_CHECK(tensor.sizes() == param.sizes(), ShapeError, source.describe(), ": tensor '", name, "' is ",
                shape_str(tensor.sizes()), ", expected ", shape_str(param.sizes()),
                " (hint: does config.json match the weights?)");
    param.copy_(tensor);
    source.done_with(name);
    // A NaN/Inf weight makes every answer empty yet "normal" (issue #18): refuse it.
    LORAG_CHECK(!param.is_floating_point() || torch::isfinite(param).all().item<bool>(), FormatError,
                source.describe(), ": tensor '", name, "' holds non-finite values (NaN or Inf) after conversion to ",
                param.scalar_type());
    used.insert(name);
  }
  LORAG_CHECK(missing.empty(), FormatError, source.describe(), ": missing tensor ", list_some(missing),
              " (hint: is this checkpoint for the architecture in config.json?)");
  std::vector<std::string> unexpected;
  for (const auto& name : source.names()) {
    if (!used.count(name) && !ignorable(name)) unexpected.push_back(name);
  }
  LORAG_CHECK(unexpected.empty(), FormatError, source.describe(), ": unexpected tensor ", list_some(unexpected),
              " (the model has no parameter of that name)");
}

}  // namespace lorag::model
