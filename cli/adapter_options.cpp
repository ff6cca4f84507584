// SPDX-License-Identifier: Apache-2.0
#include "cli/adapter_options.h"

#include "model/core/error.h"
#include "model/core/log.h"
#include "model/core/timer.h"

namespace lorag::cli {

po::options_description adapter_options(AdapterOptions& o) {
  po::options_description d("Adapters");
  d.add_options()
      ("adapter", po::value(&o.adapters)->value_name("[NAME=]DIR")->composing(),
       "PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors); repeatable, NAME defaults "
       "to the folder's name")
      ("use", po::value(&o.use)->value_name("NAME"),
       "the adapter to run with (default: the only --adapter; with several, the base model); \"base\" = none. "
       "JSONL rows may pick their own with \"adapter\": NAME")
      ("adapter-dtype", po::value(&o.dtype)->default_value(o.dtype), "adapter weights dtype: auto (the model's), "
       "fp32, bf16 or fp16")
      ("merge", po::bool_switch(&o.merge),
       "merge the adapter into the weights at load (faster decode; no switching, only --use is loaded)");
  return d;
}

void validate_adapter_options(const AdapterOptions& o) {
  if (o.adapters.empty()) {
    LORAG_CHECK(o.use.empty() || o.use == adapters::kBaseAdapter, UsageError, "--use ", o.use,
                " needs --adapter ", o.use, "=DIR");
    LORAG_CHECK(!o.merge, UsageError, "--merge needs --adapter DIR");
  }
  LORAG_CHECK(!o.merge || o.adapters.size() == 1 || !o.use.empty(), UsageError, "--merge with ", o.adapters.size(),
              " adapters needs --use NAME (only that one is merged)");
  LORAG_CHECK(!o.merge || o.use != adapters::kBaseAdapter, UsageError, "--merge with --use base merges nothing");
  LORAG_CHECK(o.dtype == "auto" || o.dtype == "fp32" || o.dtype == "bf16" || o.dtype == "fp16", UsageError,
              "--adapter-dtype '", o.dtype, "' is not one of auto, fp32, bf16, fp16");
  for (const auto& text : o.adapters) adapters::parse_adapter_spec(text);
}

void load_adapters(ModelSession& session, const AdapterOptions& o) {
  validate_adapter_options(o);
  if (o.adapters.empty()) return;
  Timer timer;
  adapters::InferenceAdapterConfig config{.specs = o.adapters, .use = o.use, .merge = o.merge, .dtype = o.dtype};
  session.adapters = std::make_unique<adapters::InferenceAdapters>(session.model.net, config);
  for (const auto& line : session.adapters->describe()) log::info("adapter ", line);
  log::info("adapters loaded in ", timer.seconds(), " s; default: ", session.adapters->default_name());
}

}  // namespace lorag::cli
