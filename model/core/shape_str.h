// SPDX-License-Identifier: Apache-2.0
// Tensor shapes in error messages (model/core): "[4096, 16]", as torch prints sizes().
#pragma once

#include <cstddef>
#include <string>

namespace lorag {

// `dims` is any sequence of integers with size() and operator[]:
// c10::IntArrayRef (tensor.sizes()), std::vector<int64_t>.
template <typename Dims>
std::string shape_str(const Dims& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

}  // namespace lorag
