// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for lorag's JSON readers (tests/fuzz, built and run by
// scripts/fuzz.sh json): bounded parsing (model/core/json_limits), config.json
// (parse_model_config), a questions row (parse_question), and the same bytes as
// a JSONL file through the prompt and dataset readers. Any input may be rejected
// with a lorag::Error or nlohmann's parse_error; a crash, a sanitizer report or
// another exception is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "data/record_reader.h"
#include "infer/prompt_records.h"
#include "model/config.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "eval/question.h"

namespace {
const std::filesystem::path& scratch() {
  static const auto path = std::filesystem::temp_directory_path() / ("lorag_json_fuzz_" + std::to_string(getpid()));
  return path;
}

template <typename Fn>
void expect_clean(Fn&& fn) {
  try {
    fn();
  } catch (const lorag::Error&) {
  } catch (const nlohmann::json::exception&) {
    // A parse_error from parse_json (its callers turn it into FormatError); a
    // type_error escaping a reader on a well-formed document is a bug.
    throw;
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json j;
  try {
    j = lorag::parse_json(text, "fuzz.json");
  } catch (const lorag::FormatError&) {
    return 0;
  } catch (const nlohmann::json::parse_error&) {
    return 0;
  }
  expect_clean([&] { lorag::model::parse_model_config(j, "fuzz/config.json"); });
  expect_clean([&] { lorag::eval::parse_question(j, "fuzz.jsonl:1", 1); });
  {
    std::ofstream(scratch(), std::ios::binary | std::ios::trunc) << text;
  }
  expect_clean([&] { lorag::infer::read_prompt_records(scratch()); });
  expect_clean([&] { lorag::data::read_records(scratch(), lorag::data::DatasetFormat::kAuto, false); });
  return 0;
}
