// SPDX-License-Identifier: Apache-2.0
// The engine's runtime knobs (infer/): slots, their context and the prefill chunk,
// named as llama.cpp's server names them.
#pragma once

#include <cstdint>

namespace lorag::infer {

struct EngineConfig {
  int64_t parallel = 1;          // slots, i.e. requests decoded together (llama.cpp's --parallel), e.g. 4
  int64_t ctx_size = 0;          // tokens per slot (prompt + output); 0 = the model's context length, e.g. 4096
  int64_t prefill_chunk = 512;   // prompt tokens run per scheduler step at most, e.g. 512
  bool prefix_reuse = true;      // a new request reuses the keys/values of a slot's matching prefix
  bool cuda_graphs = true;       // on CUDA, replay the decode step as a graph per batch-size bucket
  // Throws ConfigError naming the field and value.
  void validate() const;
};

}  // namespace lorag::infer
