// SPDX-License-Identifier: Apache-2.0
// Generating a file of prompts (infer/): every PromptRecord through one Engine,
// queued adapter group by adapter group so rows of one adapter decode together,
// results handed back in input order. `lorag generate --input` runs on it.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "infer/engine_request.h"
#include "infer/generate_config.h"
#include "infer/generator.h"
#include "infer/model_session.h"
#include "infer/prompt_records.h"

namespace lorag::infer {

// One finished record: its position in the records, the adapter it ran with
// (never "", "base" = none) and the engine's result.
using PromptBatchRow = std::function<void(std::size_t index, const std::string& adapter, const EngineResult& result)>;

// Generates every record with `config` (plus the formatter's end-of-turn ids as
// stop ids) on one engine of `engine_config.parallel` slots, calling `on_row` once
// per record in input order, as soon as it and every record before it are done.
// `source` names the records' file in errors. Throws FormatError (source:line)
// for an adapter that is not loaded and Error "prompt N: ..." for a row the
// engine failed. Returns the totals of every row.
GenerationStats generate_prompt_batch(ModelSession& session, const std::vector<PromptRecord>& records,
                                      const std::string& source, GenerateConfig config,
                                      const EngineConfig& engine_config, const PromptBatchRow& on_row);

}  // namespace lorag::infer
