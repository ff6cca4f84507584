// SPDX-License-Identifier: Apache-2.0
// Answerer on a tiny chat model (fixtures/rag_answer, chat_bpe's tokenizer with
// a 1024-token window), a keyword-counting fake embedder and a small store: the
// prompt holds the numbered passages in rank order, the sources are the hits
// used, and the answer equals transformers' (and PEFT's, with the adapter)
// greedy answer to the same grounded prompt.
#include "rag/answer/answerer.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>

#include "adapters/peft_io.h"
#include "model/core/error.h"
#include "model/model_loader.h"
#include "rag/document.h"
#include "tests/test_util.h"

namespace lorag::rag::answer {
namespace {

// Counts keywords: dimension d holds how many words of the text are in
// kKeywords[d]; a last, tiny dimension keeps every vector non-zero.
class KeywordEmbedder : public Embedder {
 public:
  std::string name() const override { return "keyword-fake"; }
  int64_t dimension() const override { return 5; }
  int64_t max_tokens() const override { return 512; }
  std::vector<TokenSpan> token_spans(const std::string& text) const override {
    std::vector<TokenSpan> spans;
    size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      const size_t b = i;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (i > b) spans.push_back({b, i});
    }
    return spans;
  }
  std::vector<float> embed(const std::vector<std::string>& texts) const override {
    static const std::vector<std::vector<std::string>> kKeywords = {
        {"leave"}, {"pay", "salaries", "salary"}, {"vpn"}, {"office"}};
    std::vector<float> out;
    for (const auto& text : texts) {
      std::vector<float> v(5, 0.0f);
      v[4] = 0.001f;
      std::string word;
      for (size_t i = 0; i <= text.size(); ++i) {
        const char c = i < text.size() ? text[i] : ' ';
        if (std::isalpha(static_cast<unsigned char>(c))) {
          word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          continue;
        }
        for (size_t d = 0; d < kKeywords.size(); ++d) {
          for (const auto& k : kKeywords[d]) v[d] += word == k ? 1.0f : 0.0f;
        }
        word.clear();
      }
      float norm = 0;
      for (float x : v) norm += x * x;
      for (float x : v) out.push_back(x / std::sqrt(norm));
    }
    return out;
  }
};

struct Fixture {
  model::LoadedModel model;
  std::unique_ptr<infer::PromptFormatter> formatter;
  std::unique_ptr<infer::Generator> generator;
  KeywordEmbedder embedder;
  std::optional<DocumentStore> store;
  nlohmann::json reference;

  explicit Fixture(const std::string& chat_template = "auto") {
    model = model::load_model(test::fixture("rag_answer/chat_long"), {"cpu", "fp32"});
    formatter = std::make_unique<infer::PromptFormatter>(model.tokenizer, model.chat_template_source, chat_template);
    generator = std::make_unique<infer::Generator>(model.net, model.tokenizer);
    const auto dir = test::temp_dir("answerer_store");
    auto s = DocumentStore::create(dir, embedder, {});
    s.add(load_documents({test::fixture("rag_answer/docs.jsonl")}));
    store.emplace(DocumentStore::open(dir, embedder));
    reference = test::read_json(test::fixture("rag_answer/reference.json"));
  }

  AnswerConfig config() const {
    AnswerConfig c;
    c.prompt.system = reference["system"].get<std::string>();
    c.generate.max_new_tokens = reference["max_new_tokens"].get<int64_t>();
    c.retrieve.min_score = 0.3f;
    return c;
  }

