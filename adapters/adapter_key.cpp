// SPDX-License-Identifier: Apache-2.0
#include "adapters/adapter_key.h"

#include "adapters/adapter_set.h"

namespace lorag::adapters {
namespace {
struct Suffix {
  const char* text;
  AdapterKey::Kind kind;
};
constexpr Suffix kSuffixes[] = {{".lora_A.weight", AdapterKey::Kind::kLoraA},
                                {".lora_B.weight", AdapterKey::Kind::kLoraB},
                                {".lora_embedding_A", AdapterKey::Kind::kEmbeddingA},
                                {".lora_embedding_B", AdapterKey::Kind::kEmbeddingB}};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

AdapterKey parse_adapter_key(const std::string& key) {
  std::string rest = key;
  const std::string prefix = kPeftPrefix;
  if (rest.rfind(prefix, 0) == 0) rest = rest.substr(prefix.size());
  for (const auto& s : kSuffixes) {
    if (ends_with(rest, s.text)) return {s.kind, rest.substr(0, rest.size() - std::string(s.text).size())};
  }
  // PEFT names a wrapped layer's own weight `<module>.base_layer.weight`.
  const std::string base_layer = ".base_layer.";
  if (auto at = rest.find(base_layer); at != std::string::npos) rest.replace(at, base_layer.size(), ".");
  return {AdapterKey::Kind::kFull, rest};
}

std::string adapter_key(const std::string& module, AdapterKey::Kind kind) {
  for (const auto& s : kSuffixes) {
    if (s.kind == kind) return kPeftPrefix + module + s.text;
  }
  return kPeftPrefix + module;
}

}  // namespace lorag::adapters
