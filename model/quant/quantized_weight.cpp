// SPDX-License-Identifier: Apache-2.0
#include "model/quant/quantized_weight.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <type_traits>
#include <vector>

#include "model/core/error.h"
#include "model/formats/gguf_dequant.h"
#include "model/quant/exact_argmax.h"
#include "model/quant/kernels/quant_dot.h"
#include "model/quant/kernels/quant_dot_q8.h"
#include "model/quant/quant_cuda.h"
#include "model/quant/quantized_tiles.h"

namespace lorag::model::quant {
namespace {
using formats::GgufType;

// About 4 MiB of fp32 per dequantized tile: big enough for matmul to run at full
// speed, small enough that the transient dense copy is negligible next to the model.
constexpr int64_t kTileElements = int64_t{1} << 20;

// The backward of x·Wᵀ for a frozen quantized W: grad_x = grad_out·W. W travels as
// its blocks tensor so the graph keeps it alive on its own.
struct QuantizedLinearFn : public torch::autograd::Function<QuantizedLinearFn> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& blocks, int64_t type, int64_t out, int64_t in) {
    ctx->save_for_backward({blocks});
    ctx->saved_data["type"] = type;
    ctx->saved_data["out"] = out;
    ctx->saved_data["in"] = in;
    return QuantizedWeight(static_cast<GgufType>(type), out, in, blocks).matmul(x);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const QuantizedWeight w(static_cast<GgufType>(ctx->saved_data["type"].toInt()), ctx->saved_data["out"].toInt(),
                            ctx->saved_data["in"].toInt(), ctx->get_saved_variables()[0]);
    return {w.matmul_transposed(grads[0]), {}, {}, {}, {}};
  }
};

std::atomic<int64_t> g_forced_matvec_rows{-1};  // -1: kMaxMatvecRows
}  // namespace

void QuantizedWeight::force_max_matvec_rows(std::optional<int64_t> rows) {
  g_forced_matvec_rows.store(rows ? *rows : -1, std::memory_order_relaxed);
}

QuantizedWeight::QuantizedWeight(GgufType type, int64_t out_features, int64_t in_features, at::Tensor blocks)
    : type_(type), out_(out_features), in_(in_features), blocks_(std::move(blocks)) {
  const auto& info = formats::gguf_type_info(type);
  LORAG_CHECK(kernels::can_keep_quantized(type), FormatError, "quantized weight: type ", info.name,
              " is not kept quantized (expected q4_0, q4_1, q5_0, q5_1, q8_0, q4_k, q5_k or q6_k)");
  LORAG_CHECK(in_ > 0 && out_ > 0 && in_ % info.block_size == 0, ShapeError, "quantized weight: [", out_, ", ", in_,
              "] does not fit ", info.name, " blocks of ", info.block_size, " (in_features must be a multiple)");
  const int64_t row_bytes = in_ / info.block_size * info.type_size;
  LORAG_CHECK(blocks_.defined() && (blocks_.device().is_cpu() || blocks_.device().is_cuda()) &&
                  blocks_.scalar_type() == torch::kUInt8 &&
                  blocks_.dim() == 2 && blocks_.size(0) == out_ && blocks_.size(1) == row_bytes &&
                  blocks_.is_contiguous(),
              ShapeError, "quantized weight: blocks must be contiguous cpu or cuda uint8 [", out_, ", ", row_bytes, "] for ",
              info.name, " [", out_, ", ", in_, "]");
}

QuantizedWeight QuantizedWeight::to(const c10::Device& device) const {
  if (device.is_cuda()) {
    LORAG_CHECK(cuda::quant_kernels_available(), UsageError, "quantized weight: this build has no cuda kernels ",
                "(built without nvcc; hint: --quantized dequantize)");
  }
  QuantizedWeight moved(type_, out_, in_, blocks_.to(device).contiguous());
  if (device.is_cpu()) moved.magnitudes_ = magnitudes_;
  return moved;
}

QuantizedWeight QuantizedWeight::for_output_head() const {
  QuantizedWeight head = *this;
  if (blocks_.is_cpu()) {
    head.magnitudes_ = std::make_shared<const RowMagnitudes>(type_, blocks_.data_ptr<std::uint8_t>(), blocks_.size(1),
                                                             out_, in_);
  }
  return head;
}

int64_t QuantizedWeight::tile_rows() const { return std::max<int64_t>(1, std::min(out_, kTileElements / in_)); }