  Answerer answerer(const AnswerConfig& c) {
    return Answerer(model.net, model.tokenizer, *formatter, *generator, embedder, *store, c);
  }
};

std::vector<std::string> doc_ids(const std::vector<Hit>& hits) {
  std::vector<std::string> ids;
  for (const auto& h : hits) ids.push_back(h.chunk.doc_id);
  return ids;
}

void expect_matches_reference(Answerer& answerer, const nlohmann::json& cases) {
  for (const auto& c : cases) {
    const auto question = c["question"].get<std::string>();
    SCOPED_TRACE(question);
    const auto a = answerer.answer(question);
    EXPECT_EQ(doc_ids(a.sources), c["doc_ids"].get<std::vector<std::string>>());
    EXPECT_EQ(a.retrieved, static_cast<int64_t>(a.sources.size()));
    EXPECT_EQ(a.dropped, 0);
    EXPECT_EQ(a.prompt_tokens, static_cast<int64_t>(c["prompt_ids"].size()));
    EXPECT_EQ(a.generated_tokens, static_cast<int64_t>(c["ids"].size()));
    EXPECT_EQ(a.text, c["text"].get<std::string>());
    EXPECT_EQ(a.finish_reason, c["finish_reason"].get<std::string>());
    for (size_t i = 1; i < a.sources.size(); ++i) EXPECT_GE(a.sources[i - 1].score, a.sources[i].score);
  }
}

TEST(Answerer, AnswersMatchTransformersGreedyOnRetrievedPassages) {
  Fixture f;
  auto answerer = f.answerer(f.config());
  expect_matches_reference(answerer, f.reference["base"]);
}

TEST(Answerer, PromptHoldsNumberedPassagesInRankOrder) {
  Fixture f;
  auto answerer = f.answerer(f.config());
  const auto& c = f.reference["base"][0];
  const auto hits = f.store->retrieve(c["question"].get<std::string>(), f.config().retrieve);
  ASSERT_EQ(doc_ids(hits), (std::vector<std::string>{"hr/leave", "hr/pay"}));
  const auto prompt = answerer.build_prompt(c["question"].get<std::string>(), hits);
  // Token for token what transformers' apply_chat_template gives for the same messages.
  EXPECT_EQ(prompt.ids, c["prompt_ids"].get<std::vector<int64_t>>());
  const auto text = f.model.tokenizer->decode(prompt.ids, false);
  EXPECT_EQ(text, c["prompt_text"].get<std::string>());
  const auto first = text.find("[1] Leave policy (hr/leave)\nFull-time staff");
  const auto second = text.find("[2] Pay (hr/pay)\nSalaries");
  ASSERT_NE(first, std::string::npos) << text;
  ASSERT_NE(second, std::string::npos) << text;
  EXPECT_LT(first, second);
}

TEST(Answerer, DropsLowestRankedPassageWhenTheContextIsShort) {
  Fixture f;
  const auto& c = f.reference["base"][0];
  const auto full = static_cast<int64_t>(c["prompt_ids"].size());
  auto config = f.config();
  // Leave room for the prompt minus a few tokens: the second passage cannot fit.
  config.generate.max_new_tokens = 1024 - full + 5;
  auto answerer = f.answerer(config);
  const auto question = c["question"].get<std::string>();
  const auto prompt = answerer.build_prompt(question, f.store->retrieve(question, config.retrieve));
  EXPECT_EQ(doc_ids(prompt.context.passages), std::vector<std::string>{"hr/leave"});
  EXPECT_EQ(prompt.context.dropped, 1);
  EXPECT_LE(static_cast<int64_t>(prompt.ids.size()) + config.generate.max_new_tokens, answerer.context_length());
  EXPECT_EQ(f.model.tokenizer->decode(prompt.ids, false).find("[2]"), std::string::npos);
}

TEST(Answerer, WithLoraAdapterMatchesPeft) {
  Fixture f;
  auto adapter = adapters::load_peft_adapter(test::fixture("rag_answer/adapter"));
  adapter.attach(f.model.net);
  auto answerer = f.answerer(f.config());
  expect_matches_reference(answerer, f.reference["adapter"]);
}

TEST(Answerer, PlainPromptWithoutChatTemplate) {
  Fixture f("none");
  auto answerer = f.answerer(f.config());
  const auto hits = f.store->retrieve("When is pay day?", f.config().retrieve);
  const auto prompt = answerer.build_prompt("When is pay day?", hits);
  EXPECT_EQ(f.model.tokenizer->decode(prompt.ids, true),
            "Use the context. Cite [n].\n\nContext:\n\n[1] Pay (hr/pay)\nSalaries are paid on the 25th of each "
            "month, or on the working day before.\n\nQuestion: When is pay day?\nAnswer:");
}

TEST(Answerer, RejectsEmptyAndOverlongQuestions) {
  Fixture f;
  auto answerer = f.answerer(f.config());
  EXPECT_THROW(answerer.answer("  \n"), UsageError);
  std::string long_question;
  for (int i = 0; i < 600; ++i) long_question += "why ";
  try {
    answerer.answer(long_question);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the model's context of 1024 tokens"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lorag::rag::answer
