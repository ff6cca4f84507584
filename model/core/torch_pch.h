// SPDX-License-Identifier: Apache-2.0
// Precompiled header for LibTorch targets (build speed only; sources still
// include what they use).
#pragma once
#include <torch/torch.h>
