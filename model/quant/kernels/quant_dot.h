// SPDX-License-Identifier: Apache-2.0
// Torch-free dot products of one quantized GGUF row with an fp32 vector (model/quant):
// the inner loop of the decode-time matrix-vector product, dequantizing each block
// in registers. One scalar variant for every kept type, and AVX2 / AVX-512 variants
// compiled with per-function target attributes, chosen at run time, so the binary
// runs on any x86-64 (and builds elsewhere with the scalar variant only).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "model/formats/gguf_type.h"

namespace lorag::model::quant::kernels {

// Instruction-set variants of the kernels, in increasing order of preference. The
// VNNI variants add the int8 dot product (`vpdpbusd`) to the kernels of
// kernels/quant_dot_q8.h; for the fp32-activation kernels here they are AVX2 and
// AVX-512. A CPU may run a later variant without an earlier one (AVX-512 VNNI
// without AVX-VNNI: Zen 4, Ice Lake), so check `cpu_runs`, not the order.
enum class Isa { kScalar = 0, kAvx2 = 1, kAvxVnni = 2, kAvx512 = 3, kAvx512Vnni = 4 };
inline constexpr Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512, Isa::kAvx512Vnni};

// "scalar", "avx2", "avx_vnni", "avx512", "avx512_vnni".
std::string_view isa_name(Isa isa);
// Whether this CPU (and this build) runs `isa` (`__builtin_cpu_supports`: avx2+fma+f16c;
// avxvnni; avx512f+bw+vl; avx512vnni). Thread-safe.
bool cpu_runs(Isa isa);
// The best variant this CPU runs. Cached after the first call; thread-safe.
Isa detected_isa();
// The variant the kernels use: `detected_isa()` unless forced. Thread-safe.
Isa active_isa();
// Test hook: forces `isa` (nullopt: back to detection). Throws UsageError when the
// CPU cannot run it. Not meant to be called while kernels run on other threads.
void force_isa(std::optional<Isa> isa);

// Decode-time products quantize x to int8 blocks (kernels/quant_dot_q8.h), as
// llama.cpp does, unless this test hook forces the fp32-activation row kernels
// below (RowDot) for every product, the output head's included. Not meant to be
// called while kernels run on other threads.
void force_fp32_activations(bool on);
bool fp32_activations_forced();

// While alive, products on this thread give each x row's largest output as fp32 x
// would: for the output head, whose argmax picks greedy tokens, where 8-bit x alone
// flips near ties (the default model's first answer token to "What is the capital
// of France?": logits 25.325 vs 25.243). A weight made for it
// (QuantizedWeight::for_output_head) screens with int8 x and redoes in fp32 x only
// the rows that could hold the maximum (model/quant/exact_argmax.h); any other runs
// every row with fp32 x.
class ScopedExactArgmax {
 public:
  ScopedExactArgmax();
  ~ScopedExactArgmax();
  ScopedExactArgmax(const ScopedExactArgmax&) = delete;
  ScopedExactArgmax& operator=(const ScopedExactArgmax&) = delete;

 private:
  bool previous_;
};
// Whether a ScopedExactArgmax is alive on this thread.
bool exact_argmax_scoped();

// Whether lorag keeps tensors of `type` quantized (q4_0, q4_1, q5_0, q5_1, q8_0,
// q4_k, q5_k, q6_k); others are dequantized at load.
bool can_keep_quantized(formats::GgufType type);

// y = Σ_k W[k]·x[k] for one row `w` of `cols` values stored as `type` (cols a
// multiple of the block size). `xsum32[b]` must hold Σ x[32b .. 32b+32) (types
// with a per-block offset use it instead of re-reading x). fp32 accumulation;
// the summation order differs per variant, so results agree to rounding only.
using RowDot = float (*)(const std::uint8_t* w, const float* x, const float* xsum32, std::int64_t cols);

// The kernel for `type` in variant `isa`, or nullptr when `type` is not kept
// quantized. Variants without a hand-written kernel for `type` return the next
// lower variant's; `has_simd_kernel` says which do.
RowDot row_dot(formats::GgufType type, Isa isa);
bool has_simd_kernel(formats::GgufType type, Isa isa);

// The most x rows one several-rows call takes.
inline constexpr int kMaxRows = 8;

// y[i] = Σ_k W[k]·x_i[k] for i < rows (1 ≤ rows ≤ kMaxRows), x row i at x + i·x_stride
// floats: one weight row against several fp32 x rows, each block widened once. Bit
// for bit the RowDot of the same type and variant per x row. Written for q8_0 (the
// usual quantized output head, run with fp32 x by several streams at once).
using RowsDot = void (*)(const std::uint8_t* w, const float* x, std::int64_t x_stride, int rows, std::int64_t cols,
                         float* y);

// The several-rows kernel for `type` in variant `isa`, or nullptr when there is none
// (types other than q8_0; the scalar variant): loop over RowDot then.
RowsDot rows_dot(formats::GgufType type, Isa isa);

namespace detail {
RowDot row_dot_scalar(formats::GgufType type);
RowDot row_dot_avx2(formats::GgufType type);    // nullptr when not built or not written
RowDot row_dot_avx512(formats::GgufType type);  // nullptr when not built or not written
RowsDot rows_dot_avx2(formats::GgufType type);    // nullptr when not built or not written
RowsDot rows_dot_avx512(formats::GgufType type);  // nullptr when not built or not written
}  // namespace detail

}  // namespace lorag::model::quant::kernels
