// SPDX-License-Identifier: Apache-2.0
// Loading the tiny fixture models and their transformers references (tests/model).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

#include "model/causal_lm.h"
#include "model/config.h"
#include "model/model_loader.h"

namespace lorag::test {

// fp32 CPU against transformers fp32 CPU: only summation order differs.
constexpr double kFp32LogitTolerance = 1e-4;

struct FixtureModel {
  model::ModelConfig config;
  model::CausalLM net{nullptr};
  std::map<std::string, torch::Tensor> reference;  // reference.safetensors, copied out
};

// Every tensor of a safetensors file (F32 or I64), copied out of the mapping.
std::map<std::string, torch::Tensor> read_tensors(const std::filesystem::path& path);

// Loads fixtures/models/`name` in fp32 on the CPU with its reference tensors.
FixtureModel load_fixture_model(const std::string& name);

// Any model lorag loads (folder or .gguf), in fp32 on the CPU.
model::LoadedModel load_cpu(const std::filesystem::path& path);

// The largest |logit difference| between `model` run on the reference's
// input_ids and the reference's logits (a test failure on a shape mismatch).
double max_logit_diff(const std::filesystem::path& model, const std::filesystem::path& reference);

}  // namespace lorag::test
