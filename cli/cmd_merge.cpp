// SPDX-License-Identifier: Apache-2.0
// `lorag merge`: a model with a PEFT adapter merged into its weights, written as a
// Hugging Face folder (cli/).
#include <filesystem>
#include <iostream>

#include "adapters/inference_adapters.h"
#include "cli/adapter_options.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "model/hf_export.h"
#include "model/dtype_name.h"

namespace lorag::cli {
namespace {

// fp32/bf16/fp16, or the names transformers writes into config.json.
c10::ScalarType export_dtype(const std::string& name) {
  const auto dtype = model::dtype_from_name(name);
  LORAG_CHECK(dtype.has_value(), UsageError, "--dtype '", name,
              "' is not an export dtype (expected float32, bfloat16 or float16)");
  return *dtype;
}

}  // namespace

int run_merge(const Args& args) {
  std::string model_path, out, dtype = "float32";
  AdapterOptions adapter;
  po::options_description io("Merge");
  io.add_options()
      ("model", po::value(&model_path)->value_name("PATH"),
       "base model folder or .gguf file; default: the bundled model")
      ("out", po::value(&out)->value_name("DIR")->required(), "Hugging Face folder to write (created)")
      ("dtype", po::value(&dtype)->default_value(dtype), "weights dtype: float32, bfloat16 or float16 "
       "(fp32, bf16, fp16 work too)")
      ("adapter", po::value(&adapter.adapters)->value_name("[NAME=]DIR")->composing(),
       "PEFT LoRA adapter folder to merge (adapter_config.json + adapter_model.safetensors); with several, "
       "--use picks the one merged")
      ("use", po::value(&adapter.use)->value_name("NAME"), "the adapter to merge when several are given");
  po::options_description all;
  all.add(io);
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("merge", "Merges a LoRA adapter into its base model and writes a Hugging Face folder "
                         "(model.safetensors, config.json, tokenizer) that transformers and lorag load.", all);
    return 0;
  }
  const auto type = export_dtype(dtype);
  LORAG_CHECK(!adapter.adapters.empty(), UsageError, "--adapter DIR is required");
  adapter.merge = true;
  validate_adapter_options(adapter);
  if (model_path.empty()) model_path = default_model_path();
  std::error_code ec;
  LORAG_CHECK(!std::filesystem::equivalent(out, model_path, ec), UsageError, "--out ", out,
              " is the base model's folder; write the merged model elsewhere");
  // Merge in fp32 on the CPU so the only rounding is the final cast to --dtype.
  auto loaded = model::load_model(model_path, {.device = "cpu", .dtype = "fp32"});
  adapters::InferenceAdapters merged(loaded.net, {.specs = adapter.adapters, .use = adapter.use, .merge = true,
                                                  .dtype = "fp32"});
  for (const auto& line : merged.describe()) log::info("adapter ", line);
  model::export_hf_folder(loaded, out, type);
  log::info("wrote ", out, " (", dtype, "): ", model_path, " with adapter '", merged.default_name(), "' merged");
  std::cout << out << "\n";
  return 0;
}

}  // namespace lorag::cli
