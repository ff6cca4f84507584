// SPDX-License-Identifier: Apache-2.0
// PEFT folders both ways: adapters saved by PEFT give PEFT's logits in lorag, and
// adapters saved by lorag give lorag's logits in PEFT (scripts/check_peft_adapter.py).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>

#include "adapters/adapter_set.h"
#include "adapters/peft_io.h"
#include "model/tensor_safetensors.h"
#include "model/formats/safetensors_file.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
using adapters::AdapterSet;

// Both sides run fp32 on the CPU; only summation order differs (as for the base
// model's parity, kFp32LogitTolerance). Merging rounds W+δ once more per weight
// (~1e-7 relative), far below it.
constexpr double kAdapterLogitTolerance = kFp32LogitTolerance;
// An adapter with B = 0.2·N(0,1) moves these logits by O(1); anything under this
// would mean the adapter was silently not applied.
constexpr double kMinAdapterEffect = 0.1;

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

torch::Tensor logits_of(FixtureModel& m, const torch::Tensor& ids) {
  torch::NoGradGuard no_grad;
  return m.net->forward({.input_ids = ids});
}

// Every tensor of `a`/adapter_model.safetensors is in `b`'s with the same dtype,
// shape and bytes, and `b` has no others (PEFT may add the `base_layer.weight` of a
// targeted embedding/lm_head when allowed).
void expect_same_tensor_bytes(const std::filesystem::path& a_dir, const std::filesystem::path& b_dir,
                              bool allow_extra_base_layers) {
  auto a = model::formats::SafetensorsFile::open(a_dir / "adapter_model.safetensors");
  auto b = model::formats::SafetensorsFile::open(b_dir / "adapter_model.safetensors");
  for (const auto& [key, entry] : a->tensors()) {
    ASSERT_TRUE(b->contains(key)) << key;
    const auto& other = b->at(key);
    EXPECT_EQ(entry.dtype, other.dtype) << key;
    EXPECT_EQ(entry.shape, other.shape) << key;
    ASSERT_EQ(entry.data.size(), other.data.size()) << key;
    EXPECT_EQ(std::memcmp(entry.data.data(), other.data.data(), entry.data.size()), 0) << key;
  }
  for (const auto& [key, entry] : b->tensors()) {
    EXPECT_TRUE(a->contains(key) || (allow_extra_base_layers && key.find(".base_layer.") != std::string::npos))
        << "unexpected tensor " << key;
  }
}

class PeftInterop : public ::testing::TestWithParam<std::string> {};

TEST_P(PeftInterop, LoadedAdapterMatchesPeftLogits) {
  auto m = load_fixture_model("llama");
  auto ref = read_tensors(fixture("peft/" + GetParam() + ".reference.safetensors"));
  auto base = logits_of(m, ref["input_ids"]);
  ASSERT_LT(max_diff(base, ref["base_logits"]), kAdapterLogitTolerance);
  auto adapter = adapters::load_peft_adapter(fixture("peft/" + GetParam()));
  adapter.attach(m.net);
  auto attached = logits_of(m, ref["input_ids"]);
  EXPECT_LT(max_diff(attached, ref["logits"]), kAdapterLogitTolerance);
  EXPECT_GT(max_diff(attached, base), kMinAdapterEffect);
  adapter.merge();
  EXPECT_LT(max_diff(logits_of(m, ref["input_ids"]), ref["logits"]), kAdapterLogitTolerance);
  adapter.unmerge();
  EXPECT_LT(max_diff(logits_of(m, ref["input_ids"]), ref["logits"]), kAdapterLogitTolerance);
  adapter.detach();
  EXPECT_LT(max_diff(logits_of(m, ref["input_ids"]), base), kAdapterLogitTolerance);
}

TEST_P(PeftInterop, FolderRoundTripsBitExactly) {
  const auto src = fixture("peft/" + GetParam());
  auto adapter = adapters::load_peft_adapter(src);
  const auto dst = temp_dir("peft_roundtrip");
  adapters::save_peft_adapter(adapter, dst);
  auto again = adapters::load_peft_adapter(dst);
  expect_same_tensor_bytes(src, dst, /*allow_extra_base_layers=*/false);
  const auto& c1 = adapter.config();
  const auto& c2 = again.config();
  EXPECT_EQ(c1.r, c2.r);
  EXPECT_EQ(c1.lora_alpha, c2.lora_alpha);
  EXPECT_EQ(c1.target_modules, c2.target_modules);
  EXPECT_EQ(c1.target_modules_pattern, c2.target_modules_pattern);
  EXPECT_EQ(c1.rank_pattern, c2.rank_pattern);
  EXPECT_EQ(c1.alpha_pattern, c2.alpha_pattern);
  EXPECT_EQ(c1.modules_to_save, c2.modules_to_save);
  EXPECT_EQ(c1.use_rslora, c2.use_rslora);
  EXPECT_EQ(c1.extra, c2.extra);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PeftInterop, ::testing::Values("patterns", "rslora", "embed_mts"),
                         [](const auto& info) { return info.param; });

