// SPDX-License-Identifier: Apache-2.0
// Hostile configurations (issue #18): sizes that do not match the tensors,
// non-integer sizes, contradicting fields, out-of-vocabulary special ids and
// non-finite values each fail in one line naming the field, before any weight
// is allocated.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/config.h"
#include "model/formats/gguf_file.h"
#include "model/formats/gguf_writer.h"
#include "model/gguf_config.h"
#include "model/model_loader.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// A copy of fixtures/models/llama whose config.json has `key` set to `value`.
fs::path llama_with(const std::string& key, const json& value) {
  const auto dir = temp_dir("config_validate");
  for (const auto& entry : fs::directory_iterator(fixture("models/llama"))) {
    fs::copy(entry.path(), dir / entry.path().filename());
  }
  auto config = read_json(dir / "config.json");
  config[key] = value;
  // transformers 5 writes `rope_parameters`, which wins over an older `rope_scaling`.
  if (key == "rope_scaling") config.erase("rope_parameters");
  std::ofstream(dir / "config.json") << config.dump();
  return dir;
}

std::string load_error(const fs::path& path) {
  return error_of([&] { load_cpu(path); });
}

TEST(ConfigValidate, LayerCountBeyondTheTensorsIsNamedBeforeAllocating) {
  for (json layers : {json(100000), json(4294967295LL), json(3), json(1)}) {
    const auto dir = llama_with("num_hidden_layers", layers);
    auto config = read_json(dir / "config.json");
    config.erase("layer_types");  // else its length is what disagrees first
    std::ofstream(dir / "config.json") << config.dump();
    const auto message = load_error(dir);
    EXPECT_NE(message.find("config field 'num_hidden_layers' is " + layers.dump() +
                           " but the checkpoint holds tensors for 2 layers"),
              std::string::npos)
        << message;
    fs::remove_all(dir);
  }
}

TEST(ConfigValidate, VocabAndHiddenSizeAreCheckedAgainstTheEmbedding) {
  auto dir = llama_with("vocab_size", 1000000000000LL);
  auto message = load_error(dir);
  EXPECT_NE(message.find("config field 'vocab_size' is 1000000000000 but 'model.embed_tokens.weight' has 320 rows"),
            std::string::npos)
      << message;
  fs::remove_all(dir);
  dir = llama_with("intermediate_size", 1 << 20);
  message = load_error(dir);
  EXPECT_NE(message.find("tensor 'model.layers.0.mlp.gate_proj.weight' is [112, 64], the config implies [1048576, 64]"),
            std::string::npos)
      << message;
  fs::remove_all(dir);
}

TEST(ConfigValidate, NonIntegerSizesAreRefused) {
  for (const char* key : {"hidden_size", "num_hidden_layers", "vocab_size", "max_position_embeddings"}) {
    const auto dir = llama_with(key, 576.5);
    const auto message = load_error(dir);
    EXPECT_NE(message.find(std::string("config field '") + key + "' must be a whole number, got 576.5"),
              std::string::npos)
        << message;
    fs::remove_all(dir);
  }
}

TEST(ConfigValidate, ModelTypeMustAgreeWithArchitectures) {
  const auto dir = llama_with("model_type", "gemma3_text");
  EXPECT_NE(load_error(dir).find("config field 'model_type' is 'gemma3_text', which contradicts 'architectures' "
                                 "LlamaForCausalLM (expected 'llama')"),
            std::string::npos)
      << load_error(dir);
  fs::remove_all(dir);
}

TEST(ConfigValidate, SpecialIdsOutsideTheVocabularyAreNamed) {
  for (const char* key : {"bos_token_id", "eos_token_id", "pad_token_id"}) {
    const auto dir = llama_with(key, 320);  // the fixture's vocab_size
    const auto message = load_error(dir);
    EXPECT_NE(message.find(std::string("config field '") + key + "' is 320, outside the vocabulary [0, 320)"),
              std::string::npos)
        << message;
    fs::remove_all(dir);
  }
}

TEST(ConfigValidate, ScalingFactorsMustBePositive) {
  for (double factor : {0.0, -2.0}) {
    const auto dir = llama_with("rope_scaling", {{"rope_type", "linear"}, {"factor", factor}});
    EXPECT_NE(load_error(dir).find("'rope_scaling.factor' must be positive"), std::string::npos) << load_error(dir);
    fs::remove_all(dir);
  }
  auto dir = llama_with("rope_scaling", {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", -1.0},
                                         {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 16}});
  EXPECT_NE(load_error(dir).find("config field 'rope_scaling.low_freq_factor' must be a positive finite number"),
            std::string::npos)
      << load_error(dir);
  fs::remove_all(dir);
}

TEST(ConfigValidate, UnknownRopeTypeListsTheSupportedOnes) {
  const auto dir = llama_with("rope_scaling", {{"rope_type", "ntk-by-parts"}, {"factor", 2.0}});
  EXPECT_NE(load_error(dir).find("rope_scaling type 'ntk-by-parts' is not supported (supported: default, linear, "
                                 "dynamic, llama3, longrope, yarn)"),
            std::string::npos)
      << load_error(dir);
  fs::remove_all(dir);
}

TEST(ConfigValidate, NonFiniteValuesAreNamed) {
  auto c = model::load_model_config(fixture("models/llama"));
  c.rope_theta = INFINITY;
  EXPECT_NE(error_of<ConfigError>([&] { c.validate(); }).find("'rope_theta' must be a positive finite number, got inf"),
            std::string::npos);
  c = model::load_model_config(fixture("models/llama"));
  c.rms_norm_eps = NAN;
  EXPECT_NE(error_of<ConfigError>([&] { c.validate(); }).find("'rms_norm_eps'"), std::string::npos);
}

// fixtures/gguf_models/qwen2/model.gguf rewritten with one metadata key changed.
fs::path qwen2_gguf_with(const std::string& key, model::formats::GgufValue value) {
  using namespace model::formats;
  const auto src = GgufFile::open(fixture("gguf_models/qwen2/model.gguf"));
  GgufWriter writer(static_cast<std::uint32_t>(src.alignment()));
  for (const auto& [k, v] : src.metadata().entries()) {
    if (k != "general.alignment") writer.set(k, v);
  }
  writer.set(key, std::move(value));
  for (const auto& t : src.tensors()) writer.add_tensor(t.name, t.dims, t.type, {t.data.begin(), t.data.end()});
  const auto out = temp_dir("gguf_validate") / "model.gguf";
  writer.write(out);
  return out;
}

TEST(ConfigValidate, GgufBlockCountIsCheckedAgainstTheBlocksPresent) {
  using model::formats::GgufValue;
  const auto path = qwen2_gguf_with("qwen2.block_count", GgufValue::u32(4294967295u));
  const auto message = load_error(path);
  EXPECT_NE(message.find("metadata 'qwen2.block_count' is 4294967295 but the file holds tensors for 2 blocks"),
            std::string::npos)
      << message;
  fs::remove_all(path.parent_path());
}

TEST(ConfigValidate, GgufInfiniteRopeThetaIsRefused) {
  using model::formats::GgufValue;
  const auto path = qwen2_gguf_with("qwen2.rope.freq_base", GgufValue::f32(INFINITY));
  const auto message = load_error(path);
  EXPECT_NE(message.find("'rope_theta' must be a positive finite number, got inf"), std::string::npos) << message;
  fs::remove_all(path.parent_path());
}

}  // namespace
}  // namespace lorag::test
