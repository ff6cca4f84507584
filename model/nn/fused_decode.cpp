// SPDX-License-Identifier: Apache-2.0
#include "model/nn/fused_decode.h"

namespace lorag::model::nn {
namespace {
thread_local int t_unfused_depth = 0;
}  // namespace

bool fused_decode_enabled() { return t_unfused_depth == 0; }

ScopedUnfusedDecode::ScopedUnfusedDecode() { ++t_unfused_depth; }
ScopedUnfusedDecode::~ScopedUnfusedDecode() { --t_unfused_depth; }

}  // namespace lorag::model::nn
