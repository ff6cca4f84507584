// SPDX-License-Identifier: Apache-2.0
#include "model/dtype_name.h"

#include <gtest/gtest.h>

namespace lorag::model {
namespace {

// transformers' torch_dtype strings name the same dtypes as torch.<name>.
TEST(DtypeName, ShortAndTransformersNamesAgree) {
  EXPECT_EQ(dtype_from_name("fp32"), c10::kFloat);
  EXPECT_EQ(dtype_from_name("float32"), c10::kFloat);
  EXPECT_EQ(dtype_from_name("bf16"), c10::kBFloat16);
  EXPECT_EQ(dtype_from_name("bfloat16"), c10::kBFloat16);
  EXPECT_EQ(dtype_from_name("fp16"), c10::kHalf);
  EXPECT_EQ(dtype_from_name("float16"), c10::kHalf);
  for (const char* bad : {"", "auto", "int8", "FP32", "float"}) EXPECT_FALSE(dtype_from_name(bad)) << bad;
}

}  // namespace
}  // namespace lorag::model
