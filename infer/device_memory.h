// SPDX-License-Identifier: Apache-2.0
// Peak GPU memory as LibTorch's CUDA allocator counts it (infer/).
#pragma once

#include <cstdint>

namespace lorag::infer {

// Peak bytes allocated on the current CUDA device since the last reset; 0 when
// CUDA is not available.
int64_t peak_device_memory_bytes();
void reset_peak_device_memory();

}  // namespace lorag::infer
