// SPDX-License-Identifier: Apache-2.0
// A weighted combination of adapters into a new one (adapters/), as PEFT's
// `add_weighted_adapter(..., combination_type="cat")`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "adapters/adapter_set.h"

namespace lorag::adapters {

// 'cat' semantics, chosen because it is exact: for every module, the new A stacks
// wᵢ·sᵢ·Aᵢ along the rank and the new B stacks Bᵢ, so the new delta is
// Σ wᵢ·sᵢ·Bᵢ·Aᵢ (sᵢ each adapter's scale for that module). The rank is the sum of
// the inputs' ranks (per module, written as rank_pattern where it differs from the
// total r), lora_alpha equals the rank so the new scale is 1, use_rslora is off,
// target_modules is the union. Tensors are fp32 on the CPU. Modules missing from an
// adapter contribute nothing. Throws UsageError for no inputs or a weight count
// mismatch, ConfigError when an input has modules_to_save (full copies do not combine).
AdapterSet combine_adapters(const std::vector<const AdapterSet*>& adapters, const std::vector<double>& weights,
                            const std::string& name);

}  // namespace lorag::adapters