at::Tensor QuantizedWeight::dequantize(c10::ScalarType dtype, int64_t row0, int64_t row1) const {
  LORAG_ASSERT(0 <= row0 && row0 <= row1 && row1 <= out_, "dequantize rows [", row0, ", ", row1, ") of ", out_);
  if (blocks_.is_cuda()) {
    return cuda::dequantize(blocks_.narrow(0, row0, row1 - row0), static_cast<std::uint32_t>(type_), in_, dtype);
  }
  auto dense = torch::empty({row1 - row0, in_}, torch::kFloat32);  // [rows, in]
  const auto* src = blocks_.data_ptr<std::uint8_t>();
  const int64_t row_bytes = blocks_.size(1);
  float* dst = dense.data_ptr<float>();
  at::parallel_for(row0, row1, std::max<int64_t>(1, 16384 / in_), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      formats::dequantize_row(type_, src + r * row_bytes, in_, dst + (r - row0) * in_);
    }
  });
  return dtype == torch::kFloat32 ? dense : dense.to(dtype);
}

at::Tensor QuantizedWeight::embedding(const at::Tensor& ids, c10::ScalarType dtype) const {
  auto flat = ids.reshape({-1}).to(torch::kCPU, torch::kInt64).contiguous();  // [N]
  const int64_t n = flat.size(0);
  const int64_t* id = flat.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    LORAG_CHECK(id[i] >= 0 && id[i] < out_, ShapeError, "embedding: token id ", id[i], " is outside the vocabulary [0, ",
                out_, ")");
  }
  auto shape = ids.sizes().vec();
  shape.push_back(in_);
  if (blocks_.is_cuda()) {  // gather the rows' blocks, then dequantize only those
    auto picked = blocks_.index_select(0, flat.to(blocks_.device()));  // [N, row_bytes]
    return cuda::dequantize(picked, static_cast<std::uint32_t>(type_), in_, dtype).view(shape);  // [..., in]
  }
  auto rows = torch::empty({n, in_}, torch::kFloat32);  // [N, in]
  const auto* src = blocks_.data_ptr<std::uint8_t>();
  const int64_t row_bytes = blocks_.size(1);
  float* dst = rows.data_ptr<float>();
  at::parallel_for(0, n, std::max<int64_t>(1, 16384 / in_), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) formats::dequantize_row(type_, src + id[i] * row_bytes, in_, dst + i * in_);
  });
  return rows.to(dtype).view(shape);  // [..., in]
}

namespace {
using kernels::active_isa;
using kernels::exact_argmax_scoped;
using kernels::fp32_activations_forced;
using kernels::kMaxQ8Rows;
using kernels::kMaxRows;
using kernels::Q8Block;
using kernels::quantize_q8;
using kernels::row_dot;
using kernels::row_dot_q8;
using kernels::RowDot;
using kernels::RowDotQ8;
using kernels::rows_dot;
using kernels::rows_dot_q8;
using kernels::RowsDot;
using kernels::RowsDotQ8;

// x rows [N, in] in T → fp32 (a copy only when T is not float).
template <typename T>
const float* as_fp32(const T* x_in, int64_t count, std::vector<float>& copy) {
  if constexpr (std::is_same_v<T, float>) {
    return x_in;
  } else if constexpr (std::is_same_v<T, c10::BFloat16>) {
    // bf16 is fp32's upper half: a shift the compiler vectorizes (c10's conversion is not).
    copy.resize(static_cast<std::size_t>(count));
    for (int64_t k = 0; k < count; ++k) copy[k] = std::bit_cast<float>(static_cast<std::uint32_t>(x_in[k].x) << 16);
    return copy.data();
  } else {
    copy.resize(static_cast<std::size_t>(count));
    for (int64_t k = 0; k < count; ++k) copy[k] = static_cast<float>(x_in[k]);
    return copy.data();
  }
}

// Output rows split across threads; each weight row is read once for all N inputs.
// `dot_row(r, i)` is W row r · x row i.
template <typename T, typename DotRow>
void for_each_output(int64_t out, int64_t in, int64_t n, T* y, const DotRow& dot_row) {
  at::parallel_for(0, out, std::max<int64_t>(1, 32768 / in), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      for (int64_t i = 0; i < n; ++i) y[i * out + r] = static_cast<T>(dot_row(r, i));
    }
  });
}

