// SPDX-License-Identifier: Apache-2.0
// Weights that load without complaint but would give garbage (issue #18): an
// integer dtype for a float weight, and NaN/Inf values, are refused naming the
// tensor; the untouched fixture still loads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "model/core/error.h"
#include "model/formats/safetensors_file.h"
#include "model/formats/safetensors_writer.h"
#include "model/tensor_source.h"
#include "model/weight_loading.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
namespace fs = std::filesystem;
using model::formats::SafetensorsFile;
using model::formats::SafetensorsTensorRef;

// A copy of fixtures/models/llama whose tensor `name` gets `dtype` and the bytes
// `edit` makes of its (F32) data.
fs::path llama_with_tensor(const std::string& name, const std::string& dtype,
                           const std::function<void(std::vector<uint8_t>&)>& edit) {
  const auto dir = temp_dir("weight_checks");
  for (const auto& entry : fs::directory_iterator(fixture("models/llama"))) {
    if (entry.path().filename() != "model.safetensors") fs::copy(entry.path(), dir / entry.path().filename());
  }
  const auto src = SafetensorsFile::open(fixture("models/llama/model.safetensors"));
  std::map<std::string, std::vector<uint8_t>> bytes;
  std::vector<SafetensorsTensorRef> refs;
  for (const auto& [key, entry] : src->tensors()) bytes[key].assign(entry.data.begin(), entry.data.end());
  edit(bytes.at(name));
  for (const auto& [key, entry] : src->tensors()) {
    refs.push_back({key, key == name ? dtype : entry.dtype, entry.shape, bytes.at(key)});
  }
  model::formats::write_safetensors(dir / "model.safetensors", refs, {{"format", "pt"}});
  return dir;
}

TEST(WeightChecks, IntegerDtypeForAFloatWeightIsRefused) {
  const auto dir = llama_with_tensor("model.norm.weight", "I32", [](auto&) {});
  const auto message = error_of<FormatError>([&] { load_cpu(dir); });
  EXPECT_NE(message.find("tensor 'model.norm.weight' has dtype Int, expected a floating-point type"),
            std::string::npos)
      << message;
  fs::remove_all(dir);
}

TEST(WeightChecks, NonFiniteWeightIsRefusedNamingTheTensor) {
  for (float bad : {NAN, INFINITY}) {
    const auto dir = llama_with_tensor("model.layers.1.mlp.up_proj.weight", "F32",
                                       [&](auto& b) { std::memcpy(b.data() + 4 * 17, &bad, 4); });
    const auto message = error_of<FormatError>([&] { load_cpu(dir); });
    EXPECT_NE(message.find("tensor 'model.layers.1.mlp.up_proj.weight' holds non-finite values (NaN or Inf)"),
              std::string::npos)
        << message;
    fs::remove_all(dir);
  }
}

TEST(WeightChecks, UnchangedCopyLoadsWithTheSameLogits) {
  torch::NoGradGuard no_grad;
  const auto dir = llama_with_tensor("model.norm.weight", "F32", [](auto&) {});
  // The llama fixture has no tokenizer, so the weights go in as load_fixture_model does.
  model::CausalLM net(model::load_model_config(dir), torch::TensorOptions().dtype(torch::kFloat32));
  model::load_weights(*net, *model::open_safetensors_checkpoint(dir));
  auto ref = read_tensors(fixture("models/llama/reference.safetensors"));
  auto logits = net->forward({.input_ids = ref["input_ids"]});
  EXPECT_LT((logits - ref["logits"]).abs().max().item<double>(), kFp32LogitTolerance);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lorag::test
