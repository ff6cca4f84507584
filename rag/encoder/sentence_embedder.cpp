// SPDX-License-Identifier: Apache-2.0
// A sentence-transformers folder as an Embedder (rag/encoder/): modules.json
// read, WordPiece tokenizer, BERT encoder, pooling, L2 normalisation.
#include "rag/encoder/sentence_embedder.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "model/core/log.h"
#include "model/model_loader.h"
#include "model/text/json_field.h"
#include "rag/encoder/bert_encoder.h"
#include "rag/encoder/pooling.h"
#include "rag/encoder/wordpiece_tokenizer.h"

namespace lorag::rag::encoder {
namespace {
namespace fs = std::filesystem;

// Texts per forward pass, as SentenceTransformer.encode's default batch_size.
constexpr std::size_t kBatchSize = 32;

class SentenceEmbedder final : public Embedder {
 public:
  SentenceEmbedder(std::string name, WordPieceTokenizer tokenizer, BertEncoder encoder, PoolingConfig pooling,
                   int64_t max_seq_length, c10::Device device)
      : name_(std::move(name)),
        tokenizer_(std::move(tokenizer)),
        encoder_(std::move(encoder)),
        pooling_(pooling),
        max_seq_length_(max_seq_length),
        device_(device) {}

  std::string name() const override { return name_; }
  int64_t dimension() const override { return pooling_.dimension(); }
  int64_t max_tokens() const override { return max_seq_length_ - 2; }

  std::vector<TokenSpan> token_spans(const std::string& text) const override {
    std::vector<TokenSpan> spans;
    for (const auto& piece : tokenizer_.tokenize(text)) spans.push_back({piece.begin, piece.end});
    return spans;
  }

  std::vector<float> embed(const std::vector<std::string>& texts) const override {
    torch::InferenceMode inference;
    std::vector<std::vector<int64_t>> ids(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) ids[i] = tokenizer_.encode(texts[i], max_tokens());
    // Longest first, so each batch pads little (sentence-transformers sorts too).
    std::vector<std::size_t> order(texts.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return ids[a].size() > ids[b].size(); });
    const int64_t dim = dimension();
    std::vector<float> out(texts.size() * static_cast<std::size_t>(dim));
    for (std::size_t first = 0; first < order.size(); first += kBatchSize) {
      const std::size_t count = std::min(kBatchSize, order.size() - first);
      const auto T = static_cast<int64_t>(ids[order[first]].size());
      auto input = torch::full({static_cast<int64_t>(count), T}, tokenizer_.pad_id(), torch::kLong);  // [B, T]
      auto mask = torch::zeros({static_cast<int64_t>(count), T}, torch::kLong);                         // [B, T]
      auto input_a = input.accessor<int64_t, 2>();
      auto mask_a = mask.accessor<int64_t, 2>();
      for (std::size_t b = 0; b < count; ++b) {
        const auto& row = ids[order[first + b]];
        for (std::size_t t = 0; t < row.size(); ++t) {
          input_a[b][t] = row[t];
          mask_a[b][t] = 1;
        }
      }
      input = input.to(device_);
      mask = mask.to(device_);
      auto hidden = encoder_->forward(input, mask);                       // [B, T, C]
      auto pooled = pool(pooling_, hidden, mask);                          // [B, dim]
      // Normalize module: x / max(||x||, 1e-12), as torch.nn.functional.normalize.
      pooled = pooled / pooled.norm(2, 1, true).clamp_min(1e-12);
      pooled = pooled.to(torch::kCPU, torch::kFloat).contiguous();
      const float* data = pooled.data_ptr<float>();
      for (std::size_t b = 0; b < count; ++b) {
        std::copy_n(data + b * dim, dim, out.begin() + static_cast<std::ptrdiff_t>(order[first + b] * dim));
      }
    }
    return out;
  }

 private:
  std::string name_;
  WordPieceTokenizer tokenizer_;
  // mutable: forward() does not change the module, but LibTorch modules have no const forward.
  mutable BertEncoder encoder_;
  PoolingConfig pooling_;
  int64_t max_seq_length_;
  c10::Device device_;
};

// What modules.json asks for: where the transformer lives and how to pool.
struct Modules {
  fs::path transformer_dir;
  PoolingConfig pooling;
  bool has_pooling = false;
  bool normalize = false;
};

Modules read_modules(const fs::path& dir) {
  Modules modules;
  modules.transformer_dir = dir;
  const auto path = dir / "modules.json";
  if (!fs::exists(path)) return modules;  // a plain BERT folder: mean pooling, as sentence-transformers falls back to
  const auto json = read_json_file(path);
  const model::text::JsonPlace place{path.string(), ""};
  LORAG_CHECK(json.is_array(), FormatError, path.string(), ": expected a list of modules");
  bool has_transformer = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const auto at = place.index(i);
    const std::string type = model::text::json_field(json[i], "type", at, nlohmann::json::value_t::string);
    const std::string sub = model::text::json_string_or(json[i], "path", at, "");
    const std::string kind = type.substr(type.rfind('.') + 1);
    if (kind == "Transformer") {
      modules.transformer_dir = dir / sub;
      has_transformer = true;
    } else if (kind == "Pooling") {
      modules.pooling = read_pooling_config(dir / sub / "config.json");
      modules.has_pooling = true;
    } else if (kind == "Normalize") {
      modules.normalize = true;
    } else {
      LORAG_FAIL(ConfigError, at.child("type").describe(), " is '", type,
                 "', which lorag does not implement (supported: Transformer, Pooling, Normalize)");
    }
  }
  LORAG_CHECK(has_transformer, ConfigError, path.string(), ": no sentence_transformers.models.Transformer module");
  return modules;
}