// x rows [N, in] in T as int8 blocks of one scale per `span` (q8_span), in a buffer
// of the calling thread per span that stays valid until its next call with that span
// (the workers of a product only read it).
template <typename T>
const Q8Block* quantized_rows(const T* x_in, int64_t n, int64_t in, int span) {
  thread_local std::vector<float> x_copy;
  thread_local std::vector<Q8Block> xq[2];  // span 32, span 256
  auto& out = xq[span == 32 ? 0 : 1];
  const float* x = as_fp32(x_in, n * in, x_copy);
  out.resize(static_cast<std::size_t>(n * (in / 32)));
  quantize_q8(x, n * in, out.data(), active_isa(), span);
  return out.data();
}

// y[i, r] = dot(W row r, x row i) for N ≤ kMaxMatvecRows input rows quantized as
// `xq` (n · in / 32 blocks), written in Y. The default, as llama.cpp: integer block
// dots, each weight row against up to kMaxQ8Rows x rows per call, so its blocks are
// unpacked once per group of 8 x rows instead of once per x row.
template <typename Y>
void matvec_q8_blocks(RowDotQ8 dot_one, RowsDotQ8 dots, const std::uint8_t* w, int64_t row_bytes, int64_t out,
                      int64_t in, const Q8Block* xq_data, int64_t n, Y* y) {
  const int64_t nb = in / 32;
  // Groups of 8 rather than 4: 16 rows of SmolLM2's q4_1 / q5_0 / q4_k matrices ran
  // 1.1-1.2x faster under AVX-512 VNNI, q6_k the same (bench/RESULTS.md, fourth stop).
  constexpr int group = kMaxQ8Rows;
  // Weight rows in tiles of about 16 KiB, each tile met by one group of x rows after
  // another, so both stay in L1/L2 when N is a prefill chunk rather than a few rows.
  const int64_t tile = std::max<int64_t>(1, 16384 / row_bytes);
  at::parallel_for(0, out, std::max<int64_t>(1, 32768 / in), [&](int64_t begin, int64_t end) {
    float dot[kMaxQ8Rows];
    for (int64_t r0 = begin; r0 < end; r0 += tile) {
      const int64_t r1 = std::min(end, r0 + tile);
      for (int64_t i0 = 0; i0 < n; i0 += group) {
        const int rows = static_cast<int>(std::min<int64_t>(group, n - i0));
        for (int64_t r = r0; r < r1; ++r) {
          if (rows == 1) {  // the one-row kernel inlined: 10% faster than through `dots` for batch-1 decode
            y[i0 * out + r] = static_cast<Y>(dot_one(w + r * row_bytes, xq_data + i0 * nb, in));
            continue;
          }
          dots(w + r * row_bytes, xq_data + i0 * nb, nb, rows, in, dot);
          for (int i = 0; i < rows; ++i) y[(i0 + i) * out + r] = static_cast<Y>(dot[i]);
        }
      }
    }
  });
}

// The same from x rows [N, in] in T, quantized here. Plain loops instead of ATen ops
// for the fp32 copy of x, its quantization and the output cast: at decode each op
// costs a few microseconds, as much as a whole 576-wide matrix-vector product (about
// 210 such products per SmolLM2 token).
template <typename T>
void matvec_cpu_q8(GgufType type, const std::uint8_t* w, int64_t row_bytes, int64_t out, int64_t in, const T* x_in,
                   int64_t n, T* y) {
  matvec_q8_blocks(row_dot_q8(type, active_isa()), rows_dot_q8(type, active_isa()), w, row_bytes, out, in,
                   quantized_rows(x_in, n, in, kernels::q8_span(type)), n, y);
}

// Σx per 32 values of x rows [N, in] (the fp32 kernels' offsets term).
std::vector<float> sums_of_32(const float* x, int64_t n, int64_t in) {
  std::vector<float> xsum(static_cast<std::size_t>(n * (in / 32)), 0.0f);  // [N, in/32]
  for (int64_t k = 0; k < n * in; ++k) xsum[k / 32] += x[k];
  return xsum;
}

