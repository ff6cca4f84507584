// SPDX-License-Identifier: Apache-2.0
// `lorag quantize`: a GGUF file's matrices re-encoded as q8_0, q4_0, q4_k, ... (model/quant).
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "model/formats/gguf_file.h"
#include "model/model_loader.h"
#include "model/quant/gguf_requantize.h"

namespace lorag::cli {
namespace {
// ggml's type name ("q4_0", case-insensitive) → the type.
model::formats::GgufType parse_type(std::string name) {
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::uint32_t id = 0; id < 64; ++id) {
    if (auto info = model::formats::gguf_type_info(id); info && info->name == name) return info->type;
  }
  LORAG_FAIL(UsageError, "--type '", name,
             "' is not a ggml type (expected q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k, f16, bf16 or f32)");
}
}  // namespace

int run_quantize(const Args& args) {
  std::string model_path, out, type = "q8_0";
  po::options_description all("Quantize");
  all.add_options()
      ("model", po::value(&model_path)->value_name("FILE.gguf"), "GGUF file to re-encode; default: the bundled model")
      ("out", po::value(&out)->value_name("FILE.gguf")->required(), "GGUF file to write")
      ("type", po::value(&type)->default_value(type), "matrix type: q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k (matrices whose rows are not "
       "256-multiples: q5_0, q5_1, q8_0 as llama.cpp), f16, bf16 or f32");
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("quantize", "Writes a GGUF file with its matrices re-encoded as --type (llama.cpp's "
                            "llama-quantize for these types); norms and biases are copied.", all);
    return 0;
  }
  if (model_path.empty()) model_path = default_model_path();
  LORAG_CHECK(model::is_gguf_file(model_path), UsageError, "--model ", model_path,
              ": lorag quantize reads GGUF files only (hint: a Hugging Face folder needs llama.cpp's "
              "convert_hf_to_gguf.py first)");
  const auto target = parse_type(type);
  const auto file = model::formats::GgufFile::open(model_path);
  const auto report = model::quant::requantize_gguf(file, target, out);
  log::info("wrote ", out, ": ", report.requantized, " matrices as ", type,
            report.fallback ? " (" + std::to_string(report.fallback) + " more as its fallback type)" : std::string(),
            ", ", report.kept, " tensors copied; ",
            report.bytes_in >> 20, " MiB -> ", report.bytes_out >> 20, " MiB");
  std::cout << out << "\n";
  return 0;
}

}  // namespace lorag::cli
