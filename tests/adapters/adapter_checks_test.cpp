// SPDX-License-Identifier: Apache-2.0
// Adapters with non-finite values or an overflowing scale are refused at attach
// (issue #18), naming the key, and the model is left as it was.
#include "adapters/adapter_checks.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "adapters/adapter_set.h"
#include "adapters/peft_io.h"
#include "model/core/error.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
using adapters::AdapterSet;

torch::Tensor logits_of(FixtureModel& m, const torch::Tensor& ids) {
  torch::NoGradGuard no_grad;
  return m.net->forward({.input_ids = ids});
}

// fixtures/peft/patterns with one tensor changed by `edit`.
AdapterSet edited(const std::function<void(std::map<std::string, torch::Tensor>&)>& edit,
                  std::optional<double> alpha = std::nullopt) {
  auto base = adapters::load_peft_adapter(fixture("peft/patterns"));
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [k, v] : base.tensors()) tensors[k] = v.clone();
  edit(tensors);
  auto config = base.config();
  if (alpha) {
    config.lora_alpha = *alpha;
    config.alpha_pattern.clear();
  }
  return AdapterSet("edited", config, tensors, "x/adapter_model.safetensors");
}

const char* kKey = "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight";

TEST(AdapterChecks, NonFiniteValueIsRefusedNamingTheKey) {
  auto m = load_fixture_model("llama");
  auto ids = read_tensors(fixture("peft/patterns.reference.safetensors"))["input_ids"];
  const auto before = logits_of(m, ids);
  for (double bad : {NAN, INFINITY, -INFINITY}) {
    auto adapter = edited([&](auto& t) { t.at(kKey).view(-1)[3] = bad; });
    const auto message = error_of<FormatError>([&] { adapter.attach(m.net); });
    EXPECT_NE(message.find(std::string("x/adapter_model.safetensors: tensor '") + kKey +
                           "' holds non-finite values (NaN or Inf)"),
              std::string::npos)
        << message;
    EXPECT_FALSE(adapter.attached());
  }
  EXPECT_TRUE(torch::equal(logits_of(m, ids), before)) << "a refused attach must change nothing";
}

TEST(AdapterChecks, OverflowingAlphaIsRefusedNamingLoraAlpha) {
  auto m = load_fixture_model("llama");
  auto adapter = edited([](auto&) {}, 1e30);
  const auto message = error_of<ConfigError>([&] { adapter.attach(m.net); });
  EXPECT_NE(message.find("x/adapter_model.safetensors: lora_alpha=1e+30 gives module"), std::string::npos) << message;
  EXPECT_NE(message.find("(limit 1e+15"), std::string::npos) << message;
  EXPECT_FALSE(adapter.attached());
}

TEST(AdapterChecks, TheFixtureAdapterAndAFreshOneAttach) {
  auto m = load_fixture_model("llama");
  auto adapter = adapters::load_peft_adapter(fixture("peft/patterns"));
  EXPECT_NO_THROW(adapters::check_adapter_values(adapter.tensors(), adapter.config(), "x"));
  adapter.attach(m.net);
  EXPECT_TRUE(adapter.attached());
}

}  // namespace
}  // namespace lorag::test
