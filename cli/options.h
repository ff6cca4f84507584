// SPDX-License-Identifier: Apache-2.0
// Option groups shared by the subcommands (cli/): each binds flags straight to a
// config struct's fields, so defaults are declared once and --help shows them.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "infer/engine_config.h"
#include "infer/generate_config.h"
#include "model/model_loader.h"

namespace lorag::cli {

namespace po = boost::program_options;

struct ModelOptions {
  std::string model;             // folder or .gguf file; empty = the default model under models/
  model::LoadOptions load{.quantized = "auto"};  // device, dtype, GGUF quantized mode
  std::string chat_template = "auto";  // "auto" (from the tokenizer config), a name, or "none"
  std::string system;            // system prompt, e.g. "You are terse."
};

// --model, --device, --dtype, --chat-template, --system.
po::options_description model_options(ModelOptions& options);
// --max-new-tokens, --temperature, --top-k, --top-p, --min-p, penalties, --stop, --seed, --ignore-eos.
po::options_description generation_options(infer::GenerateConfig& config);
// The same group plus the engine's --parallel, --ctx-size and --prefill-chunk.
po::options_description generation_options(infer::GenerateConfig& config, infer::EngineConfig& engine);
// The engine's --parallel, --ctx-size and --prefill-chunk alone (`lorag serve`),
// with the help texts of the command's meaning of the first two.
po::options_description engine_options(infer::EngineConfig& engine, const std::string& parallel_help,
                                       const std::string& ctx_size_help);

// Parses `args` against `options` (plus --help and --config FILE.json). Values
// from --config fill only the flags not typed on the command line. Returns false
// when --help was given (the caller prints usage and exits 0). Throws UsageError
// naming the flag for unknown options and bad values.
bool parse_options(const std::vector<std::string>& args, po::options_description& options,
                   const po::positional_options_description& positional, po::variables_map& vm);

// Prints "usage: lorag COMMAND [options]" and the options with their defaults to stdout.
void print_usage(const std::string& command, const std::string& summary, const po::options_description& options);

// The default model set up by scripts/setup.sh: $LORAG_MODEL, else
// models/SmolLM2-135M-Instruct.Q4_1.gguf (or, failing that, the converted folder
// models/SmolLM2-135M-Instruct) under the working directory or beside the binary's checkout.
// Throws UsageError telling how to install it when it is missing.
std::string default_model_path();
// `options.model`, or the default when empty.
std::string resolve_model_path(const ModelOptions& options);

}  // namespace lorag::cli
