// SPDX-License-Identifier: Apache-2.0
// Whole models loaded with their GGUF matrices kept quantized: logits against
// transformers reading the same file (scripts/fixtures/quant_models.py: every kept
// type in one model; gguf_models.py: llama with Q8_0 and permuted q/k rows), and
// against the same file dequantized at load.
#include "model/quant/gguf_quantized.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include "model/kv_cache.h"
#include "model/lora_linear.h"
#include "model/model_loader.h"
#include "model/quant/kernels/quant_dot.h"
#include "model/quant/quantized_weight.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::quant {
namespace {
using namespace kernels;  // the ISA and activation test hooks

model::LoadedModel load(const std::filesystem::path& path, const std::string& mode) {
  return model::load_model(path, {.device = "cpu", .dtype = "fp32", .quantized = mode});
}

int64_t count_quantized(model::CausalLM& net) {
  int64_t n = 0;
  for (const auto& item : net->named_modules()) {
    auto linear = std::dynamic_pointer_cast<LoraLinearImpl>(item.value());
    if (!linear || !linear->quantized_base()) continue;
    ++n;
    EXPECT_LE(linear->weight.storage().nbytes(), sizeof(float)) << item.key() << " holds a dense copy";
  }
  return n;
}

// Tolerance, relative to the largest |logit|: transformers multiplies gguf-py's
// dequantized fp32 weights; the kernels give the same products up to fp32 summation
// order (~2e-5 relative per matrix, quant_kernels_test), compounded over 2 layers.
constexpr double kLogitRelTol = 1e-4;

double rel_logit_diff(model::LoadedModel& m, const std::map<std::string, torch::Tensor>& ref) {
  torch::NoGradGuard no_grad;
  auto logits = m.net->forward({.input_ids = ref.at("input_ids")});
  EXPECT_EQ(logits.sizes(), ref.at("logits").sizes());
  return ((logits - ref.at("logits")).abs().max() / ref.at("logits").abs().max()).item<double>();
}

TEST(GgufQuantized, MixedTypesModelMatchesTransformers) {
  const auto dir = test::fixture("quant_models/mixed");
  auto ref = test::read_tensors(dir / "reference.safetensors");
  auto kept = load(dir / "model.gguf", "keep");
  EXPECT_EQ(kept.quantized_tensors, 15);  // 7 matrices × 2 layers and the tied Q8_0 embedding
  EXPECT_EQ(count_quantized(kept.net), 14);
  ASSERT_TRUE(kept.net->quantized_embedding());
  EXPECT_LE(kept.net->model->embed_tokens.storage().nbytes(), sizeof(float));
  EXPECT_LT(rel_logit_diff(kept, ref), kLogitRelTol);
  auto dense = load(dir / "model.gguf", "dequantize");
  EXPECT_EQ(count_quantized(dense.net), 0);
  EXPECT_LT(rel_logit_diff(dense, ref), kLogitRelTol);
}

TEST(GgufQuantized, PermutedLlamaQ8ModelMatchesTransformersForEveryIsa) {
  const auto dir = test::fixture("gguf_models/llama");
  auto ref = test::read_tensors(dir / "reference.safetensors");
  auto kept = load(dir / "model.gguf", "keep");
  EXPECT_GT(count_quantized(kept.net), 0);
  for (Isa isa : kAllIsas) {
    if (!cpu_runs(isa)) continue;
    force_isa(isa);
    EXPECT_LT(rel_logit_diff(kept, ref), kLogitRelTol) << isa_name(isa);
  }
  force_isa(std::nullopt);
}

// Runs the row kernels with fp32 x (the pre-int8 arithmetic) while alive.
struct Fp32Activations {
  Fp32Activations() { force_fp32_activations(true); }
  ~Fp32Activations() { force_fp32_activations(false); }
};

TEST(GgufQuantized, DecodeRowsEqualTheFullForward) {
  // One-token steps run the row kernels, the full sequence runs the tiles.
  const Fp32Activations fp32_x;
  const auto dir = test::fixture("quant_models/mixed");
  auto ref = test::read_tensors(dir / "reference.safetensors");
  auto m = load(dir / "model.gguf", "keep");
  torch::NoGradGuard no_grad;
  auto ids = ref.at("input_ids").slice(0, 0, 1);  // [1, 24]
  auto full = m.net->forward({.input_ids = ids});
  for (int64_t t : {0, 11, 23}) {
    auto prefix = m.net->forward({.input_ids = ids.slice(1, 0, t + 1)});  // [1, t+1, V]; t=0 is one row
    auto diff = (prefix.select(1, t) - full.select(1, t)).abs().max().item<double>();
    EXPECT_LT(diff, kLogitRelTol * full.abs().max().item<double>()) << "position " << t;
  }
}

// The default int8 x of the row kernels, one KV-cached step per token against the
// full forward (the tiles, fp32 x): each product errs by the rounding of x to 8 bits
// per 32 values (NMSE ~3e-5 per matrix, quant_dot_q8_test), ~0.5% rms of each
// output, compounded over the 2 layers' 7 products and the head; the worst of 24 × V
// logits is several of those rms errors: measured 0.034 of the largest logit on this
// random-weight model, the same for every variant (their integer sums are exact).
// With fp32 x the same steps stay within kLogitRelTol, so the deviation is x's
// rounding alone; a wrong kernel errs by O(1).
constexpr double kInt8LogitRelTol = 5e-2;

double worst_step_diff(model::LoadedModel& m, const torch::Tensor& ids, const torch::Tensor& full) {
  model::KvCache cache(m.config, 1, ids.size(1), torch::dtype(torch::kFloat32));
  double worst = 0;
  for (int64_t t = 0; t < ids.size(1); ++t) {
    auto step = m.net->forward({.input_ids = ids.slice(1, t, t + 1), .cache = &cache});  // [1, 1, V]
    worst = std::max(worst, (step.select(1, 0) - full.select(1, t)).abs().max().item<double>());
  }
  return worst / full.abs().max().item<double>();
}

TEST(GgufQuantized, Int8DecodeStepsStayNearTheFullForward) {
  const auto dir = test::fixture("quant_models/mixed");
  auto ref = test::read_tensors(dir / "reference.safetensors");
  auto m = load(dir / "model.gguf", "keep");
  torch::NoGradGuard no_grad;
  auto ids = ref.at("input_ids").slice(0, 0, 1);  // [1, 24]
  auto full = m.net->forward({.input_ids = ids});  // [1, 24, V]
  for (Isa isa : kAllIsas) {
    if (!cpu_runs(isa)) continue;
    force_isa(isa);
    const double worst = worst_step_diff(m, ids, full);
    EXPECT_LT(worst, kInt8LogitRelTol) << isa_name(isa);
    RecordProperty(std::string("worst_rel_logit_diff_") + std::string(isa_name(isa)), std::to_string(worst));
    const Fp32Activations fp32_x;
    EXPECT_LT(worst_step_diff(m, ids, full), kLogitRelTol) << isa_name(isa) << " with fp32 x";
  }
  force_isa(std::nullopt);
}

// The tied Q8_0 head, made for the output head at load (exact_argmax.h): at each
// int8 decode step its greedy pick and the winning logit are what the same hidden
// state gives with fp32 x through the head; the other logits carry int8 x's error,
// which shows that the screened path ran rather than fp32 x throughout.
TEST(GgufQuantized, HeadPicksWhatFp32XPicksOnEachStep) {
  const auto dir = test::fixture("quant_models/mixed");
  auto ref = test::read_tensors(dir / "reference.safetensors");
  auto m = load(dir / "model.gguf", "keep");
  ASSERT_TRUE(m.net->quantized_embedding() && !m.net->lm_head) << "the fixture's head is its tied embedding";
  torch::NoGradGuard no_grad;
  auto ids = ref.at("input_ids").slice(0, 0, 1);  // [1, 24]
  model::KvCache cache(m.config, 1, ids.size(1), torch::dtype(torch::kFloat32));
  int screened_steps = 0;
  for (int64_t t = 0; t < ids.size(1); ++t) {
    auto h = m.net->hidden_states({.input_ids = ids.slice(1, t, t + 1), .cache = &cache});  // [1, 1, C]
    const auto got = m.net->logits(h)[0][0];                                                // [V]
    torch::Tensor want;
    {
      const Fp32Activations fp32_x;
      want = m.net->logits(h)[0][0];  // [V]
    }
    const auto pick = want.argmax().item<int64_t>();
    EXPECT_EQ(got.argmax().item<int64_t>(), pick) << "step " << t;
    EXPECT_EQ(got[pick].item<float>(), want[pick].item<float>()) << "step " << t;
    screened_steps += !torch::equal(got, want);
  }
  EXPECT_EQ(screened_steps, ids.size(1));
}

// QLoRA: adapters on every projection of a quantized base get the gradients they get
// on the dequantized base (the backward of each quantized matmul is grad·W through
// dequantized tiles), and the base itself gets none.
TEST(GgufQuantized, AdapterGradientsEqualThoseOnTheDequantizedBase) {
  const auto dir = test::fixture("quant_models/mixed");
  auto ref = test::read_tensors(dir / "reference.safetensors");
  std::vector<std::vector<torch::Tensor>> grads;
  for (const std::string mode : {"keep", "dequantize"}) {
    auto m = load(dir / "model.gguf", mode);
    torch::manual_seed(11);
    std::vector<torch::Tensor> params;
    for (const auto& item : m.net->named_modules()) {
      if (auto linear = std::dynamic_pointer_cast<LoraLinearImpl>(item.value())) {
        linear->attach(4, 8.0);
        torch::NoGradGuard no_grad;
        linear->lora_B->weight.normal_(0.0, 0.02);  // B = 0 would leave A without gradient
        for (auto& p : linear->adapter_parameters()) params.push_back(p);
      }
    }
    m.net->train();
    auto ids = ref.at("input_ids");
    auto logits = m.net->forward({.input_ids = ids});  // [2, 24, V]
    auto loss = torch::nn::functional::cross_entropy(logits.slice(1, 0, -1).reshape({-1, logits.size(-1)}),
                                                     ids.slice(1, 1).reshape({-1}));
    loss.backward();
    std::vector<torch::Tensor> g;
    for (auto& p : params) g.push_back(p.grad().clone());
    grads.push_back(g);
    for (const auto& item : m.net->named_parameters()) {
      if (item.key().find("lora_") == std::string::npos) EXPECT_FALSE(item.value().grad().defined()) << item.key();
    }
  }
  ASSERT_EQ(grads[0].size(), 28u);  // A and B of 14 projections
  for (size_t i = 0; i < grads[0].size(); ++i) {
    const double scale = grads[1][i].abs().max().item<double>();
    EXPECT_GT(scale, 0.0) << i;
    EXPECT_LT((grads[0][i] - grads[1][i]).abs().max().item<double>(), 1e-3 * scale) << "parameter " << i;
  }
}

TEST(GgufQuantized, ModeFlagIsCheckedAndCudaFallsBackToDense) {
  EXPECT_EQ(resolve_quantized_mode("auto", false), QuantizedMode::kKeep);
  EXPECT_EQ(resolve_quantized_mode("auto", true), QuantizedMode::kDequantize);
  EXPECT_EQ(resolve_quantized_mode("keep", true), QuantizedMode::kKeep);
  EXPECT_NE(test::error_of<UsageError>([] { resolve_quantized_mode("int4", false); })
                .find("--quantized 'int4' is not a mode (expected auto, keep or dequantize)"),
            std::string::npos);
}

}  // namespace
}  // namespace lorag::model::quant
