// SPDX-License-Identifier: Apache-2.0
// QuantizedWeight::matmul on a real GGUF's matrices for 1..128 rows of bf16 x, the
// int8 row kernels against dequantized tiles + LibTorch matmul, to choose
// kMaxMatvecRows (model/quant/quantized_weight.h). One matrix per (type, shape);
// each result is checked once against dequantize-then-matmul (NMSE < 5e-4, the int8
// bound of quantized_weight_test), then timed: best of 5 rounds of enough calls for
// ~20 ms. Prints a markdown table of microseconds per call and the tiles/int8 ratio.
//
// Not part of the CMake build (bench/ has no targets); build it against a built tree:
//   g++ -O3 -std=gnu++20 -fopenmp -I. -isystem $T/include -isystem $T/include/torch/csrc/api/include \
//     bench/bench_quant_matmul.cpp build/model/liblorag_model.a -L$T/lib -Wl,-rpath,$T/lib \
//     -ltorch_cpu -lc10 -lsentencepiece -lpcre2-8 -o build/bench_quant_matmul
// with T=.venv/lib/python3.11/site-packages/torch; run: build/bench_quant_matmul MODEL.gguf [threads].
#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <cstdio>
#include <map>
#include <string>

#include "model/formats/gguf_file.h"
#include "model/quant/kernels/quant_dot.h"
#include "model/quant/quantized_weight.h"

using namespace lorag::model;

namespace {

double best_us(const std::function<void()>& f) {
  f();  // warm-up
  int calls = 1;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) f();
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > 0.02) break;
    calls *= 2;
  }
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls);
  }
  return best * 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_quant_matmul MODEL.gguf [threads]\n");
    return 2;
  }
  if (argc > 2) torch::set_num_threads(std::stoi(argv[2]));
  const auto file = formats::GgufFile::open(argv[1]);
  std::map<std::string, const formats::GgufTensorInfo*> picked;
  for (const auto& t : file.tensors()) {
    if (t.dims.size() != 2 || !quant::kernels::can_keep_quantized(t.type) || t.dims[1] > 4096) continue;
    const std::string key = std::string(formats::gguf_type_info(t.type).name) + " [" + std::to_string(t.dims[1]) +
                            ", " + std::to_string(t.dims[0]) + "]";
    picked.emplace(key, &t);
  }
  std::printf("%s, %d threads, isa %s, bf16 x; microseconds per matmul (ratio: tiles / int8 rows)\n\n", argv[1],
              torch::get_num_threads(), std::string(quant::kernels::isa_name(quant::kernels::active_isa())).c_str());
  std::printf("| matrix | rows | int8 rows | tiles | tiles / int8 |\n| --- | --- | --- | --- | --- |\n");
  torch::NoGradGuard no_grad;
  for (const auto& [key, t] : picked) {
    const int64_t out = t->dims[1], in = t->dims[0];
    auto blocks = torch::from_blob(const_cast<std::uint8_t*>(t->data.data()), {out, static_cast<int64_t>(t->n_bytes) / out},
                                   torch::kUInt8);
    const quant::QuantizedWeight w(t->type, out, in, blocks);
    const auto dense = w.dequantize(torch::kFloat64);
    for (int64_t n : {1, 4, 8, 16, 32, 64, 128}) {
      torch::manual_seed(1);
      const auto x = torch::randn({n, in}).to(torch::kBFloat16);
      const auto want = torch::matmul(x.to(torch::kFloat64), dense.t());
      double us[2];
      for (int tiles = 0; tiles < 2; ++tiles) {
        quant::QuantizedWeight::force_max_matvec_rows(tiles ? 0 : 1 << 20);
        const auto got = w.matmul(x).to(torch::kFloat64);
        const double nmse = ((got - want).square().sum() / want.square().sum()).item<double>();
        if (!(nmse < 5e-4)) {
          std::fprintf(stderr, "%s, %lld rows, %s: nmse %g against dequantize-then-matmul\n", key.c_str(),
                       static_cast<long long>(n), tiles ? "tiles" : "int8", nmse);
          return 1;
        }
        us[tiles] = best_us([&] { w.matmul(x); });
      }
      std::printf("| %s | %lld | %.1f | %.1f | %.2f |\n", key.c_str(), static_cast<long long>(n), us[0], us[1],
                  us[1] / us[0]);
      std::fflush(stdout);
    }
  }
  quant::QuantizedWeight::force_max_matvec_rows(std::nullopt);
  return 0;
}
