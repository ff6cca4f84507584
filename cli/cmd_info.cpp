// SPDX-License-Identifier: Apache-2.0
// `lorag info`: what a model is, on stdout.
#include <iostream>

#include "adapters/inference_adapters.h"
#include "adapters/peft_io.h"
#include "cli/commands.h"
#include "cli/model_session.h"
#include "model/formats/gguf_file.h"
#include "model/gguf_config.h"

namespace lorag::cli {

int run_info(const Args& args) {
  ModelOptions model;
  model.load.device = "cpu";
  std::vector<std::string> adapter_dirs;
  po::options_description all;
  all.add(model_options(model));
  all.add_options()("adapter", po::value(&adapter_dirs)->value_name("DIR")->composing(),
                    "describe a PEFT adapter folder instead (repeatable): rank, alpha, targets, parameters");
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("info", "Describes a model: architecture, parameter count, context length, dtype, tokenizer.", all);
    return 0;
  }
  if (!adapter_dirs.empty()) {
    for (const auto& text : adapter_dirs) {
      const auto spec = adapters::parse_adapter_spec(text);
      const auto adapter = adapters::load_peft_adapter(spec.dir, spec.name);
      const auto& base = adapter.config().base_model_name_or_path;
      std::cout << "adapter:            " << spec.dir.string() << "\n"
                << "summary:            " << adapters::describe_adapter(adapter) << "\n"
                << "base model:         " << (base.empty() ? "(unknown)" : base)
                << "\n";
    }
    return 0;
  }
  auto session = open_session(model);
  const auto& c = session.model.config;
  int64_t params = 0;
  for (const auto& p : session.model.net->parameters()) params += p.numel();
  const auto& tok = *session.model.tokenizer;
  std::cout << "path:               " << session.model.path.string() << "\n"
            << "architecture:       " << c.architecture << " (" << c.model_type << ")\n"
            << "parameters:         " << params << " (" << params / 1e6 << " M)\n"
            << "layers:             " << c.num_hidden_layers << "\n"
            << "hidden size:        " << c.hidden_size << " (mlp " << c.intermediate_size << ")\n"
            << "attention heads:    " << c.num_attention_heads << " (kv " << c.num_key_value_heads
            << ", head dim " << c.head_dim() << ")\n"
            << "context length:     " << c.context_length() << "\n"
            << "rope:               theta " << c.rope_theta << ", scaling " << c.rope_scaling.type << "\n"
            << "tied embeddings:    " << (c.tie_word_embeddings ? "yes" : "no") << "\n"
            << "stored dtype:       " << c.torch_dtype << "\n"
            << "tokenizer:          " << tok.kind() << ", vocab " << tok.vocab_size() << "\n"
            << "chat template:      " << session.formatter->template_name() << "\n";
  if (model::is_gguf_file(session.model.path)) {
    const auto file = model::formats::GgufFile::open(session.model.path);
    std::cout << "gguf name:          " << file.metadata().get_string_or("general.name", "(none)") << "\n"
              << "gguf file type:     " << model::gguf_file_type_name(file) << " (GGUF v" << file.version() << ", "
              << file.tensors().size() << " tensors, " << file.metadata().size() << " metadata keys)\n";
  }
  return 0;
}

}  // namespace lorag::cli
