// SPDX-License-Identifier: Apache-2.0
// The CUDA plugin (model/cuda/cuda_plugin.h): model_tests links only LibTorch's
// CPU half, so torch's CUDA backend is absent until liblorag_cuda.so is loaded,
// and loading it registers the backend as linking libtorch_cuda would.
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "model/core/error.h"
#include "model/cuda/cuda_plugin.h"
#include "model/cuda/fused_rms_norm.h"
#include "model/quant/quant_cuda.h"

namespace lorag::model::cuda {
namespace {

// Whether a shared library named `name` is mapped into this process.
bool mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.find("/" + name) != std::string::npos) return true;
  }
  return false;
}

bool has_cuda_add_kernel() {
  const auto add = c10::Dispatcher::singleton().findSchemaOrThrow("aten::add", "Tensor");
  return add.hasKernelForDispatchKey(c10::DispatchKey::CUDA);
}

// Runs first (declaration order) so that the plugin is not loaded yet.
TEST(CudaPlugin, MissingPluginFileIsReportedWithThePathTried) {
#ifndef LORAG_WITH_CUDA_KERNELS
  GTEST_SKIP() << "built without the CUDA plugin";
#endif
  if (plugin_present()) GTEST_SKIP() << "the plugin is already loaded in this process";
  setenv("LORAG_CUDA_PLUGIN", "/nonexistent/liblorag_cuda.so", 1);
  std::string why;
  const bool loaded = load_plugin(&why);
  unsetenv("LORAG_CUDA_PLUGIN");
  EXPECT_FALSE(loaded);
  EXPECT_EQ(why, "the CUDA plugin liblorag_cuda.so is missing (looked at /nonexistent/liblorag_cuda.so)");
  EXPECT_FALSE(plugin_present());
}

TEST(CudaPlugin, LoadingRegistersTorchsCudaBackend) {
#ifndef LORAG_WITH_CUDA_KERNELS
  GTEST_SKIP() << "built without the CUDA plugin";
#endif
  if (plugin_present()) GTEST_SKIP() << "the plugin is already loaded in this process";
  // Before: no CUDA library mapped, no CUDA device guard, no CUDA kernels, no lorag kernels.
  EXPECT_FALSE(mapped("libtorch_cuda.so"));
  EXPECT_FALSE(mapped("libcublas.so"));
  EXPECT_FALSE(c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA));
  EXPECT_FALSE(has_cuda_add_kernel());
  EXPECT_FALSE(fused_kernels_available());
  EXPECT_FALSE(quant::cuda::quant_kernels_available());
  EXPECT_EQ(plugin_symbol("lorag_cuda_infer_ops"), nullptr);

  std::string why;
  ASSERT_TRUE(load_plugin(&why)) << why;
  EXPECT_TRUE(mapped("liblorag_cuda.so"));
  EXPECT_TRUE(mapped("libtorch_cuda.so"));
  EXPECT_TRUE(c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA));
  EXPECT_TRUE(has_cuda_add_kernel());
  EXPECT_TRUE(fused_kernels_available());
  EXPECT_TRUE(quant::cuda::quant_kernels_available());
  EXPECT_NE(plugin_symbol("lorag_cuda_infer_ops"), nullptr);
  EXPECT_TRUE(load_plugin(&why)) << "a second load is a no-op";
}

TEST(CudaPlugin, RequiredCudaWithoutADriverIsOneClearError) {
  std::string why;
  if (driver_device_count(&why) > 0) GTEST_SKIP() << "this machine has a CUDA device";
  EXPECT_NO_THROW(prepare_device("cpu"));
  EXPECT_NO_THROW(prepare_device("auto"));  // stays on the cpu
  try {
    prepare_device("cuda:1");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("--device cuda:1: " + why + " (use --device cpu)", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace lorag::model::cuda
