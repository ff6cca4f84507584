// SPDX-License-Identifier: Apache-2.0
// OpenAI request validation (serve/). Ranges and defaults follow the OpenAI API
// reference; lorag extensions follow vLLM's names (top_k, min_p, repetition_penalty).
#include "serve/api_request.h"

#include <cmath>
#include <limits>

#include "serve/api_error.h"

namespace lorag::serve {
namespace {

using json = nlohmann::json;

constexpr int kMaxChoices = 128;     // OpenAI's limit on `n`
constexpr int kMaxStops = 16;        // OpenAI allows 4; vLLM any: 16 keeps the matcher cheap
constexpr int kMaxPrompts = 64;      // strings in one /v1/completions `prompt` array
constexpr int kMaxEmbedInputs = 2048;  // OpenAI's limit on `input` arrays
constexpr int kMaxGroundingTopK = 64;

// The field, or nullptr when it is absent or null (null means "default" in OpenAI's API).
const json* field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void wrong_type(const std::string& param, const char* expected, const json& got) {
  throw invalid_param(param, "'" + param + "' must be " + expected + ", got " + got.type_name(),
                      "invalid_type");
}

std::string format_number(double v) {
  std::string s = json(v).dump();
  return s;
}

double number_in(const json& body, const char* name, double lo, double hi, double fallback,
                 bool lo_open = false) {
  const json* v = field(body, name);
  if (!v) return fallback;
  if (!v->is_number()) wrong_type(name, "a number", *v);
  const double x = v->get<double>();
  if (!std::isfinite(x) || x > hi || (lo_open ? x <= lo : x < lo)) {
    throw invalid_param(name, std::string("'") + name + "' is " + v->dump() + ", expected a number in " +
                                  (lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) + "]");
  }
  return x;
}

int64_t integer_in(const json& body, const char* name, int64_t lo, int64_t hi, int64_t fallback) {
  const json* v = field(body, name);
  if (!v) return fallback;
  if (!v->is_number()) wrong_type(name, "an integer", *v);
  // 5.0 is accepted as 5 (pydantic's lax mode in vLLM does the same); 5.5 is not.
  if (v->is_number_float()) {
    const double x = v->get<double>();
    if (!std::isfinite(x) || std::floor(x) != x) wrong_type(name, "an integer", *v);
    if (x < static_cast<double>(lo) || x > static_cast<double>(hi)) {
      throw invalid_param(name, std::string("'") + name + "' is " + v->dump() + ", expected an integer in [" +
                                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return static_cast<int64_t>(x);
  }
  // nlohmann stores non-negative integers as unsigned; both bounds apply to either.
  const bool fits = v->is_number_unsigned()
                        ? v->get<uint64_t>() <= static_cast<uint64_t>(hi) &&
                              (lo <= 0 || v->get<uint64_t>() >= static_cast<uint64_t>(lo))
                        : (v->get<int64_t>() >= lo && v->get<int64_t>() <= hi);
  if (!fits) {
    throw invalid_param(name, std::string("'") + name + "' is " + v->dump() + ", expected an integer in [" +
                                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v->get<int64_t>();
}

bool boolean(const json& body, const char* name, bool fallback) {
  const json* v = field(body, name);
  if (!v) return fallback;
  if (!v->is_boolean()) wrong_type(name, "a boolean", *v);
  return v->get<bool>();
}

std::string required_string(const json& body, const char* name) {
  const json* v = field(body, name);
  if (!v) throw invalid_param(name, std::string("'") + name + "' is required", "missing_required_parameter");
  if (!v->is_string()) wrong_type(name, "a string", *v);
  return v->get<std::string>();
}

std::vector<std::string> stop_strings(const json& body) {
  const json* v = field(body, "stop");
  std::vector<std::string> stops;
  if (!v) return stops;
  if (v->is_string()) {
    if (!v->get_ref<const std::string&>().empty()) stops.push_back(v->get<std::string>());
    return stops;
  }
  if (!v->is_array()) wrong_type("stop", "a string or an array of strings", *v);
  if (v->size() > kMaxStops) {
    throw invalid_param("stop", "'stop' has " + std::to_string(v->size()) + " strings, at most " +
                                    std::to_string(kMaxStops) + " are allowed");
  }
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) wrong_type("stop[" + std::to_string(i) + "]", "a string", (*v)[i]);
    if (!(*v)[i].get_ref<const std::string&>().empty()) stops.push_back((*v)[i].get<std::string>());
  }
  return stops;
}

SamplingParams sampling_params(const json& body, bool chat) {
  SamplingParams s;
  // Completions default to 16 tokens as OpenAI's legacy endpoint and vLLM do;
  // chat defaults to whatever the context leaves.
  s.max_tokens = static_cast<int>(integer_in(body, "max_tokens", 1, std::numeric_limits<int>::max(),
                                             chat ? -1 : 16));
  if (chat && field(body, "max_completion_tokens")) {  // the newer name wins, as in vLLM
    s.max_tokens = static_cast<int>(
        integer_in(body, "max_completion_tokens", 1, std::numeric_limits<int>::max(), -1));
  }
  s.temperature = number_in(body, "temperature", 0.0, 2.0, 1.0);
  s.top_p = number_in(body, "top_p", 0.0, 1.0, 1.0);
  s.frequency_penalty = number_in(body, "frequency_penalty", -2.0, 2.0, 0.0);
  s.presence_penalty = number_in(body, "presence_penalty", -2.0, 2.0, 0.0);
  s.n = static_cast<int>(integer_in(body, "n", 1, kMaxChoices, 1));
  if (field(body, "seed")) {
    s.seed = integer_in(body, "seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 0);
  }
  s.stop = stop_strings(body);
  const int64_t top_k = integer_in(body, "top_k", -1, std::numeric_limits<int>::max(), 0);
  s.top_k = top_k < 0 ? 0 : static_cast<int>(top_k);  // vLLM's -1 means off, as our 0
  s.min_p = number_in(body, "min_p", 0.0, 1.0, 0.0);
  s.repetition_penalty = number_in(body, "repetition_penalty", 0.0, 100.0, 1.0, /*lo_open=*/true);
  return s;
}

void read_stream_options(const json& body, CompletionRequest& r) {
  r.stream = boolean(body, "stream", false);
  const json* opts = field(body, "stream_options");
  if (!opts) return;
  if (!opts->is_object()) wrong_type("stream_options", "an object", *opts);
  if (!r.stream) {
    throw invalid_param("stream_options", "'stream_options' is only allowed when 'stream' is true");
  }
  const json* usage = field(*opts, "include_usage");
  if (usage && !usage->is_boolean()) wrong_type("stream_options.include_usage", "a boolean", *usage);
  r.include_usage = usage && usage->get<bool>();
}

void read_grounding(const json& body, CompletionRequest& r) {
  const json* g = field(body, "lorag");
  if (!g) return;
  if (!g->is_object()) wrong_type("lorag", "an object", *g);
  GroundingOptions opts;
  const json* store = field(*g, "store");
  if (!store) throw invalid_param("lorag.store", "'lorag.store' is required", "missing_required_parameter");
  if (!store->is_string() || store->get_ref<const std::string&>().empty()) {
    wrong_type("lorag.store", "a non-empty string", *store);
  }
  opts.store = store->get<std::string>();
  try {
    opts.top_k = static_cast<int>(integer_in(*g, "top_k", 1, kMaxGroundingTopK, opts.top_k));
  } catch (const ApiError& e) {
    throw invalid_param("lorag.top_k", std::string("lorag.") + e.what(), e.code);
  }
  r.grounding = opts;
}

// `content` as a string, or an array of {"type": "text", "text": ...} parts joined by
// newlines (vLLM's convention); null only for assistant messages.
std::string message_content(const json& msg, const std::string& where, const std::string& role) {
  const std::string param = where + ".content";
  const json* c = field(msg, "content");
  if (!c) {
    if (role == "assistant") return "";
    throw invalid_param(param, "'" + param + "' is required", "missing_required_parameter");
  }
  if (c->is_string()) return c->get<std::string>();
  if (!c->is_array()) wrong_type(param, "a string or an array of content parts", *c);
  std::string text;
  for (size_t j = 0; j < c->size(); ++j) {
    const json& part = (*c)[j];
    const std::string part_param = param + "[" + std::to_string(j) + "]";
    if (!part.is_object()) wrong_type(part_param, "an object", part);
    const json* type = field(part, "type");
    if (!type || !type->is_string() || type->get_ref<const std::string&>() != "text") {
      throw invalid_param(part_param + ".type", "'" + part_param + ".type' must be \"text\" (" +
                                                    (type ? type->dump() : std::string("missing")) +
                                                    " parts are not supported)");
    }
    const json* t = field(part, "text");
    if (!t || !t->is_string()) wrong_type(part_param + ".text", "a string", t ? *t : json());
    if (!text.empty()) text += "\n";
    text += t->get<std::string>();
  }
  return text;
}

std::vector<ChatMessage> chat_messages(const json& body) {
  const json* v = field(body, "messages");
  if (!v) throw invalid_param("messages", "'messages' is required", "missing_required_parameter");
  if (!v->is_array()) wrong_type("messages", "an array", *v);
  if (v->empty()) throw invalid_param("messages", "'messages' must hold at least one message");
  std::vector<ChatMessage> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const json& m = (*v)[i];
    if (!m.is_object()) wrong_type(where, "an object", m);
    const json* role = field(m, "role");
    if (!role) throw invalid_param(where + ".role", "'" + where + ".role' is required", "missing_required_parameter");
    if (!role->is_string()) wrong_type(where + ".role", "a string", *role);
    std::string r = role->get<std::string>();
    if (r == "developer") r = "system";  // OpenAI's newer name for the system role
    if (r != "system" && r != "user" && r != "assistant") {
      throw invalid_param(where + ".role", "'" + where + ".role' is " + role->dump() +
                                               ", expected \"system\", \"developer\", \"user\" or \"assistant\"");
    }
    out.push_back({r, message_content(m, where, r)});
  }
  return out;
}

std::vector<std::string> completion_prompts(const json& body) {
  const json* v = field(body, "prompt");
  if (!v) throw invalid_param("prompt", "'prompt' is required", "missing_required_parameter");
  if (v->is_string()) return {v->get<std::string>()};
  if (!v->is_array() || v->empty()) wrong_type("prompt", "a string or a non-empty array of strings", *v);
  if (v->size() > kMaxPrompts) {
    throw invalid_param("prompt", "'prompt' has " + std::to_string(v->size()) + " strings, at most " +
                                      std::to_string(kMaxPrompts) + " are allowed");
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      throw invalid_param("prompt", "'prompt' must be a string or an array of strings (token-id prompts are "
                                    "not supported), found " + std::string((*v)[i].type_name()) + " at [" +
                                    std::to_string(i) + "]", "invalid_type");
    }
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

}  // namespace

CompletionRequest parse_chat_request(const nlohmann::json& body) {
  CompletionRequest r;
  r.chat = true;
  r.model = required_string(body, "model");
  r.messages = chat_messages(body);
  r.sampling = sampling_params(body, true);
  read_stream_options(body, r);
  read_grounding(body, r);
  return r;
}

CompletionRequest parse_completion_request(const nlohmann::json& body) {
  CompletionRequest r;
  r.chat = false;
  r.model = required_string(body, "model");
  r.prompts = completion_prompts(body);
  r.sampling = sampling_params(body, false);
  read_stream_options(body, r);
  read_grounding(body, r);
  return r;
}

EmbeddingRequest parse_embedding_request(const nlohmann::json& body) {
  EmbeddingRequest r;
  r.model = required_string(body, "model");
  const json* v = field(body, "input");
  if (!v) throw invalid_param("input", "'input' is required", "missing_required_parameter");
  if (v->is_string()) {
    r.inputs.push_back(v->get<std::string>());
  } else if (v->is_array() && !v->empty()) {
    if (v->size() > kMaxEmbedInputs) {
      throw invalid_param("input", "'input' has " + std::to_string(v->size()) + " strings, at most " +
                                       std::to_string(kMaxEmbedInputs) + " are allowed");
    }
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        throw invalid_param("input", "'input' must be a string or an array of strings (token-id inputs are "
                                     "not supported), found " + std::string((*v)[i].type_name()) + " at [" +
                                     std::to_string(i) + "]", "invalid_type");
      }
      r.inputs.push_back((*v)[i].get<std::string>());
    }
  } else {
    wrong_type("input", "a string or a non-empty array of strings", *v);
  }
  for (const auto& s : r.inputs) {
    if (s.empty()) throw invalid_param("input", "'input' cannot contain an empty string");
  }
  if (const json* f = field(body, "encoding_format")) {
    if (!f->is_string()) wrong_type("encoding_format", "a string", *f);
    const std::string& fmt = f->get_ref<const std::string&>();
    if (fmt != "float" && fmt != "base64") {
      throw invalid_param("encoding_format", "'encoding_format' is " + f->dump() + ", expected \"float\" or \"base64\"");
    }
    r.base64 = fmt == "base64";
  }
  return r;
}

AdapterRequest parse_adapter_request(const nlohmann::json& body, bool need_path) {
  AdapterRequest r;
  r.lora_name = required_string(body, "lora_name");
  if (r.lora_name.empty()) throw invalid_param("lora_name", "'lora_name' must not be empty");
  if (need_path) {
    r.lora_path = required_string(body, "lora_path");
    if (r.lora_path.empty()) throw invalid_param("lora_path", "'lora_path' must not be empty");
  }
  return r;
}

std::string grounding_query(const CompletionRequest& request) {
  if (!request.chat) return request.prompts.empty() ? "" : request.prompts.front();
  for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it) {
    if (it->role == "user") return it->content;
  }
  return request.messages.back().content;
}

}  // namespace lorag::serve