// y[0 .. n) written as T. bf16 rounds to nearest even as c10's conversion does, but
// branch-free (NaN kept quiet by a select), so the loop vectorizes: a head's 49152+
// outputs per token.
template <typename T>
void store_as(const float* y, int64_t n, T* out) {
  if constexpr (std::is_same_v<T, c10::BFloat16>) {
    for (int64_t k = 0; k < n; ++k) {
      const auto bits = std::bit_cast<std::uint32_t>(y[k]);
      const auto rounded = static_cast<std::uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
      out[k].x = std::isnan(y[k]) ? std::uint16_t{0x7fc0} : rounded;
    }
  } else {
    for (int64_t k = 0; k < n; ++k) out[k] = static_cast<T>(y[k]);
  }
}

// The output head (ScopedExactArgmax on a weight made for_output_head): every row with
// int8 x, then the rows that could hold each x row's maximum again with fp32 x
// (exact_argmax.h), so argmax(y) is the fp32-x product's.
template <typename T>
void matvec_cpu_exact_argmax(GgufType type, const RowMagnitudes& magnitudes, const std::uint8_t* w, int64_t row_bytes,
                             int64_t out, int64_t in, const T* x_in, int64_t n, T* y) {
  const int64_t nb = in / 32;
  const Q8Block* xq = quantized_rows(x_in, n, in, kernels::q8_span(type));
  thread_local std::vector<float> y_int8;
  y_int8.resize(static_cast<std::size_t>(n * out));
  matvec_q8_blocks(row_dot_q8(type, active_isa()), rows_dot_q8(type, active_isa()), w, row_bytes, out, in, xq, n,
                   y_int8.data());
  std::vector<float> x_copy;
  const float* x = as_fp32(x_in, n * in, x_copy);
  const auto xsum = sums_of_32(x, n, in);
  const RowDot exact = row_dot(type, active_isa());
  for (int64_t i = 0; i < n; ++i) {
    const float* yi = y_int8.data() + i * out;
    store_as(yi, out, y + i * out);
    const auto rows = argmax_candidates(magnitudes, xq + i * nb, yi);
    const auto count = static_cast<int64_t>(rows.size());
    at::parallel_for(0, count, 64, [&](int64_t begin, int64_t end) {
      for (int64_t k = begin; k < end; ++k) {
        const int64_t r = rows[static_cast<std::size_t>(k)];
        y[i * out + r] = static_cast<T>(exact(w + r * row_bytes, x + i * in, xsum.data() + i * nb, in));
      }
    });
  }
}

// The same with x kept in fp32 (force_fp32_activations, the output head): Σx per 32
// for the offsets; groups of x rows through the several-rows kernel where the type
// has one (q8_0), so a continuous batch's head widens each block once per group.
template <typename T>
void matvec_cpu_fp32(RowDot dot, RowsDot dots, const std::uint8_t* w, int64_t row_bytes, int64_t out, int64_t in,
                     const T* x_in, int64_t n, T* y) {
  std::vector<float> x_copy;
  const float* x = as_fp32(x_in, n * in, x_copy);
  if (dots != nullptr && n > 1) {
    at::parallel_for(0, out, std::max<int64_t>(1, 32768 / in), [&](int64_t begin, int64_t end) {
      float dot_rows[kMaxRows];
      for (int64_t r = begin; r < end; ++r) {
        for (int64_t i0 = 0; i0 < n; i0 += kMaxRows) {
          const int rows = static_cast<int>(std::min<int64_t>(kMaxRows, n - i0));
          dots(w + r * row_bytes, x + i0 * in, in, rows, in, dot_rows);
          for (int i = 0; i < rows; ++i) y[(i0 + i) * out + r] = static_cast<T>(dot_rows[i]);
        }
      }
    });
    return;
  }
  const auto xsum = sums_of_32(x, n, in);
  for_each_output(out, in, n, y, [&](int64_t r, int64_t i) {
    return dot(w + r * row_bytes, x + i * in, xsum.data() + i * (in / 32), in);
  });
}

template <typename T>
void matvec_cpu(GgufType type, const RowMagnitudes* head, const std::uint8_t* w, int64_t row_bytes, int64_t out,
                int64_t in, const T* x, int64_t n, T* y) {
  if (fp32_activations_forced() || (exact_argmax_scoped() && head == nullptr)) {
    matvec_cpu_fp32(row_dot(type, active_isa()), rows_dot(type, active_isa()), w, row_bytes, out, in, x, n, y);
  } else if (exact_argmax_scoped()) {
    matvec_cpu_exact_argmax(type, *head, w, row_bytes, out, in, x, n, y);
  } else {
    matvec_cpu_q8(type, w, row_bytes, out, in, x, n, y);
  }
}
}  // namespace

