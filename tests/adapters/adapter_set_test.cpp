// SPDX-License-Identifier: Apache-2.0
// AdapterSet on whole models: fit errors, training parameters, the adapter bank,
// and the weighted ('cat') combination.
#include "adapters/adapter_set.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "adapters/adapter_bank.h"
#include "adapters/peft_io.h"
#include "adapters/target_matching.h"
#include "adapters/weighted_adapter.h"
#include "model/core/error.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
using adapters::AdapterSet;

// fp32 CPU both sides; see peft_interop_test.cpp.
constexpr double kAdapterLogitTolerance = kFp32LogitTolerance;
// Deltas compared in fp32: products of O(1) values summed over ≤ 16 ranks.
constexpr double kDeltaTolerance = 1e-5;

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

torch::Tensor logits_of(FixtureModel& m, const torch::Tensor& ids) {
  torch::NoGradGuard no_grad;
  return m.net->forward({.input_ids = ids});
}

TEST(AdapterSet, MismatchedModelNamesModuleAndBothShapes) {
  auto m = load_fixture_model("llama_headdim");  // head_dim 24: q_proj is [96, 64], not [64, 64]
  auto ids = read_tensors(fixture("peft/patterns.reference.safetensors"))["input_ids"];
  auto before = logits_of(m, ids);
  auto adapter = adapters::load_peft_adapter(fixture("peft/patterns"));
  auto message = error_of<ShapeError>([&] { adapter.attach(m.net); });
  // Modules are checked in name order, so k_proj ([48, 64] here) is the first misfit.
  EXPECT_NE(message.find("adapter_model.safetensors: 'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight'"
                         " is [4, 64] and 'base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight' is "
                         "[32, 4], expected [r, 64] and [48, r] for model.layers.0.self_attn.k_proj.weight [48, 64]"),
            std::string::npos)
      << message;
  EXPECT_FALSE(adapter.attached());
  EXPECT_TRUE(torch::equal(logits_of(m, ids), before)) << "a failed attach must change nothing";
}

TEST(AdapterSet, LmHeadLoraOnTiedModelIsClearError) {
  auto m = load_fixture_model("llama_tied");
  auto adapter = adapters::load_peft_adapter(fixture("peft/patterns"));
  auto message = error_of<FormatError>([&] { adapter.attach(m.net); });
  // PEFT saved lm_head's base weight beside its LoRA; either names lm_head and the hint.
  EXPECT_NE(message.find("lm_head"), std::string::npos) << message;
  EXPECT_NE(message.find("which the model does not have (hint: lm_head is tied to embed_tokens in this model)"),
            std::string::npos)
      << message;
}

TEST(AdapterSet, RankNotMatchingConfigHintsAtR) {
  auto m = load_fixture_model("llama");
  auto loaded = adapters::load_peft_adapter(fixture("peft/rslora"));
  auto config = loaded.config();
  config.r = 4;
  AdapterSet adapter("bad", config, loaded.tensors(), "bad/adapter_model.safetensors");
  auto message = error_of<ShapeError>([&] { adapter.attach(m.net); });
  EXPECT_NE(message.find("expected rank 4 for module 'model.layers.0.mlp.down_proj' (hint: r=8"), std::string::npos)
      << message;
}

TEST(AdapterSet, TrainingParametersAreOnlyLoraAndAliasTensors) {
  auto m = load_fixture_model("llama");
  adapters::LoraConfig config;
  config.target_modules = {"q_proj", "v_proj"};
  auto adapter = AdapterSet::create(*m.net, config);
  adapter.attach(m.net);
  auto params = adapter.parameters();
  EXPECT_EQ(params.size(), 2u * 2u * 2u);  // 2 layers × {q, v} × {A, B}
  int64_t trainable = 0;
  for (const auto& p : m.net->parameters()) trainable += p.requires_grad();
  EXPECT_EQ(trainable, static_cast<int64_t>(params.size())) << "the base model must stay frozen";
  // An optimizer step on the slot shows in the set's tensors (what save writes).
  {
    torch::NoGradGuard no_grad;
    for (auto& p : params) p.add_(1.0);
  }
  const auto key = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
  EXPECT_TRUE(adapter.tensors().at(key).eq(1.0).all().item<bool>());
  EXPECT_NE(error_of<Error>([&] { adapter.attach(m.net); }).find("is already attached"), std::string::npos);
  adapter.merge();
  EXPECT_NE(error_of<Error>([&] { adapter.merge(); }).find("is already merged"), std::string::npos);
  EXPECT_NE(error_of<Error>([&] { adapter.detach(); }).find("while merged (unmerge it first)"), std::string::npos);
  adapter.unmerge();
  adapter.detach();
  EXPECT_TRUE(adapters::find_targets(*m.net, config)[0].module->named_parameters().size() == 1);
}