// Runs scripts/check_peft_adapter.py: PEFT loads `dir` onto the llama fixture and
// must reproduce `logits` for `ids`, then saves it again with the same bytes.
void expect_peft_reproduces(const std::filesystem::path& dir, const torch::Tensor& ids, const torch::Tensor& logits) {
  // ctest sets LORAG_PYTHON/LORAG_SOURCE_DIR; otherwise use this file's checkout and its .venv.
  const char* source_env = std::getenv("LORAG_SOURCE_DIR");
  const std::filesystem::path source =
      source_env ? std::filesystem::path(source_env)
                 : std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  const char* python_env = std::getenv("LORAG_PYTHON");
  const std::filesystem::path python = python_env ? std::filesystem::path(python_env) : source / ".venv/bin/python3";
  if (!std::filesystem::exists(python) || !std::filesystem::exists(source / "scripts/check_peft_adapter.py")) {
    GTEST_SKIP() << "no python with peft at " << python << " (set LORAG_PYTHON)";
  }
  const auto logits_file = dir.parent_path() / (dir.filename().string() + ".logits.safetensors");
  const auto resaved = dir.parent_path() / (dir.filename().string() + ".peft_resaved");
  model::write_safetensors(logits_file, {{"input_ids", ids}, {"logits", logits.contiguous()}});
  const std::string command = python.string() + " " + (source / "scripts/check_peft_adapter.py").string() + " " +
                              fixture("models/llama").string() + " " + dir.string() + " " + logits_file.string() +
                              " " + std::to_string(kAdapterLogitTolerance) + " " + resaved.string();
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  // The other direction of the round trip: what PEFT saves back holds our bytes.
  expect_same_tensor_bytes(dir, resaved, /*allow_extra_base_layers=*/true);
}

// Random non-zero values everywhere PEFT's init puts zeros (B, embedding A) and a
// perturbed modules_to_save copy, so the adapter changes the output.
AdapterSet randomized(const AdapterSet& fresh) {
  auto tensors = fresh.tensors();
  torch::manual_seed(11);
  for (auto& [key, t] : tensors) {
    if (key.find("lora_B") != std::string::npos || key.find("lora_embedding_A") != std::string::npos) {
      t = 0.2 * torch::randn(t.sizes());
    } else if (key.find("lora_") == std::string::npos) {
      t = t + 0.05 * torch::randn(t.sizes());
    }
  }
  return AdapterSet(fresh.name(), fresh.config(), tensors);
}

struct SaveCase {
  std::string name;
  adapters::LoraConfig config;
};

void PrintTo(const SaveCase& c, std::ostream* out) { *out << c.name; }

class PeftExport : public ::testing::TestWithParam<SaveCase> {};

TEST_P(PeftExport, SavedAdapterGivesSameLogitsInPeft) {
  auto m = load_fixture_model("llama");
  auto ids = read_tensors(fixture("peft/patterns.reference.safetensors"))["input_ids"];
  auto base = logits_of(m, ids);
  auto fresh = AdapterSet::create(*m.net, GetParam().config);
  fresh.attach(m.net);
  EXPECT_LT(max_diff(logits_of(m, ids), base), 1e-6) << "a fresh adapter must not change the output";
  fresh.detach();
  auto adapter = randomized(fresh);
  adapter.attach(m.net);
  auto logits = logits_of(m, ids);
  EXPECT_GT(max_diff(logits, base), kMinAdapterEffect);
  const auto dir = temp_dir("peft_export") / GetParam().name;
  adapters::save_peft_adapter(adapter, dir);
  expect_peft_reproduces(dir, ids, logits);
}

adapters::LoraConfig export_config(int which) {
  adapters::LoraConfig c;
  c.r = 4;
  c.lora_alpha = 8;
  if (which == 0) {
    c.target_modules = {"q_proj", "k_proj", "v_proj", "o_proj", "down_proj", "lm_head"};
    c.rank_pattern = {{"model.layers.1.self_attn.q_proj", 2}};
    c.alpha_pattern = {{"model.layers.1.self_attn.q_proj", 3.0}};
  } else if (which == 1) {
    c.use_rslora = true;
    c.target_modules_regex = true;
    c.target_modules_pattern = "all-linear";
  } else {
    c.target_modules = {"embed_tokens", "v_proj"};
    c.modules_to_save = {"lm_head"};
  }
  return c;
}

INSTANTIATE_TEST_SUITE_P(Configs, PeftExport,
                         ::testing::Values(SaveCase{"patterns", export_config(0)}, SaveCase{"rslora", export_config(1)},
                                           SaveCase{"embed_mts", export_config(2)}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace lorag::test
