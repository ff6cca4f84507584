// SPDX-License-Identifier: Apache-2.0
// `lorag COMMAND [options]`: the command table and the one place that maps
// errors to exit codes (0 ok, 1 runtime error, 2 usage error).
#include <c10/util/Exception.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "model/core/error.h"

namespace {

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
      {"bench", "measure generation speed: lorag bench generate [--model ...]", lorag::cli::run_bench},
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
  const lorag::cli::Args args(argv + 2, argv + argc);
  for (const auto& command : commands()) {
    if (name != command.name) continue;
    try {
      return command.run(args);
    } catch (const lorag::UsageError& e) {
      std::cerr << "lorag " << name << ": " << e.what() << "\n(see lorag " << name << " --help)\n";
      return 2;
    } catch (const lorag::Error& e) {
      std::cerr << "lorag " << name << ": error: " << e.what() << "\n";
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
