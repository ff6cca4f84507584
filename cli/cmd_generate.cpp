// SPDX-License-Identifier: Apache-2.0
// `lorag generate`: one prompt streamed to stdout, or a JSONL batch to JSONL.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/adapter_options.h"
#include "cli/commands.h"
#include "cli/model_session.h"
#include "infer/prompt_batch.h"
#include "infer/prompt_records.h"
#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "model/text/chat_template.h"

namespace lorag::cli {
namespace {

struct GenerateFlags {
  std::string prompt, prompt_file, input, output;
  int64_t batch_size = 8;
  bool no_stream = false;
  bool strip_thinking = false;  // show the answer without <think>...</think> (implies no_stream)
};

infer::GenerationStats stats_of(const infer::EngineStats& e, int64_t prompt_tokens, int64_t generated) {
  return {.prompt_tokens = prompt_tokens, .generated_tokens = generated, .prefill_seconds = e.prefill_seconds,
          .decode_seconds = e.decode_seconds};
}

// One JSON line per prompt, in input order: to stdout as rows finish, or to
// --output once all are done.
int run_batch(ModelSession& s, const GenerateFlags& flags, const infer::GenerateConfig& config,
              const infer::EngineConfig& engine_config) {
  const auto records = infer::read_prompt_records(flags.input);
  std::string out;
  auto write_row = [&](size_t i, const std::string& adapter, const infer::EngineResult& r) {
    nlohmann::json line = {{"id", records[i].id},
                           {"text", flags.strip_thinking ? model::text::strip_thinking(r.text) : r.text},
                           {"finish_reason", r.finish_reason},
                           {"prompt_tokens", r.prompt_tokens},
                           {"completion_tokens", r.completion_tokens}};
    if (s.adapters) line["adapter"] = adapter;
    if (flags.output.empty()) {
      std::cout << line.dump() << "\n" << std::flush;
    } else {
      out += line.dump() + "\n";
    }
  };
  const auto stats = infer::generate_prompt_batch(s, records, flags.input, config, engine_config, write_row);
  if (!flags.output.empty()) write_file_atomically(flags.output, out);
  report_speed(s, stats);
  return 0;
}

}  // namespace

int run_generate(const Args& args) {
  ModelOptions model;
  infer::GenerateConfig config;
  infer::EngineConfig engine_config;
  GenerateFlags flags;
  AdapterOptions adapter;
  po::options_description input("Input and output");
  input.add_options()
      ("prompt", po::value(&flags.prompt)->value_name("TEXT"), "the prompt (also accepted as the last argument)")
      ("prompt-file", po::value(&flags.prompt_file)->value_name("FILE"), "read the prompt from a text file")
      ("input", po::value(&flags.input)->value_name("FILE.jsonl"),
       "batch: one {\"prompt\": ...} or {\"messages\": [...]} per line (optional \"id\", \"system\", "
       "\"adapter\")")
      ("output", po::value(&flags.output)->value_name("FILE.jsonl"), "batch results (default: stdout)")
      ("batch-size", po::value(&flags.batch_size)->default_value(flags.batch_size), "prompts generated together")
      ("no-stream", po::bool_switch(&flags.no_stream), "print the answer when done instead of token by token")
      ("strip-thinking", po::bool_switch(&flags.strip_thinking),
       "leave <think>...</think> reasoning (Qwen3, DeepSeek-R1 distills) out of the shown answer; implies --no-stream");
  po::options_description all;
  all.add(input).add(model_options(model)).add(adapter_options(adapter)).add(generation_options(config, engine_config));
  po::positional_options_description positional;
  positional.add("prompt", 1);
  po::variables_map vm;
  if (!parse_options(args, all, positional, vm)) {
    print_usage("generate", "Generates text with a model (greedy unless --temperature > 0).", all);
    return 0;
  }
  const int sources = static_cast<int>(vm.count("prompt") + vm.count("prompt-file") + vm.count("input"));
  LORAG_CHECK(sources == 1, UsageError, "give exactly one of --prompt, --prompt-file or --input");
  LORAG_CHECK(flags.batch_size > 0, UsageError, "--batch-size must be positive, got ", flags.batch_size);
  engine_config.validate();
  LORAG_CHECK(flags.output.empty() || !flags.input.empty(), UsageError, "--output needs --input");
  if (!flags.output.empty()) check_can_write(flags.output);  // before any answer is generated (issue #18)
  config.validate();
  validate_adapter_options(adapter);

  std::string prompt = flags.prompt;
  if (!flags.prompt_file.empty()) prompt = read_file(flags.prompt_file);
  LORAG_CHECK(!flags.input.empty() || !prompt.empty(), UsageError, "the prompt is empty");

  auto session = open_session(model);
  load_adapters(session, adapter);
  if (!flags.input.empty()) {
    if (vm["parallel"].defaulted()) engine_config.parallel = flags.batch_size;
    return run_batch(session, flags, config, engine_config);
  }
  config.stop_token_ids = session.formatter->end_of_turn_ids();
  auto ids = session.formatter->encode_prompt(prompt, model.system);
  if (flags.strip_thinking) flags.no_stream = true;  // a think block is only known once it closes
  auto engine = infer::make_engine(session, engine_config, ids.size(), config.max_new_tokens);
  auto stream = [&](const infer::StreamChunk& chunk) {
    if (!flags.no_stream) std::cout << chunk.text << std::flush;
    return infer::StreamAction::kContinue;
  };
  const int64_t prompt_tokens = ids.size();
  auto submitted = engine->submit({.prompt = std::move(ids), .config = config, .on_token = stream});
  engine->run_until_idle();
  auto result = submitted.result.get();
  LORAG_CHECK(result.finish_reason != "error", Error, result.error);
  if (flags.no_stream) std::cout << (flags.strip_thinking ? model::text::strip_thinking(result.text) : result.text);
  std::cout << std::endl;
  report_speed(session, stats_of(engine->stats(), prompt_tokens, result.completion_tokens));
  return 0;
}

}  // namespace lorag::cli
