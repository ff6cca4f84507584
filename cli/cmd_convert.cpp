// SPDX-License-Identifier: Apache-2.0
// `lorag convert`: a GGUF file (or a model folder) to a Hugging Face folder.
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "model/hf_export.h"
#include "model/dtype_name.h"

namespace lorag::cli {

int run_convert(const Args& args) {
  std::string model_path, out, dtype = "fp32";
  po::options_description all("Convert");
  all.add_options()
      ("model", po::value(&model_path)->value_name("PATH"), "GGUF file (or model folder) to convert; default: the bundled model")
      ("out", po::value(&out)->value_name("DIR")->required(), "Hugging Face folder to write (created)")
      ("dtype", po::value(&dtype)->default_value(dtype), "weights dtype: fp32, bf16 or fp16");
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("convert", "Writes a model as a Hugging Face folder (model.safetensors, config.json, tokenizer).", all);
    return 0;
  }
  const auto export_dtype = model::dtype_from_name(dtype);
  LORAG_CHECK(export_dtype.has_value(), UsageError, "--dtype '", dtype,
              "' is not an export dtype (expected fp32, bf16 or fp16)");
  if (model_path.empty()) model_path = default_model_path();
  // Load in fp32 on the CPU: dequantized values are exact there, and the cast to
  // --dtype happens once, on export.
  auto loaded = model::load_model(model_path, {.device = "cpu", .dtype = "fp32"});
  model::export_hf_folder(loaded, out, *export_dtype);
  log::info("wrote ", out, " (", dtype, ") from ", model_path);
  std::cout << out << "\n";
  return 0;
}

}  // namespace lorag::cli