// sentence_bert_config.json's max_seq_length (sentence-transformers < 5), else
// tokenizer_config.json's model_max_length (where 5.x keeps it), never more than
// the position table holds.
int64_t read_max_seq_length(const fs::path& dir, const BertConfig& config) {
  int64_t length = -1;
  std::string source;
  for (const auto& [name, key] : {std::pair{"sentence_bert_config.json", "max_seq_length"},
                                  std::pair{"tokenizer_config.json", "model_max_length"}}) {
    const auto path = dir / name;
    if (!fs::exists(path)) continue;
    const auto json = read_json_file(path);
    // An unset model_max_length is saved as a huge float (1e30); only integers count.
    if (json.contains(key) && json[key].is_number_integer()) {
      length = json[key].get<int64_t>();
      source = path.string() + ": field '" + key + "'";
      break;
    }
  }
  if (length < 0) return config.max_position_embeddings;
  LORAG_CHECK(length >= 2, ConfigError, source, " is ", length, ", expected at least 2 ([CLS] and [SEP])");
  return std::min(length, config.max_position_embeddings);
}

std::string folder_name(const fs::path& dir) {
  auto path = fs::absolute(dir).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();
  return path.filename().string();
}
}  // namespace

std::unique_ptr<Embedder> load_sentence_embedder(const fs::path& dir, const std::string& device) {
  LORAG_CHECK(fs::is_directory(dir), IoError, dir.string(), ": not a directory (expected a sentence-transformers model folder)");
  const auto target = model::resolve_device(device);
  Modules modules = read_modules(dir);
  const auto& tdir = modules.transformer_dir;
  auto tokenizer = WordPieceTokenizer::load(tdir);
  const auto config = read_bert_config(tdir / "config.json");
  LORAG_CHECK(tokenizer.vocab_size() <= config.vocab_size, FormatError, (tdir / "vocab.txt").string(), ": ",
              tokenizer.vocab_size(), " tokens, but config.json has vocab_size ", config.vocab_size);
  if (!modules.has_pooling) {
    modules.pooling = PoolingConfig{};
    modules.pooling.embedding_dimension = config.hidden_size;
  }
  LORAG_CHECK(modules.pooling.embedding_dimension == config.hidden_size, ConfigError,
              "pooling config: embedding_dimension ", modules.pooling.embedding_dimension,
              " does not match hidden_size ", config.hidden_size, " in ", (tdir / "config.json").string());
  const int64_t max_seq_length = read_max_seq_length(tdir, config);
  BertEncoder encoder(config);
  load_bert_weights(*encoder, tdir);
  encoder->eval();
  encoder->to(target);
  // Embeddings are always L2-normalised (the Embedder contract: the store ranks
  // by inner product), whether or not modules.json lists a Normalize module.
  if (!modules.normalize) {
    log::info(dir.string(), ": modules.json has no Normalize module; embeddings are L2-normalised anyway");
  }
  return std::make_unique<SentenceEmbedder>(folder_name(dir), std::move(tokenizer), std::move(encoder),
                                            modules.pooling, max_seq_length, target);
}

fs::path default_embedder_path() {
  if (const char* env = std::getenv("LORAG_EMBEDDER"); env && *env) return env;
  const fs::path folder = fs::path("models") / "all-MiniLM-L6-v2";
  std::vector<fs::path> roots = {fs::current_path()};
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  // Binaries live in build/<dir>/ of a checkout: look two and three levels up.
  if (!ec) roots.insert(roots.end(), {exe.parent_path().parent_path().parent_path(), exe.parent_path().parent_path()});
  for (const auto& root : roots) {
    if (fs::exists(root / folder / "config.json")) return root / folder;
  }
  LORAG_FAIL(UsageError, "the default embedder ", folder.string(),
             " is not installed (run scripts/setup.sh, or set LORAG_EMBEDDER to a sentence-transformers folder)");
}

}  // namespace lorag::rag::encoder
