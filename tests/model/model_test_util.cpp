// SPDX-License-Identifier: Apache-2.0
#include "tests/model/model_test_util.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model/tensor_source.h"
#include "model/weight_loading.h"
#include "model/formats/safetensors_file.h"
#include "tests/test_util.h"

namespace lorag::test {

FixtureModel load_fixture_model(const std::string& name) {
  FixtureModel out;
  const auto dir = fixture("models/" + name);
  out.config = model::load_model_config(dir);
  out.net = model::CausalLM(out.config, torch::TensorOptions().dtype(torch::kFloat32));
  model::load_weights(*out.net, *model::open_safetensors_checkpoint(dir));
  out.net->eval();
  out.reference = read_tensors(dir / "reference.safetensors");
  return out;
}

std::map<std::string, torch::Tensor> read_tensors(const std::filesystem::path& path) {
  std::map<std::string, torch::Tensor> out;
  auto file = model::formats::SafetensorsFile::open(path);
  for (const auto& [key, entry] : file->tensors()) {
    auto dtype = entry.dtype == "F32" ? torch::kFloat32 : entry.dtype == "BOOL" ? torch::kBool : torch::kInt64;
    out[key] = torch::from_blob(const_cast<uint8_t*>(entry.data.data()), entry.shape, torch::dtype(dtype)).clone();
  }
  return out;
}

model::LoadedModel load_cpu(const std::filesystem::path& path) {
  return model::load_model(path, {.device = "cpu", .dtype = "fp32"});
}

double max_logit_diff(const std::filesystem::path& model, const std::filesystem::path& reference) {
  torch::NoGradGuard no_grad;
  auto m = load_cpu(model);
  auto ref = read_tensors(reference);
  auto logits = m.net->forward({.input_ids = ref["input_ids"]});
  EXPECT_EQ(logits.sizes(), ref["logits"].sizes());
  if (logits.sizes() != ref["logits"].sizes()) return INFINITY;
  return (logits - ref["logits"]).abs().max().item<double>();
}

}  // namespace lorag::test
