// SPDX-License-Identifier: Apache-2.0
// `lorag generate`: one prompt streamed to stdout, or a JSONL batch to JSONL.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/adapter_options.h"
#include "cli/commands.h"
#include "cli/model_session.h"
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

std::vector<std::vector<int64_t>> encode_all(const ModelSession& s, const std::vector<infer::PromptRecord>& records,
                                             const std::vector<size_t>& indices) {
  std::vector<std::vector<int64_t>> prompts;
  for (size_t i : indices) prompts.push_back(s.formatter->encode_chat(records[i].messages));
  return prompts;
}

// Prints the finished lines at the front of `lines` that were not printed yet, so
// stdout keeps the input order while groups finish out of order.
void flush_ready(std::vector<std::string>& lines, size_t& next) {
  for (; next < lines.size() && !lines[next].empty(); ++next) std::cout << lines[next] << std::flush;
}

// Rows are generated adapter by adapter (one switch per group), batch_size at a time.
int run_batch(ModelSession& s, const GenerateFlags& flags, infer::GenerateConfig config) {
  const auto records = infer::read_prompt_records(flags.input);
  const auto groups = s.adapters
                          ? infer::group_by_adapter(records, s.adapters->default_name(), s.adapters->available(),
                                                    flags.input)
                          : infer::group_by_adapter(records, adapters::kBaseAdapter, {adapters::kBaseAdapter},
                                                    flags.input);
  config.stop_token_ids = s.formatter->end_of_turn_ids();
  std::vector<std::string> lines(records.size());
  size_t printed = 0, done = 0;
  infer::GenerationStats total;
  for (const auto& group : groups) {
    select_adapter(s, group.adapter);
    for (size_t begin = 0; begin < group.indices.size(); begin += flags.batch_size) {
      const size_t end = std::min(group.indices.size(), begin + static_cast<size_t>(flags.batch_size));
      const std::vector<size_t> indices(group.indices.begin() + begin, group.indices.begin() + end);
      auto prompts = encode_all(s, records, indices);
      auto results = s.generator->generate(prompts, config);
      const auto& st = s.generator->last_stats();
      total.prompt_tokens += st.prompt_tokens;
      total.generated_tokens += st.generated_tokens;
      total.prefill_seconds += st.prefill_seconds;
      total.decode_seconds += st.decode_seconds;
      for (size_t i = 0; i < results.size(); ++i) {
        nlohmann::json line = {{"id", records[indices[i]].id},
                               {"text", flags.strip_thinking ? text::strip_thinking(results[i].text)
                                                             : results[i].text},
                               {"finish_reason", results[i].finish_reason},
                               {"prompt_tokens", prompts[i].size()},
                               {"completion_tokens", results[i].token_ids.size()}};
        if (s.adapters) line["adapter"] = group.adapter;
        lines[indices[i]] = line.dump() + "\n";
      }
      done += results.size();
      if (flags.output.empty()) flush_ready(lines, printed);
      log::info(done, "/", records.size(), " prompts done",
                s.adapters ? " (adapter " + group.adapter + ")" : std::string());
    }
  }
  if (!flags.output.empty()) {
    std::string out;
    for (const auto& line : lines) out += line;
    write_file_atomically(flags.output, out);
  }
  report_speed(s, total);
  return 0;
}

}  // namespace

int run_generate(const Args& args) {
  ModelOptions model;
  infer::GenerateConfig config;
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
  all.add(input).add(model_options(model)).add(adapter_options(adapter)).add(generation_options(config));
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
  LORAG_CHECK(flags.output.empty() || !flags.input.empty(), UsageError, "--output needs --input");
  if (!flags.output.empty()) check_can_write(flags.output);  // before any answer is generated (issue #18)
  config.validate();
  validate_adapter_options(adapter);

  std::string prompt = flags.prompt;
  if (!flags.prompt_file.empty()) prompt = read_file(flags.prompt_file);
  LORAG_CHECK(!flags.input.empty() || !prompt.empty(), UsageError, "the prompt is empty");

  auto session = open_session(model);
  load_adapters(session, adapter);
  if (!flags.input.empty()) return run_batch(session, flags, config);
  config.stop_token_ids = session.formatter->end_of_turn_ids();
  auto ids = session.formatter->encode_prompt(prompt, model.system);
  if (flags.strip_thinking) flags.no_stream = true;  // a think block is only known once it closes
  auto stream = [&](size_t, const std::string& text) {
    if (!flags.no_stream) std::cout << text << std::flush;
  };
  auto results = session.generator->generate({ids}, config, stream);
  if (flags.no_stream) std::cout << (flags.strip_thinking ? text::strip_thinking(results[0].text) : results[0].text);
  std::cout << std::endl;
  report_speed(session, session.generator->last_stats());
  return 0;
}

}  // namespace lorag::cli