namespace {
// One weight's share of a group product (matmul_group).
struct GroupPart {
  const std::uint8_t* w;
  int64_t row_bytes, out;
  RowDotQ8 dot_one;
  RowsDotQ8 dots;
  int span;  // x's q8_span for this weight's type
  void* y;   // [N, out] in x's dtype
};

// matvec_cpu_q8 over the concatenated output rows of several weights: x quantized
// once per span the weights need, one fork/join instead of one per weight; each
// row's dot is the same call.
template <typename T>
void matvec_group_q8(const std::vector<GroupPart>& parts, int64_t in, const T* x_in, int64_t n) {
  const int64_t nb = in / 32;
  const Q8Block* xq_by_span[2] = {nullptr, nullptr};  // span 32, span 256
  for (const auto& p : parts) {
    auto& xq = xq_by_span[p.span == 32 ? 0 : 1];
    if (xq == nullptr) xq = quantized_rows(x_in, n, in, p.span);
  }
  std::vector<int64_t> first{0};  // parts' first row in the concatenation
  for (const auto& p : parts) first.push_back(first.back() + p.out);
  at::parallel_for(0, first.back(), std::max<int64_t>(1, 32768 / in), [&](int64_t begin, int64_t end) {
    float dot[kMaxQ8Rows];
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const auto& p = parts[k];
      const Q8Block* xq_data = xq_by_span[p.span == 32 ? 0 : 1];
      const int64_t r0 = std::max(begin, first[k]) - first[k], r1 = std::min(end, first[k + 1]) - first[k];
      T* y = static_cast<T*>(p.y);
      for (int64_t i0 = 0; i0 < n; i0 += kMaxQ8Rows) {
        const int rows = static_cast<int>(std::min<int64_t>(kMaxQ8Rows, n - i0));
        for (int64_t r = r0; r < r1; ++r) {
          if (rows == 1) {
            y[i0 * p.out + r] = static_cast<T>(p.dot_one(p.w + r * p.row_bytes, xq_data + i0 * nb, in));
            continue;
          }
          p.dots(p.w + r * p.row_bytes, xq_data + i0 * nb, nb, rows, in, dot);
          for (int i = 0; i < rows; ++i) y[(i0 + i) * p.out + r] = static_cast<T>(dot[i]);
        }
      }
    }
  });
}
}  // namespace

std::vector<at::Tensor> QuantizedWeight::matmul_group(const std::vector<const QuantizedWeight*>& weights,
                                                      const at::Tensor& x) {
  if (weights.empty() || !x.device().is_cpu() || fp32_activations_forced() || exact_argmax_scoped()) return {};
  const auto dtype = x.scalar_type();
  if (dtype != torch::kFloat32 && dtype != torch::kBFloat16) return {};
  const int64_t in = weights[0]->in_features();
  if (x.dim() == 0 || x.size(-1) != in) return {};
  const int64_t forced = g_forced_matvec_rows.load(std::memory_order_relaxed);
  const int64_t n = x.numel() / in;
  if (n == 0 || n > (forced >= 0 ? forced : kMaxMatvecRows)) return {};
  for (const auto* w : weights) {
    if (w->in_features() != in || !w->blocks().device().is_cpu()) return {};
  }
  torch::NoGradGuard no_grad;
  auto rows = x.reshape({n, in}).contiguous();  // [N, in]
  std::vector<at::Tensor> outs;
  std::vector<GroupPart> parts;
  for (const auto* w : weights) {
    auto shape = x.sizes().vec();
    shape.back() = w->out_features();
    outs.push_back(torch::empty(shape, x.options()));  // [..., out_i]
    parts.push_back({w->blocks().data_ptr<std::uint8_t>(), w->blocks().size(1), w->out_features(),
                     row_dot_q8(w->type(), active_isa()), rows_dot_q8(w->type(), active_isa()),
                     kernels::q8_span(w->type()), outs.back().data_ptr()});
  }
  if (dtype == torch::kFloat32) {
    matvec_group_q8(parts, in, rows.data_ptr<float>(), n);
  } else {
    matvec_group_q8(parts, in, rows.data_ptr<c10::BFloat16>(), n);
  }
  return outs;
}

