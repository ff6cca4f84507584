// SPDX-License-Identifier: Apache-2.0
// One training sequence as plain vectors (data/); the trainer turns batches of
// them into tensors.
#pragma once

#include <cstdint>
#include <vector>

namespace lorag::data {

// A training sequence of T tokens: one example, or several packed together.
// All four vectors have length T.
struct Example {
  std::vector<int64_t> input_ids;     // token ids
  std::vector<int64_t> labels;        // target ids, -100 (kIgnoreIndex) where no loss counts
  std::vector<int64_t> position_ids;  // 0, 1, 2, ... restarting at 0 for each packed example
  std::vector<int64_t> sequence_ids;  // which packed example a token belongs to: 0, 0, 0, 1, 1, ...
                                      // tokens attend only to earlier tokens with the same id

  std::size_t size() const { return input_ids.size(); }
};

}  // namespace lorag::data
