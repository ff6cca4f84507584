// SPDX-License-Identifier: Apache-2.0
// Merged vs attached adapters on whole fixture models, in fp32 and bf16, against
// PEFT's logits; and InferenceAdapters, what the CLI's --adapter/--use/--merge run on.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <tuple>

#include "adapters/inference_adapters.h"
#include "adapters/peft_io.h"
#include "model/core/error.h"
#include "model/model_loader.h"
#include "model/tensor_source.h"
#include "model/weight_loading.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {

// fp32: attached computes x·Wᵀ + s·(x·Aᵀ)·Bᵀ, merged x·(W + s·B·A)ᵀ; the same sums
// in another order, so differences are rounding of O(10) logits (~1e-6), far below
// this bound, which also covers PEFT's own order (kFp32LogitTolerance).
constexpr double kFp32MergedTolerance = kFp32LogitTolerance;
// bf16 keeps 8 significant bits (relative step 2^-8 ≈ 0.4%). Merged rounds W + s·B·A
// to bf16 once per weight; attached rounds x·Wᵀ, the LoRA branch and their sum
// separately. A fixed bound would be arbitrary, so the yardstick is the base model's
// own bf16 error (bf16 base logits vs PEFT's fp32 base logits; on the `llama`
// fixture about 0.018 mean, 0.15 max, for |logits| up to ~6). Merged vs attached and
// each vs PEFT's fp32 adapter logits must stay within a few times that (measured:
// at most 2x the mean and 3.7x the max), while the adapter moves the logits by
// far more (measured: 28x the mean at least).
constexpr double kBf16MeanFactor = 3.0;
constexpr double kBf16MaxFactor = 5.0;
constexpr double kAdapterEffectFactor = 10.0;

const char* const kVariants[] = {"patterns", "rslora", "embed_mts"};

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat32) - b.to(torch::kFloat32)).abs().max().item<double>();
}

double mean_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat32) - b.to(torch::kFloat32)).abs().mean().item<double>();
}

torch::Tensor logits_of(model::CausalLM& net, const torch::Tensor& ids) {
  torch::NoGradGuard no_grad;
  return net->forward({.input_ids = ids}).to(torch::kFloat32);
}

TEST(MergedAttached, Fp32LogitsEqualEachOtherAndPeft) {
  for (const char* variant : kVariants) {
    SCOPED_TRACE(variant);
    auto m = load_fixture_model("llama");
    auto ref = read_tensors(fixture(std::string("peft/") + variant + ".reference.safetensors"));
    const auto ids = ref["input_ids"];
    auto adapter = adapters::load_peft_adapter(fixture(std::string("peft/") + variant));
    adapter.attach(m.net);
    const auto attached = logits_of(m.net, ids);
    EXPECT_LT(max_diff(attached, ref["logits"]), kFp32MergedTolerance);
    EXPECT_GT(max_diff(attached, ref["base_logits"]), 100 * kFp32MergedTolerance) << "the adapter must matter";
    adapter.merge();
    const auto merged = logits_of(m.net, ids);
    EXPECT_LT(max_diff(merged, attached), kFp32MergedTolerance);
    EXPECT_LT(max_diff(merged, ref["logits"]), kFp32MergedTolerance);
    adapter.unmerge();
    EXPECT_LT(max_diff(logits_of(m.net, ids), attached), kFp32MergedTolerance);
    adapter.detach();
    EXPECT_LT(max_diff(logits_of(m.net, ids), ref["base_logits"]), kFp32MergedTolerance);
  }
}

// Without grad, LoraLinear adds the update with one addmm (the decode fast path);
// with grad it keeps PEFT's separate ops for autograd. Both give the same logits.
TEST(MergedAttached, InferencePathEqualsTrainingPath) {
  auto m = load_fixture_model("llama");
  auto ref = read_tensors(fixture("peft/rslora.reference.safetensors"));
  auto adapter = adapters::load_peft_adapter(fixture("peft/rslora"));
  adapter.attach(m.net);
  const auto fast = logits_of(m.net, ref["input_ids"]);
  const auto with_grad = m.net->forward({.input_ids = ref["input_ids"]}).detach();
  EXPECT_LT(max_diff(fast, with_grad), kFp32MergedTolerance);
  EXPECT_LT(max_diff(with_grad, ref["logits"]), kFp32MergedTolerance);
}

TEST(MergedAttached, Bf16LogitsAgreeWithinBf16Rounding) {
  for (const char* variant : kVariants) {
    SCOPED_TRACE(variant);
    const auto dir = fixture("models/llama");
    struct {
      model::CausalLM net{nullptr};
    } loaded;  // as load_model builds it, without the tokenizer the fixture lacks
    loaded.net = model::CausalLM(model::load_model_config(dir), torch::TensorOptions().dtype(torch::kBFloat16));
    model::load_weights(*loaded.net, *model::open_safetensors_checkpoint(dir));
    loaded.net->eval();
    ASSERT_EQ(loaded.net->dtype(), torch::kBFloat16);
    auto ref = read_tensors(fixture(std::string("peft/") + variant + ".reference.safetensors"));
    const auto ids = ref["input_ids"];
    const auto base = logits_of(loaded.net, ids);
    const double noise_mean = mean_diff(base, ref["base_logits"]), noise_max = max_diff(base, ref["base_logits"]);
    auto adapter = adapters::load_peft_adapter(fixture(std::string("peft/") + variant));
    adapter.attach(loaded.net);  // A/B in bf16, the model's dtype
    const auto attached = logits_of(loaded.net, ids);
    adapter.merge();
    const auto merged = logits_of(loaded.net, ids);
    for (const auto& [what, a, b] : {std::tuple{"merged vs attached", merged, attached},
                                     std::tuple{"attached vs peft fp32", attached, ref["logits"]},
                                     std::tuple{"merged vs peft fp32", merged, ref["logits"]}}) {
      EXPECT_LT(mean_diff(a, b), kBf16MeanFactor * noise_mean) << what << "; base bf16 noise " << noise_mean;
      EXPECT_LT(max_diff(a, b), kBf16MaxFactor * noise_max) << what << "; base bf16 noise " << noise_max;
    }
    EXPECT_GT(mean_diff(ref["logits"], ref["base_logits"]), kAdapterEffectFactor * noise_mean);
  }
}