at::Tensor QuantizedWeight::matvec(const at::Tensor& rows) const {
  if (blocks_.is_cuda()) {
    return cuda::matvec(blocks_, static_cast<std::uint32_t>(type_), in_, rows).to(rows.scalar_type());  // [N, out]
  }
  const int64_t n = rows.size(0);
  auto y = torch::empty({n, out_}, rows.options());  // [N, out]
  const auto* w = blocks_.data_ptr<std::uint8_t>();
  const int64_t row_bytes = blocks_.size(1);
  switch (rows.scalar_type()) {
    case torch::kFloat32:
      matvec_cpu(type_, magnitudes_.get(), w, row_bytes, out_, in_, rows.data_ptr<float>(), n, y.data_ptr<float>());
      break;
    case torch::kBFloat16:
      matvec_cpu(type_, magnitudes_.get(), w, row_bytes, out_, in_, rows.data_ptr<c10::BFloat16>(), n, y.data_ptr<c10::BFloat16>());
      break;
    case torch::kHalf:
      matvec_cpu(type_, magnitudes_.get(), w, row_bytes, out_, in_, rows.data_ptr<c10::Half>(), n, y.data_ptr<c10::Half>());
      break;
    default:
      return matvec(rows.to(torch::kFloat32)).to(rows.scalar_type());
  }
  return y;
}

at::Tensor QuantizedWeight::matmul(const at::Tensor& x) const {
  LORAG_CHECK(x.device() == blocks_.device(), Error, "quantized weight: input on ", x.device().str(),
              ", but the blocks are on ", blocks_.device().str());
  LORAG_CHECK(x.size(-1) == in_, ShapeError, "quantized weight: input has ", x.size(-1), " features, expected ", in_);
  torch::NoGradGuard no_grad;
  auto out_shape = x.sizes().vec();
  out_shape.back() = out_;
  auto rows = x.reshape({-1, in_});  // [N, in]
  const int64_t n = rows.size(0);
  const int64_t forced = g_forced_matvec_rows.load(std::memory_order_relaxed);
  if (n <= (blocks_.is_cuda() ? kMaxMatvecRowsCuda : forced >= 0 ? forced : kMaxMatvecRows)) {
    return matvec(rows.contiguous()).view(out_shape);  // [..., out]
  }
  if (!blocks_.is_cuda()) return matmul_tiles_cpu(type_, blocks_, out_, in_, rows).view(out_shape);  // [..., out]
  auto y = torch::empty({n, out_}, x.options());  // [N, out]
  for (int64_t r0 = 0; r0 < out_; r0 += tile_rows()) {
    const int64_t r1 = std::min(out_, r0 + tile_rows());
    auto tile = dequantize(x.scalar_type(), r0, r1);            // [rows, in]
    y.narrow(1, r0, r1 - r0).copy_(torch::mm(rows, tile.t()));  // [N, rows]
  }
  return y.view(out_shape);  // [..., out]
}

at::Tensor QuantizedWeight::matmul_transposed(const at::Tensor& grad_out) const {
  torch::NoGradGuard no_grad;
  auto in_shape = grad_out.sizes().vec();
  in_shape.back() = in_;
  auto g = grad_out.reshape({-1, out_});  // [N, out]
  auto dx = torch::zeros({g.size(0), in_}, g.options().dtype(torch::kFloat32));  // [N, in]
  for (int64_t r0 = 0; r0 < out_; r0 += tile_rows()) {
    const int64_t r1 = std::min(out_, r0 + tile_rows());
    auto tile = dequantize(g.scalar_type(), r0, r1);              // [rows, in]
    dx.add_(torch::mm(g.narrow(1, r0, r1 - r0), tile));            // [N, rows]·[rows, in]
  }
  return dx.to(grad_out.scalar_type()).view(in_shape);  // [..., in]
}

at::Tensor quantized_linear(const at::Tensor& x, const std::shared_ptr<const QuantizedWeight>& weight,
                            const at::Tensor& bias) {
  at::Tensor out;
  if (torch::GradMode::is_enabled() && x.requires_grad()) {
    out = QuantizedLinearFn::apply(x, weight->blocks(), static_cast<int64_t>(weight->type()),
                                   weight->out_features(), weight->in_features());
  } else {
    out = weight->matmul(x);  // [..., out]
  }
  return bias.defined() ? out + bias : out;
}

}  // namespace lorag::model::quant
