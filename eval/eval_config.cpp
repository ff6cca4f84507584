// SPDX-License-Identifier: Apache-2.0
// Validation of EvalConfig (eval/).
#include "eval/eval_config.h"

#include "model/core/error.h"

namespace lorag::eval {

void EvalConfig::validate() const {
  LORAG_CHECK(k >= 1, ConfigError, "eval config: k is ", k, ", expected >= 1");
  LORAG_CHECK(bootstrap_resamples >= 1, ConfigError, "eval config: bootstrap_resamples is ", bootstrap_resamples,
              ", expected >= 1 (e.g. 1000)");
  LORAG_CHECK(permutations >= 1, ConfigError, "eval config: permutations is ", permutations,
              ", expected >= 1 (e.g. 10000)");
  LORAG_CHECK(confidence > 0 && confidence < 1, ConfigError, "eval config: confidence is ", confidence,
              ", expected a value in (0, 1) such as 0.95");
  LORAG_CHECK(alpha > 0 && alpha < 1, ConfigError, "eval config: alpha is ", alpha,
              ", expected a value in (0, 1) such as 0.05");
}

}  // namespace lorag::eval
