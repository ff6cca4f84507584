// SPDX-License-Identifier: Apache-2.0
// LoraConfig and target matching, against PEFT's rules.
#include "adapters/lora_config.h"

#include <gtest/gtest.h>

#include "adapters/target_matching.h"
#include "model/core/error.h"

namespace lorag::test {
namespace {
using adapters::LoraConfig;

template <typename Fn>
std::string config_error_of(Fn fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(LoraConfig, ValidateNamesFieldAndValue) {
  LoraConfig c;
  c.r = 0;
  EXPECT_NE(config_error_of([&] { c.validate(); }).find("lora config: r=0 must be at least 1"), std::string::npos);
  c = LoraConfig();
  c.lora_dropout = 1.5;
  EXPECT_NE(config_error_of([&] { c.validate(); }).find("lora_dropout=1.5"), std::string::npos);
  c = LoraConfig();
  c.bias = "all";
  EXPECT_NE(config_error_of([&] { c.validate(); }).find("bias='all' is not supported"), std::string::npos);
  c = LoraConfig();
  c.target_modules.clear();
  EXPECT_NE(config_error_of([&] { c.validate(); }).find("target_modules is empty"), std::string::npos);
}

TEST(LoraConfig, JsonUsesPeftFieldsAndKeepsUnknownOnes) {
  auto json = nlohmann::json::parse(R"({"peft_type": "LORA", "r": 16, "lora_alpha": 32, "lora_dropout": 0.05,
    "target_modules": ["q_proj", "v_proj"], "bias": "none", "use_rslora": true,
    "rank_pattern": {"layers.1.self_attn.q_proj": 4}, "alpha_pattern": {"layers.1.self_attn.q_proj": 2},
    "modules_to_save": null, "task_type": "CAUSAL_LM", "init_lora_weights": true, "use_dora": false})");
  auto c = adapters::lora_config_from_json(json, "x/adapter_config.json");
  EXPECT_EQ(c.r, 16);
  EXPECT_EQ(c.lora_alpha, 32);
  EXPECT_TRUE(c.use_rslora);
  EXPECT_EQ(c.target_modules, (std::vector<std::string>{"q_proj", "v_proj"}));
  EXPECT_EQ(c.rank_for("model.layers.1.self_attn.q_proj"), 4);
  EXPECT_EQ(c.rank_for("model.layers.11.self_attn.q_proj"), 16);
  EXPECT_EQ(c.alpha_for("model.layers.1.self_attn.q_proj"), 2);
  EXPECT_DOUBLE_EQ(c.scale_for("model.layers.0.self_attn.v_proj"), 32.0 / 4.0);  // rsLoRA: alpha/√16
  auto back = adapters::lora_config_to_json(c);
  EXPECT_EQ(back["lora_alpha"], 32);
  EXPECT_EQ(back["init_lora_weights"], true);
  EXPECT_EQ(back["rank_pattern"], json["rank_pattern"]);
  EXPECT_TRUE(back["modules_to_save"].is_null());
}

TEST(LoraConfig, UnsupportedPeftOptionsAreRefused) {
  auto json = nlohmann::json::parse(R"({"peft_type": "LORA", "r": 8, "target_modules": ["q_proj"], "use_dora": true})");
  EXPECT_NE(config_error_of([&] { adapters::lora_config_from_json(json, "a/adapter_config.json"); })
                .find("a/adapter_config.json: use_dora=true is not supported"),
            std::string::npos);
  json = nlohmann::json::parse(R"({"peft_type": "LOHA", "r": 8})");
  EXPECT_NE(config_error_of([&] { adapters::lora_config_from_json(json, "a/adapter_config.json"); })
                .find("peft_type='LOHA' is not supported"),
            std::string::npos);
  json = nlohmann::json::parse(R"({"peft_type": "LORA", "r": "eight"})");
  EXPECT_NE(config_error_of([&] { adapters::lora_config_from_json(json, "a/adapter_config.json"); })
                .find("field 'r' has the wrong type"),
            std::string::npos);
}

TEST(TargetMatching, ListMatchesNameOrDottedSuffix) {
  LoraConfig c;
  c.target_modules = {"q_proj", "mlp.down_proj"};
  EXPECT_TRUE(adapters::is_target(c, "model.layers.0.self_attn.q_proj", true));
  EXPECT_TRUE(adapters::is_target(c, "model.layers.3.mlp.down_proj", true));
  EXPECT_TRUE(adapters::is_target(c, "q_proj", true));
  EXPECT_FALSE(adapters::is_target(c, "model.layers.0.self_attn.xq_proj", true));
  EXPECT_FALSE(adapters::is_target(c, "model.layers.0.self_attn.k_proj", true));
}

TEST(TargetMatching, StringIsFullRegexAndAllLinearSkipsLmHead) {
  LoraConfig c;
  c.target_modules_regex = true;
  c.target_modules_pattern = R"(.*\.(q|v)_proj)";
  EXPECT_TRUE(adapters::is_target(c, "model.layers.0.self_attn.v_proj", true));
  EXPECT_FALSE(adapters::is_target(c, "model.layers.0.self_attn.o_proj", true));
  c.target_modules_pattern = "all-linear";
  EXPECT_TRUE(adapters::is_target(c, "model.layers.0.mlp.up_proj", true));
  EXPECT_FALSE(adapters::is_target(c, "lm_head", true));
  EXPECT_FALSE(adapters::is_target(c, "model.embed_tokens", false));
}

TEST(TargetMatching, ModulesToSaveAreNeverTargets) {
  LoraConfig c;
  c.target_modules = {"lm_head", "q_proj"};
  c.modules_to_save = {"lm_head"};
  EXPECT_FALSE(adapters::is_target(c, "lm_head", true));
  EXPECT_TRUE(adapters::is_module_to_save(c, "lm_head"));
  EXPECT_FALSE(adapters::is_module_to_save(c, "xlm_head"));
}

}  // namespace
}  // namespace lorag::test
