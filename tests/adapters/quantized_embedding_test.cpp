// SPDX-License-Identifier: Apache-2.0
// An embedding LoRA cannot sit on an embedding kept quantized (GGUF, --quantized
// keep): the table has no dense copy to add the update into, so both a new adapter
// and a loaded one fail with a usage error that names the way out.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "adapters/adapter_set.h"
#include "model/core/error.h"
#include "model/model_loader.h"
#include "tests/test_util.h"

namespace lorag::adapters {
namespace {

TEST(QuantizedEmbedding, NewEmbeddingLoraIsAUsageErrorNamingTheHint) {
  auto m = model::load_model(test::fixture("quant_models/mixed") / "model.gguf",
                             {.device = "cpu", .dtype = "fp32", .quantized = "keep"});
  ASSERT_TRUE(m.net->quantized_embedding());
  LoraConfig config;
  config.target_modules = {"embed_tokens", "q_proj"};
  const auto msg = test::error_of<UsageError>([&] { AdapterSet::create(*m.net, config); });
  EXPECT_NE(msg.find("'model.embed_tokens' is an embedding lora on an embedding kept quantized"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("hint: --quantized dequantize"), std::string::npos) << msg;
  // The same model dequantized at load takes it.
  auto dense = model::load_model(test::fixture("quant_models/mixed") / "model.gguf",
                                 {.device = "cpu", .dtype = "fp32", .quantized = "dequantize"});
  EXPECT_NO_THROW(AdapterSet::create(*dense.net, config));
}

}  // namespace
}  // namespace lorag::adapters
