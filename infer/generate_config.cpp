// SPDX-License-Identifier: Apache-2.0
#include "infer/generate_config.h"

#include <cmath>
#include <utility>

#include "model/core/error.h"

namespace lorag::infer {

void GenerateConfig::validate() const {
  // NaN and inf pass every range test below; name them first (issue #18).
  for (const auto& [name, value] : {std::pair{"temperature", temperature}, std::pair{"top_p", top_p},
                                    std::pair{"min_p", min_p}, std::pair{"repetition_penalty", repetition_penalty},
                                    std::pair{"frequency_penalty", frequency_penalty},
                                    std::pair{"presence_penalty", presence_penalty}}) {
    LORAG_CHECK(std::isfinite(value), ConfigError, name, " must be a finite number, got ", value);
  }
  LORAG_CHECK(max_new_tokens >= 0, ConfigError, "max_new_tokens must be >= 0, got ", max_new_tokens);
  LORAG_CHECK(temperature >= 0, ConfigError, "temperature must be >= 0, got ", temperature);
  LORAG_CHECK(top_k >= 0, ConfigError, "top_k must be >= 0, got ", top_k);
  LORAG_CHECK(top_p > 0 && top_p <= 1, ConfigError, "top_p must be in (0, 1], got ", top_p);
  LORAG_CHECK(min_p >= 0 && min_p <= 1, ConfigError, "min_p must be in [0, 1], got ", min_p);
  LORAG_CHECK(repetition_penalty > 0, ConfigError, "repetition_penalty must be > 0, got ", repetition_penalty);
  LORAG_CHECK(frequency_penalty >= -2 && frequency_penalty <= 2, ConfigError,
              "frequency_penalty must be in [-2, 2] (OpenAI's range), got ", frequency_penalty);
  LORAG_CHECK(presence_penalty >= -2 && presence_penalty <= 2, ConfigError,
              "presence_penalty must be in [-2, 2] (OpenAI's range), got ", presence_penalty);
  for (const auto& s : stop) LORAG_CHECK(!s.empty(), ConfigError, "stop strings must not be empty");
}

}  // namespace lorag::infer