TEST(AdapterBank, SwitchesBetweenNamedAdapters) {
  auto m = load_fixture_model("llama");
  auto ref_p = read_tensors(fixture("peft/patterns.reference.safetensors"));
  auto ref_e = read_tensors(fixture("peft/embed_mts.reference.safetensors"));
  auto ids = ref_p["input_ids"];
  adapters::AdapterBank bank(m.net);
  bank.add(adapters::load_peft_adapter(fixture("peft/patterns"), "patterns"));
  bank.add(adapters::load_peft_adapter(fixture("peft/embed_mts"), "embed_mts"));
  for (int round = 0; round < 2; ++round) {
    bank.activate("patterns");
    EXPECT_LT(max_diff(logits_of(m, ids), ref_p["logits"]), kAdapterLogitTolerance);
    bank.activate("embed_mts");
    EXPECT_LT(max_diff(logits_of(m, ids), ref_e["logits"]), kAdapterLogitTolerance);
    bank.activate("");
    EXPECT_LT(max_diff(logits_of(m, ids), ref_p["base_logits"]), kAdapterLogitTolerance);
  }
  EXPECT_EQ(bank.active(), "");
  auto message = error_of<UsageError>([&] { bank.activate("nope"); });
  EXPECT_NE(message.find("no adapter named 'nope' (loaded: embed_mts, patterns)"), std::string::npos) << message;
}

TEST(CombineAdapters, CatDeltaIsWeightedSumOfDeltas) {
  auto m = load_fixture_model("llama");
  auto p = adapters::load_peft_adapter(fixture("peft/patterns"), "p");
  // A second adapter of the same layout with other values (PEFT's 'cat' needs a
  // common target_modules type): B scaled by -0.3.
  auto tensors = p.tensors();
  for (auto& [key, t] : tensors) {
    if (key.find("lora_B") != std::string::npos) t = t * -0.3;
  }
  AdapterSet r("r", p.config(), tensors);
  // Per-module deltas of each input, read from their slots.
  std::map<std::string, torch::Tensor> expected;
  for (auto [adapter, weight] : {std::pair{&p, 0.5}, std::pair{&r, 1.5}}) {
    adapter->attach(m.net);
    for (auto& [name, linear] : adapters::lora_linears(*m.net)) {
      if (!linear->attached()) continue;
      auto d = linear->delta_weight() * weight;
      expected[name] = expected.count(name) ? expected[name] + d : d;
    }
    adapter->detach();
  }
  auto combined = adapters::combine_adapters({&p, &r}, {0.5, 1.5}, "mix");
  EXPECT_EQ(combined.config().r, 4 + 4);
  EXPECT_EQ(combined.config().rank_pattern.at(R"(model\.layers\.1\.self_attn\.q_proj)"), 2 + 2);
  combined.attach(m.net);
  size_t seen = 0;
  for (auto& [name, linear] : adapters::lora_linears(*m.net)) {
    if (!linear->attached()) continue;
    ++seen;
    ASSERT_TRUE(expected.count(name)) << name;
    EXPECT_DOUBLE_EQ(linear->scale(), 1.0) << name;
    EXPECT_LT(max_diff(linear->delta_weight(), expected[name]), kDeltaTolerance) << name;
  }
  EXPECT_EQ(seen, expected.size());
  // The combination is a PEFT folder like any other.
  const auto dir = temp_dir("combined");
  adapters::save_peft_adapter(combined, dir);
  auto again = adapters::load_peft_adapter(dir);
  EXPECT_EQ(again.config().rank_pattern, combined.config().rank_pattern);
}

}  // namespace
}  // namespace lorag::test
