// SPDX-License-Identifier: Apache-2.0
// The subcommands of the `lorag` binary (cli/). Each takes its arguments (after
// the command name) and returns the exit code; errors propagate as exceptions
// for `main` to report.
#pragma once

#include <string>
#include <vector>

namespace lorag::cli {

using Args = std::vector<std::string>;

int run_generate(const Args& args);
int run_chat(const Args& args);
int run_info(const Args& args);
int run_convert(const Args& args);
int run_bench(const Args& args);
int run_bench_retrieve(const Args& args);  // `lorag bench retrieve`, dispatched by run_bench
int run_bench_engine(const Args& args);    // `lorag bench engine`, dispatched by run_bench
int run_train(const Args& args);
int run_merge(const Args& args);
int run_index(const Args& args);
int run_retrieve(const Args& args);
int run_ask(const Args& args);
int run_compare(const Args& args);
int run_quantize(const Args& args);
int run_tokenize(const Args& args);
int run_serve(const Args& args);

}  // namespace lorag::cli
