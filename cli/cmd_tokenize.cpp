// SPDX-License-Identifier: Apache-2.0
// `lorag tokenize`: a model's token ids for a text, like llama.cpp's
// `llama-tokenize --ids --no-bos`, or only their count (for fitting a context).
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/options.h"
#include "model/core/error.h"
#include "model/model_loader.h"

namespace lorag::cli {
namespace {

struct TokenizeOptions {
  std::string model;      // folder (tokenizer.json / tokenizer.model) or .gguf; empty = the default model
  std::string text;       // the text to tokenize
  std::string file;       // or a file holding it (read as bytes, UTF-8)
  bool ids = false;       // print the ids as a list (the default output)
  bool pieces = false;    // print one "id -> 'piece'" line per token
  bool count = false;     // print only the number of tokens
  bool add_special = false;    // add bos/eos as the tokenizer's config says
  bool parse_special = false;  // special tokens written in the text become their ids
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  LORAG_CHECK(in.good(), IoError, path, ": cannot open for reading (--file)");
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

int run_tokenize(const Args& args) {
  TokenizeOptions o;
  po::options_description all;
  all.add_options()
      ("model", po::value(&o.model)->value_name("PATH"),
       "model folder (tokenizer.json or tokenizer.model suffice) or .gguf file (vocab-only ones too); "
       "default: the bundled model")
      ("text", po::value(&o.text)->value_name("TEXT"), "the text to tokenize")
      ("file", po::value(&o.file)->value_name("FILE"), "read the text from FILE instead")
      ("ids", po::bool_switch(&o.ids), "print the ids as [1, 2, 3] (the default)")
      ("pieces", po::bool_switch(&o.pieces), "print one line per token: id -> 'piece'")
      ("count", po::bool_switch(&o.count), "print only the number of tokens")
      ("add-special", po::bool_switch(&o.add_special), "add bos/eos as the tokenizer's config says")
      ("parse-special", po::bool_switch(&o.parse_special),
       "special tokens written in the text (e.g. <|im_start|>) become their ids; otherwise they are plain text");
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("tokenize", "Prints a model's token ids for a text (no bos/eos unless --add-special).", all);
    return 0;
  }
  LORAG_CHECK(vm.count("text") + vm.count("file") == 1, UsageError, "give exactly one of --text and --file");
  LORAG_CHECK(o.ids + o.pieces + o.count <= 1, UsageError, "give at most one of --ids, --pieces and --count");
  const std::string text = vm.count("file") ? read_all(o.file) : o.text;
  const auto tokenizer = model::load_tokenizer_only(o.model.empty() ? default_model_path() : o.model);
  const auto ids = o.parse_special ? tokenizer->encode(text, o.add_special)
                                   : tokenizer->encode_literal(text, o.add_special);
  if (o.count) {
    std::cout << ids.size() << "\n";
  } else if (o.pieces) {
    for (const auto id : ids) std::cout << id << " -> '" << tokenizer->decode_bytes({id}, false) << "'\n";
  } else {
    std::cout << "[";
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? ", " : "") << ids[i];
    std::cout << "]\n";
  }
  return 0;
}

}  // namespace lorag::cli
