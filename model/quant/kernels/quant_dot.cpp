// SPDX-License-Identifier: Apache-2.0
// Run-time choice of the kernel variant, and the portable scalar kernels (model/quant):
// each block is dequantized with ggml's reference arithmetic (model/formats) into a
// stack buffer, then dotted with x, so the scalar variant is the dequantize-then-dot
// reference itself.
#include "model/quant/kernels/quant_dot.h"

#include <atomic>

#include "model/core/error.h"
#include "model/formats/gguf_dequant_blocks.h"
#include "model/quant/kernels/quant_dot_q8.h"

namespace lorag::model::quant::kernels {
namespace {
using formats::GgufType;
using BlockDequant = void (*)(const std::uint8_t*, std::int64_t, float*);

BlockDequant block_dequant(GgufType type) {
  switch (type) {
    case GgufType::kQ4_0: return formats::detail::dequant_q4_0;
    case GgufType::kQ4_1: return formats::detail::dequant_q4_1;
    case GgufType::kQ5_0: return formats::detail::dequant_q5_0;
    case GgufType::kQ5_1: return formats::detail::dequant_q5_1;
    case GgufType::kQ8_0: return formats::detail::dequant_q8_0;
    case GgufType::kQ4_K: return formats::detail::dequant_q4_k;
    case GgufType::kQ5_K: return formats::detail::dequant_q5_k;
    case GgufType::kQ6_K: return formats::detail::dequant_q6_k;
    default: return nullptr;
  }
}

template <GgufType kType>
float dot_scalar(const std::uint8_t* w, const float* x, const float*, std::int64_t cols) {
  const auto& info = formats::gguf_type_info(kType);
  const BlockDequant dequant = block_dequant(kType);
  float buf[256];
  float total = 0.0f;
  for (std::int64_t k = 0; k < cols; k += info.block_size, w += info.type_size) {
    dequant(w, 1, buf);
    float sum = 0.0f;
    for (std::int64_t j = 0; j < info.block_size; ++j) sum += buf[j] * x[k + j];
    total += sum;
  }
  return total;
}

struct CpuFeatures {
  bool avx2 = false, avx_vnni = false, avx512 = false, avx512_vnni = false;
};

CpuFeatures cpu_features() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
           detail::row_dot_avx2(GgufType::kQ8_0) != nullptr;
  f.avx_vnni = f.avx2 && __builtin_cpu_supports("avxvnni") &&
               detail::row_dot_q8_avx_vnni(GgufType::kQ8_0) != nullptr;
  f.avx512 = f.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && detail::row_dot_avx512(GgufType::kQ8_0) != nullptr;
  f.avx512_vnni = f.avx512 && __builtin_cpu_supports("avx512vnni") &&
                  detail::row_dot_q8_avx512_vnni(GgufType::kQ8_0) != nullptr;
#endif
  return f;
}

const CpuFeatures& features() {
  static const CpuFeatures f = cpu_features();
  return f;
}

// -1: not forced.
std::atomic<int> g_forced{-1};
std::atomic<bool> g_fp32_activations{false};
}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512Vnni: return "avx512_vnni";
    case Isa::kAvx512: return "avx512";
    case Isa::kAvxVnni: return "avx_vnni";
    case Isa::kAvx2: return "avx2";
    case Isa::kScalar: break;
  }
  return "scalar";
}

bool cpu_runs(Isa isa) {
  const CpuFeatures& f = features();
  switch (isa) {
    case Isa::kAvx512Vnni: return f.avx512_vnni;
    case Isa::kAvx512: return f.avx512;
    case Isa::kAvxVnni: return f.avx_vnni;
    case Isa::kAvx2: return f.avx2;
    case Isa::kScalar: break;
  }
  return true;
}

