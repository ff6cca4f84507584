// SPDX-License-Identifier: Apache-2.0
// Loading a sentence-transformers model folder as an Embedder (rag/encoder/).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "rag/embedder.h"

namespace lorag::rag::encoder {

// Loads a sentence-transformers folder (config.json, model.safetensors or
// pytorch_model.bin, vocab.txt or tokenizer.json, tokenizer_config.json,
// modules.json, 1_Pooling/config.json, sentence_bert_config.json) onto `device`
// ("cpu", "cuda", "cuda:1", "auto"), in fp32. Both the 2.x-4.x and the 5.x
// folder layouts are read. Behaviour, as sentence-transformers' encode():
//  - tokens: HF's fast BertTokenizer (see wordpiece_tokenizer.h), truncated to
//    max_seq_length (sentence_bert_config.json, else tokenizer_config.json's
//    model_max_length, capped by max_position_embeddings) including [CLS]/[SEP];
//  - texts sorted by length and run in batches of 32, right-padded and masked;
//  - pooling as 1_Pooling/config.json says (cls, max, mean, mean_sqrt_len_tokens,
//    weightedmean, lasttoken; several are concatenated);
//  - L2-normalised always, even when modules.json has no Normalize module.
// name() is the folder's name ("all-MiniLM-L6-v2"). The result's const methods
// may be called from several threads. A folder without modules.json is read as
// a plain BERT checkpoint with mean pooling. Throws IoError/FormatError naming
// the file and field or tensor, ShapeError naming the tensor and both shapes,
// ConfigError for a model type or module lorag does not implement (only BERT
// encoders; Transformer, Pooling and Normalize modules), UsageError for a bad device.
std::unique_ptr<Embedder> load_sentence_embedder(const std::filesystem::path& dir, const std::string& device = "cpu");

// The default embedder set up by scripts/setup.sh: $LORAG_EMBEDDER, else
// models/all-MiniLM-L6-v2 under the working directory or the checkout. Throws
// UsageError telling how to install it when missing.
std::filesystem::path default_embedder_path();

}  // namespace lorag::rag::encoder
