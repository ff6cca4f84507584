// SPDX-License-Identifier: Apache-2.0
// The switch between the fused CPU decode loops (model/nn/*_cpu.h) and the LibTorch
// operators they replace (model/nn): tests and benchmarks run both on one model.
#pragma once

namespace lorag::model::nn {

// True unless a ScopedUnfusedDecode is alive on this thread.
bool fused_decode_enabled();

// While alive, this thread's forward passes take the LibTorch path everywhere the
// fused decode loops would apply (decode_attention_cpu, act_mul_cpu): the reference
// the fused path is tested against. Nests; not shared across threads.
class ScopedUnfusedDecode {
 public:
  ScopedUnfusedDecode();
  ~ScopedUnfusedDecode();
  ScopedUnfusedDecode(const ScopedUnfusedDecode&) = delete;
  ScopedUnfusedDecode& operator=(const ScopedUnfusedDecode&) = delete;
};

}  // namespace lorag::model::nn
