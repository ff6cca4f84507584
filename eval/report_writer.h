// SPDX-License-Identifier: Apache-2.0
// Writing a Comparison to a report folder (eval/, torch-free):
// results.jsonl, report.md and report.html, each written atomically.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "eval/comparison.h"

namespace lorag::eval {

// One results.jsonl row: {"question_id", "question", "references", "gold_doc_ids",
// "system", "answer", "uses_retrieval", "sources": [{"doc_id", "score"}],
// "latency_s", "tokens_generated", "metrics": {key: value, defined ones only},
// "judge": {"score", "reason"} | null, "judge_reply"?}.
nlohmann::json result_row(const Comparison& comparison, const ScoredAnswer& row);

// Every row, one JSON object per line, question-major.
std::string render_results_jsonl(const Comparison& comparison);

// A summary.json object: config, systems, per system and metric {n, mean, low,
// high}, and the paired tests, for tools that read the numbers back.
nlohmann::json summary_json(const Comparison& comparison);

// Creates `dir` when missing and writes results.jsonl, summary.json, report.md
// and report.html into it, each through a temp file and rename. Throws IoError
// naming the path when the folder cannot be created or a file written.
void write_report(const std::filesystem::path& dir, const Comparison& comparison);

}  // namespace lorag::eval
