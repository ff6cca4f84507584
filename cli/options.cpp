// SPDX-License-Identifier: Apache-2.0
#include "cli/options.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"

namespace lorag::cli {
namespace fs = std::filesystem;

po::options_description model_options(ModelOptions& o) {
  po::options_description d("Model");
  d.add_options()
      ("model", po::value(&o.model)->value_name("PATH"),
       "Hugging Face model folder (config.json, *.safetensors, tokenizer) or .gguf file; default: the bundled "
       "SmolLM2-135M-Instruct.Q4_1.gguf")
      ("device", po::value(&o.load.device)->default_value(o.load.device), "auto, cpu, cuda or cuda:N")
      ("dtype", po::value(&o.load.dtype)->default_value(o.load.dtype),
       "auto (bf16 on cuda and on cpus with avx512_bf16/amx, else fp32), fp32, bf16 or fp16")
      ("quantized", po::value(&o.load.quantized)->default_value(o.load.quantized),
       "GGUF quantized matrices: auto (keep on cpu, dequantize on cuda), keep (run the blocks as stored: "
       "4-7x less memory, as llama.cpp) or dequantize (dense in --dtype)")
      ("chat-template", po::value(&o.chat_template)->default_value(o.chat_template),
       "auto (from tokenizer_config.json), none (raw text), or one of chatml, llama2, llama3, mistral, "
       "zephyr, gemma, phi3")
      ("system", po::value(&o.system)->value_name("TEXT"), "system prompt");
  return d;
}

po::options_description generation_options(infer::GenerateConfig& c) {
  po::options_description d("Generation");
  d.add_options()
      ("max-new-tokens", po::value(&c.max_new_tokens)->default_value(c.max_new_tokens), "tokens to generate at most")
      ("temperature", po::value(&c.temperature)->default_value(c.temperature), "0 = greedy; > 0 samples")
      ("top-k", po::value(&c.top_k)->default_value(c.top_k), "sample from the k most likely tokens; 0 = off")
      ("top-p", po::value(&c.top_p)->default_value(c.top_p), "nucleus sampling mass; 1 = off")
      ("min-p", po::value(&c.min_p)->default_value(c.min_p), "drop tokens below min-p x the top probability")
      ("repetition-penalty", po::value(&c.repetition_penalty)->default_value(c.repetition_penalty),
       "transformers' repetition penalty over prompt and output; 1 = off")
      ("frequency-penalty", po::value(&c.frequency_penalty)->default_value(c.frequency_penalty),
       "OpenAI frequency penalty over the output")
      ("presence-penalty", po::value(&c.presence_penalty)->default_value(c.presence_penalty),
       "OpenAI presence penalty over the output")
      ("stop", po::value(&c.stop)->value_name("TEXT")->composing(), "stop string (repeatable)")
      ("ignore-eos", po::bool_switch(&c.ignore_eos), "keep generating past end-of-sequence tokens")
      ("seed", po::value(&c.seed)->default_value(c.seed), "sampling seed");
  return d;
}

po::options_description generation_options(infer::GenerateConfig& c, infer::EngineConfig& e) {
  auto d = generation_options(c);
  d.add(engine_options(e, "requests decoded together (engine slots); --input: default --batch-size",
                       "tokens per slot, prompt + output; 0 = just enough for the prompts (at most the model's context)"));
  return d;
}

po::options_description engine_options(infer::EngineConfig& e, const std::string& parallel_help,
                                       const std::string& ctx_size_help) {
  po::options_description d("Engine");
  d.add_options()
      ("parallel", po::value(&e.parallel)->default_value(e.parallel), parallel_help.c_str())
      ("ctx-size", po::value(&e.ctx_size)->default_value(e.ctx_size), ctx_size_help.c_str())
      ("prefill-chunk", po::value(&e.prefill_chunk)->default_value(e.prefill_chunk),
       "prompt tokens run per engine step, so long prompts do not stall running streams");
  return d;
}

namespace {
// Whether flag `key` takes text (std::string or a list of them), where a JSON
// number, object or list element of another type is a mistake ("stop": 5).
bool takes_text(const po::options_description& options, const std::string& key) {
  const auto* option = options.find_nothrow(key, false);
  if (option == nullptr) return false;  // unknown flags are reported by the parser
  const auto* semantic = option->semantic().get();
  return dynamic_cast<const po::typed_value<std::string>*>(semantic) != nullptr ||
         dynamic_cast<const po::typed_value<std::vector<std::string>>*>(semantic) != nullptr;
}

// A --config value of the wrong JSON type, named by its field (issue #18).
void check_config_value(const nlohmann::json& v, const std::string& key, bool text, const fs::path& path) {
  LORAG_CHECK(!v.is_object() && !v.is_array() && !v.is_null(), UsageError, path.string(), ": field '", key,
              "' is ", v.type_name(), " (", v.dump(), "), expected ", text ? "a string" : "a number, string or boolean");
  LORAG_CHECK(!text || v.is_string(), UsageError, path.string(), ": field '", key, "' is ", v.type_name(), " (",
              v.dump(), "), expected a string", " (or a list of strings)");
}

// Turns a --config JSON object into "--key=value" arguments.
std::vector<std::string> config_as_args(const fs::path& path, const po::options_description& options) {
  nlohmann::json j;
  try {
    j = parse_json(read_file(path), path.string());
  } catch (const nlohmann::json::parse_error& e) {
    // A --config file that is not JSON is a usage error (exit code 2), in
    // read_json_file's wording; one nested too deep stays a FormatError.
    LORAG_FAIL(UsageError, path.string(), ": invalid JSON (", e.what(), ")");
  }
  LORAG_CHECK(j.is_object(), UsageError, path.string(), ": expected a JSON object of flag names to values");
  std::vector<std::string> args;
  for (const auto& [key, value] : j.items()) {
    const bool text = takes_text(options, key);
    auto one = [&](const nlohmann::json& v) {
      check_config_value(v, key, text, path);
      if (v.is_boolean()) {
        if (v.get<bool>()) args.push_back("--" + key);
      } else {
        args.push_back("--" + key + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
      }
    };
    if (value.is_array()) {
      for (const auto& v : value) one(v);
    } else {
      one(value);
    }
  }
  return args;
}
}  // namespace

bool parse_options(const std::vector<std::string>& args, po::options_description& options,
                   const po::positional_options_description& positional, po::variables_map& vm) {
  std::string config_path;
  po::options_description common("General");
  common.add_options()("help,h", "show this help")
      ("config", po::value(&config_path)->value_name("FILE.json"), "read flags from a JSON object first");
  options.add(common);
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    if (vm.count("help")) return false;
    if (vm.count("config")) {
      // Values already typed on the command line stay: store() keeps the first non-default value.
      auto from_file = config_as_args(vm["config"].as<std::string>(), options);
      po::store(po::command_line_parser(from_file).options(options).run(), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return true;
}

void print_usage(const std::string& command, const std::string& summary, const po::options_description& options) {
  std::cout << "usage: lorag " << command << " [options]\n\n" << summary << "\n\n" << options << std::flush;
}

std::string default_model_path() {
  if (const char* env = std::getenv("LORAG_MODEL")) return env;
  // The GGUF file is read natively; the folder transformers converted it to at
  // setup time is the fallback when only that is present.
  const fs::path gguf = fs::path("models") / "SmolLM2-135M-Instruct.Q4_1.gguf";
  const fs::path folder = fs::path("models") / "SmolLM2-135M-Instruct";
  std::vector<fs::path> roots = {fs::current_path()};
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  // The binary lives in build/cli/ of a checkout: look two and three levels up.
  if (!ec) roots.insert(roots.end(), {exe.parent_path().parent_path().parent_path(),
                                      exe.parent_path().parent_path()});
  for (const auto& root : roots) {
    if (fs::is_regular_file(root / gguf)) return (root / gguf).string();
    if (fs::exists(root / folder / "config.json")) return (root / folder).string();
  }
  LORAG_FAIL(UsageError, "no --model given and the default model ", gguf.string(),
             " is not installed (run scripts/setup.sh, or pass --model PATH)");
}

std::string resolve_model_path(const ModelOptions& options) {
  return options.model.empty() ? default_model_path() : options.model;
}

}  // namespace lorag::cli