TEST(InferenceAdapters, ParsesNamedAndUnnamedSpecs) {
  auto named = adapters::parse_adapter_spec("math=out/math-lora");
  EXPECT_EQ(named.name, "math");
  EXPECT_EQ(named.dir, "out/math-lora");
  auto unnamed = adapters::parse_adapter_spec("runs/x=1/code/");
  EXPECT_EQ(unnamed.name, "code");  // a '/' before '=' makes it part of the folder
  EXPECT_EQ(unnamed.dir, "runs/x=1/code/");
  EXPECT_NE(error_of<UsageError>([] { adapters::parse_adapter_spec("base=out/x"); }).find("reserved"),
            std::string::npos);
  EXPECT_NE(error_of<UsageError>([] { adapters::parse_adapter_spec("math="); }).find("no folder given"),
            std::string::npos);
}

TEST(InferenceAdapters, SelectsDefaultBaseAndNamedAdapters) {
  auto m = load_fixture_model("llama");
  auto ref_p = read_tensors(fixture("peft/patterns.reference.safetensors"));
  auto ref_r = read_tensors(fixture("peft/rslora.reference.safetensors"));
  const auto ids = ref_p["input_ids"];
  const auto p = "p=" + fixture("peft/patterns").string(), r = "r=" + fixture("peft/rslora").string();
  adapters::InferenceAdapters set(m.net, {.specs = {p, r}});
  EXPECT_EQ(set.default_name(), "base");  // several adapters and no `use`: the base model
  EXPECT_EQ(set.available(), (std::vector<std::string>{"p", "r", "base"}));
  EXPECT_LT(max_diff(logits_of(m.net, ids), ref_p["base_logits"]), kFp32MergedTolerance);
  set.select("r");
  EXPECT_LT(max_diff(logits_of(m.net, ids), ref_r["logits"]), kFp32MergedTolerance);
  set.select("p");
  EXPECT_LT(max_diff(logits_of(m.net, ids), ref_p["logits"]), kFp32MergedTolerance);
  set.select("");
  EXPECT_EQ(set.active(), "base");
  auto message = error_of<UsageError>([&] { set.select("q"); });
  EXPECT_NE(message.find("no adapter named 'q' (available: p, r, base)"), std::string::npos) << message;
}

TEST(InferenceAdapters, MergeLoadsOnlyTheChosenAdapter) {
  auto m = load_fixture_model("llama");
  auto ref_r = read_tensors(fixture("peft/rslora.reference.safetensors"));
  const auto p = "p=" + fixture("peft/patterns").string(), r = "r=" + fixture("peft/rslora").string();
  auto message = error_of<UsageError>([&] { adapters::InferenceAdapters(m.net, {.specs = {p, r}, .merge = true}); });
  EXPECT_NE(message.find("merge needs one adapter chosen among 2 (p, r)"), std::string::npos) << message;
  adapters::InferenceAdapters set(m.net, {.specs = {p, r}, .use = "r", .merge = true});
  EXPECT_TRUE(set.merged());
  EXPECT_EQ(set.size(), 1u);
  EXPECT_EQ(set.available(), std::vector<std::string>{"r"});
  EXPECT_LT(max_diff(logits_of(m.net, ref_r["input_ids"]), ref_r["logits"]), kFp32MergedTolerance);
  message = error_of<UsageError>([&] { set.select("base"); });
  EXPECT_NE(message.find("'r' is merged into the weights"), std::string::npos) << message;
}

TEST(InferenceAdapters, MisfitAndMissingFolderAreClearErrors) {
  auto m = load_fixture_model("llama_headdim");  // k_proj [48, 64]; the fixture adapters expect [32, 64]
  const auto before = logits_of(m.net, torch::arange(3, 11).unsqueeze(0));
  auto message =
      error_of<ShapeError>([&] { adapters::InferenceAdapters(m.net, {.specs = {fixture("peft/rslora").string()}}); });
  EXPECT_NE(message.find("expected [r, 64] and [48, r] for model.layers.0.self_attn.k_proj.weight [48, 64]"),
            std::string::npos)
      << message;
  EXPECT_TRUE(torch::equal(logits_of(m.net, torch::arange(3, 11).unsqueeze(0)), before));
  message = error_of<IoError>([&] { adapters::InferenceAdapters(m.net, {.specs = {"/nonexistent/lora"}}); });
  EXPECT_NE(message.find("/nonexistent/lora: adapter folder not found"), std::string::npos) << message;
  message = error_of<UsageError>(
      [&] { adapters::InferenceAdapters(m.net, {.specs = {fixture("peft/rslora").string()}, .use = "other"}); });
  EXPECT_NE(message.find("no adapter named 'other' to use (loaded: rslora)"), std::string::npos) << message;
}

}  // namespace
}  // namespace lorag::test
