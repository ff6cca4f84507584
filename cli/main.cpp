// SPDX-License-Identifier: Apache-2.0
// `lorag COMMAND [options]`: the command table and the one place that maps
// errors to exit codes (0 ok, 1 runtime error, 2 usage error).
#include <c10/util/Exception.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/device_startup.h"
#include "model/core/error.h"
#include "model/core/log.h"

namespace {

// LORAG_LOG=debug shows debug lines and the source location (`[file.cpp:47]`) that
// LORAG_CHECK appends to every message; users see the message alone
// (log::user_message).
bool debug_logging() {
  const char* level = std::getenv("LORAG_LOG");
  return level != nullptr && std::string(level) == "debug";
}

struct Command {
  const char* name;
  const char* summary;
  std::function<int(const lorag::cli::Args&)> run;
};

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"generate", "generate text from a prompt, a prompt file or a JSONL batch", lorag::cli::run_generate},
      {"chat", "talk to a model interactively (/reset, /exit, Ctrl-D)", lorag::cli::run_chat},
      {"info", "describe a model: architecture, size, context, tokenizer", lorag::cli::run_info},
      {"convert", "write a GGUF model as a Hugging Face folder (safetensors, config, tokenizer)", lorag::cli::run_convert},
      {"merge", "merge a LoRA adapter into its base model and write a Hugging Face folder", lorag::cli::run_merge},
      {"quantize", "re-encode a GGUF file's matrices as q8_0, q4_0, q4_1, q5_0 or q5_1", lorag::cli::run_quantize},
      {"bench", "measure speed: lorag bench generate [--model ...] | retrieve --store DIR --queries FILE", lorag::cli::run_bench},
      {"train", "fine-tune a LoRA adapter on JSONL data (PEFT format out)", lorag::cli::run_train},
      {"index", "build a document store: lorag index add|delete|list|stats --store DIR", lorag::cli::run_index},
      {"retrieve", "print a store's chunks closest to a question, with scores and sources", lorag::cli::run_retrieve},
      {"ask", "answer a question from a document store, citing the sources [n]", lorag::cli::run_ask},
      {"compare", "compare base, RAG, fine-tuned and hybrid answers on a question set; writes a report",
       lorag::cli::run_compare},
      {"tokenize", "print a model's token ids for a text (or only their count), like llama-tokenize",
       lorag::cli::run_tokenize},
      {"serve", "serve the model, its adapters and grounded answers over an OpenAI-compatible HTTP API",
       lorag::cli::run_serve},
  };
  return kCommands;
}

void print_commands(std::ostream& out) {
  out << "usage: lorag COMMAND [options]   (lorag COMMAND --help for its options)\n\ncommands:\n";
  for (const auto& c : commands()) out << "  " << c.name << std::string(12 - std::string(c.name).size(), ' ') << c.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_commands(std::cerr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_commands(std::cout);
    return 0;
  }
  if (debug_logging()) lorag::log::set_level(lorag::log::Level::kDebug);
  const lorag::cli::Args args(argv + 2, argv + argc);
  for (const auto& command : commands()) {
    if (name != command.name) continue;
    try {
      lorag::cli::prepare_devices(args);  // before any tensor work: torch keeps the first CUDA hooks it sees
      return command.run(args);
    } catch (const lorag::UsageError& e) {
      std::cerr << "lorag " << name << ": " << lorag::log::user_message(e) << "\n(see lorag " << name
                << " --help)\n";
      return 2;
    } catch (const lorag::Error& e) {
      std::cerr << "lorag " << name << ": error: " << lorag::log::user_message(e) << "\n";
      return 1;
    } catch (const c10::Error& e) {
      std::cerr << "lorag " << name << ": torch error: " << e.what_without_backtrace() << "\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "lorag " << name << ": error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "lorag: unknown command '" << name << "'\n";
  print_commands(std::cerr);
  return 2;
}
