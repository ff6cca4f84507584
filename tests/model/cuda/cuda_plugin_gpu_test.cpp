// SPDX-License-Identifier: Apache-2.0
// The gpu test binaries link the CUDA plugin (tests/CMakeLists.txt): torch's CUDA
// backend and lorag's kernels are there from the start, as `lorag --device cuda` has them.
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "model/cuda/cuda_plugin.h"
#include "model/cuda/fused_rms_norm.h"
#include "model/model_loader.h"
#include "model/quant/quant_cuda.h"

namespace lorag::model::cuda {
namespace {

TEST(CudaPluginGpu, LinkedPluginRegistersTorchCudaAndLoragKernels) {
  // These hold without a GPU too: they check the link, not the device.
  EXPECT_TRUE(plugin_present());
  EXPECT_TRUE(c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA));
  EXPECT_NE(plugin_symbol("lorag_cuda_infer_ops"), nullptr);
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  EXPECT_TRUE(fused_kernels_available());
  EXPECT_TRUE(quant::cuda::quant_kernels_available());
  EXPECT_NO_THROW(prepare_device("cuda"));
  EXPECT_TRUE(resolve_device("cuda").is_cuda());
  EXPECT_TRUE(resolve_device("auto").is_cuda());
}

}  // namespace
}  // namespace lorag::model::cuda
