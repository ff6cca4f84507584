// SPDX-License-Identifier: Apache-2.0
// Native-bf16 CPU detection (`--dtype auto` is bf16 on such CPUs, fp32 elsewhere), and
// bf16 CPU logits against transformers' fp32 logits and lorag's own fp32 ones for the
// same GGUF file.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "model/model_loader.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag {
namespace {

// The kernel's own account of the CPU, independent of __builtin_cpu_supports.
bool cpuinfo_has_bf16() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) {
      return line.find(" avx512_bf16") != std::string::npos || line.find(" amx_bf16") != std::string::npos;
    }
  }
  return false;
}

TEST(CpuDtype, AutoIsBf16ExactlyWhereTheKernelReportsNativeBf16) {
  if (!std::ifstream("/proc/cpuinfo")) GTEST_SKIP() << "no /proc/cpuinfo";
  EXPECT_EQ(model::cpu_has_fast_bf16(), cpuinfo_has_bf16());
  EXPECT_EQ(model::resolve_dtype("auto", c10::Device(c10::kCPU)),
            cpuinfo_has_bf16() ? c10::kBFloat16 : c10::kFloat);
  EXPECT_EQ(model::resolve_dtype("fp32", c10::Device(c10::kCPU)), c10::kFloat);
  EXPECT_EQ(model::resolve_dtype("bf16", c10::Device(c10::kCPU)), c10::kBFloat16);
}

// bf16 keeps 8 significant bits: each weight, activation and matmul output is rounded
// by up to 2^-9 relative; over 2 layers of random weights the logits drift by about
// 1% of their range in practice, so 3% of the largest |logit| bounds it while a
// wrong layer (wrong weight, wrong order) is off by the whole range.
constexpr double kBf16LogitRelTol = 0.03;

TEST(CpuDtype, Bf16LogitsMatchTransformersFp32WithinBf16Tolerance) {
  for (const std::string mode : {"dequantize", "keep"}) {
    const auto dir = test::fixture("gguf_models/llama");
    auto ref = test::read_tensors(dir / "reference.safetensors");
    auto m = model::load_model(dir / "model.gguf", {.device = "cpu", .dtype = "bf16", .quantized = mode});
    ASSERT_EQ(m.net->dtype(), torch::kBFloat16);
    torch::NoGradGuard no_grad;
    auto logits = m.net->forward({.input_ids = ref.at("input_ids")}).to(torch::kFloat32);
    auto want = ref.at("logits");
    const double rel = ((logits - want).abs().max() / want.abs().max()).item<double>();
    EXPECT_LT(rel, kBf16LogitRelTol) << mode;
    EXPECT_GT(rel, 0.0) << mode << ": bf16 identical to fp32 means it did not run in bf16";
  }
}

// What `--dtype auto` gives on this CPU against lorag's own fp32 run of the same file:
// bf16 (native CPUs) within the bf16 tolerance, fp32 (others) identical.
TEST(CpuDtype, AutoLogitsMatchFp32WithinTheResolvedDtypesTolerance) {
  const auto dir = test::fixture("gguf_models/llama");
  auto ids = test::read_tensors(dir / "reference.safetensors").at("input_ids");
  auto fp32 = model::load_model(dir / "model.gguf", {.device = "cpu", .dtype = "fp32", .quantized = "keep"});
  auto autod = model::load_model(dir / "model.gguf", {.device = "cpu", .dtype = "auto", .quantized = "keep"});
  ASSERT_EQ(autod.net->dtype(), model::resolve_dtype("auto", c10::Device(c10::kCPU)));
  torch::NoGradGuard no_grad;
  auto want = fp32.net->forward({.input_ids = ids});
  auto got = autod.net->forward({.input_ids = ids}).to(torch::kFloat32);
  const double rel = ((got - want).abs().max() / want.abs().max()).item<double>();
  if (autod.net->dtype() == torch::kFloat32) {
    EXPECT_EQ(rel, 0.0);
  } else {
    EXPECT_LT(rel, kBf16LogitRelTol);
    EXPECT_GT(rel, 0.0) << "auto resolved to bf16 but the logits equal fp32's";
  }
}

}  // namespace
}  // namespace lorag