Isa detected_isa() {
  static const Isa isa = [] {
    for (Isa i : {Isa::kAvx512Vnni, Isa::kAvx512, Isa::kAvxVnni, Isa::kAvx2}) {
      if (cpu_runs(i)) return i;
    }
    return Isa::kScalar;
  }();
  return isa;
}

Isa active_isa() {
  const int forced = g_forced.load(std::memory_order_relaxed);
  return forced < 0 ? detected_isa() : static_cast<Isa>(forced);
}

void force_isa(std::optional<Isa> isa) {
  if (isa) {
    LORAG_CHECK(cpu_runs(*isa), UsageError, "quant: cannot force ", isa_name(*isa), " kernels: this cpu lacks it (best: ",
                isa_name(detected_isa()), ")");
  }
  g_forced.store(isa ? static_cast<int>(*isa) : -1, std::memory_order_relaxed);
}

namespace {
thread_local bool t_exact_argmax = false;
}  // namespace

void force_fp32_activations(bool on) { g_fp32_activations.store(on, std::memory_order_relaxed); }
bool fp32_activations_forced() { return g_fp32_activations.load(std::memory_order_relaxed); }

ScopedExactArgmax::ScopedExactArgmax() : previous_(t_exact_argmax) { t_exact_argmax = true; }
ScopedExactArgmax::~ScopedExactArgmax() { t_exact_argmax = previous_; }
bool exact_argmax_scoped() { return t_exact_argmax; }

bool can_keep_quantized(GgufType type) { return block_dequant(type) != nullptr; }

// The fp32-activation kernels exist for AVX2 and AVX-512; the VNNI variants only
// add int8 kernels, so they run the fp32 kernels of the variant below them.
RowDot row_dot(GgufType type, Isa isa) {
  if (isa == Isa::kAvx512 || isa == Isa::kAvx512Vnni) {
    if (auto f = detail::row_dot_avx512(type)) return f;
    isa = Isa::kAvx2;
  }
  if (isa == Isa::kAvx2 || isa == Isa::kAvxVnni) {
    if (auto f = detail::row_dot_avx2(type)) return f;
  }
  return detail::row_dot_scalar(type);
}

// Chosen as row_dot chooses, so that each x row gets the RowDot's arithmetic.
RowsDot rows_dot(GgufType type, Isa isa) {
  if (isa == Isa::kAvx512 || isa == Isa::kAvx512Vnni) {
    if (detail::row_dot_avx512(type)) return detail::rows_dot_avx512(type);
    isa = Isa::kAvx2;
  }
  if ((isa == Isa::kAvx2 || isa == Isa::kAvxVnni) && detail::row_dot_avx2(type)) return detail::rows_dot_avx2(type);
  return nullptr;
}

bool has_simd_kernel(GgufType type, Isa isa) {
  if (isa == Isa::kAvx512 || isa == Isa::kAvx512Vnni) return detail::row_dot_avx512(type) != nullptr;
  if (isa == Isa::kAvx2 || isa == Isa::kAvxVnni) return detail::row_dot_avx2(type) != nullptr;
  return false;
}

namespace detail {
RowDot row_dot_scalar(GgufType type) {
  switch (type) {
    case GgufType::kQ4_0: return dot_scalar<GgufType::kQ4_0>;
    case GgufType::kQ4_1: return dot_scalar<GgufType::kQ4_1>;
    case GgufType::kQ5_0: return dot_scalar<GgufType::kQ5_0>;
    case GgufType::kQ5_1: return dot_scalar<GgufType::kQ5_1>;
    case GgufType::kQ8_0: return dot_scalar<GgufType::kQ8_0>;
    case GgufType::kQ4_K: return dot_scalar<GgufType::kQ4_K>;
    case GgufType::kQ5_K: return dot_scalar<GgufType::kQ5_K>;
    case GgufType::kQ6_K: return dot_scalar<GgufType::kQ6_K>;
    default: return nullptr;
  }
}
}  // namespace detail

}  // namespace lorag::model::quant::kernels
