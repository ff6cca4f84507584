// SPDX-License-Identifier: Apache-2.0
// A frozen linear weight kept in its GGUF block format (model/quant): the base
// weight of a LoraLinear when a quantized GGUF is loaded with `--quantized keep`,
// so no dense copy of it exists.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "model/formats/gguf_type.h"

namespace lorag::model::quant {

class RowMagnitudes;  // exact_argmax.h

class QuantizedWeight {
 public:
  // Wraps `blocks`, a CPU or CUDA uint8 tensor [out, row_bytes] holding each output row as
  // in_features / block_size blocks of `type` (ggml layout). It may alias a
  // memory-mapped file (the tensor's deleter keeps the mapping alive). Throws
  // FormatError when `type` is not kept quantized (can_keep_quantized) or
  // ShapeError when the sizes do not fit the block layout.
  QuantizedWeight(formats::GgufType type, int64_t out_features, int64_t in_features, at::Tensor blocks);

  formats::GgufType type() const { return type_; }
  int64_t out_features() const { return out_; }
  int64_t in_features() const { return in_; }
  const at::Tensor& blocks() const { return blocks_; }  // uint8 [out, row_bytes]
  int64_t nbytes() const { return blocks_.numel(); }
  // The same weight with its blocks on `device` (CUDA: the kernels of quant_cuda.h
  // run it; throws UsageError when this build has none).
  QuantizedWeight to(const c10::Device& device) const;
  // The same weight made for an output head (CPU): Σ|w| of every row per 256 columns
  // (exact_argmax.h, 4 bytes per 256 weights, computed here once), so that its
  // products under a kernels::ScopedExactArgmax run every row with int8 x and only
  // the rows that could hold a maximum with fp32 x. Others run all rows in fp32 x there.
  QuantizedWeight for_output_head() const;

  // Rows [row0, row1) as a dense [row1 - row0, in] tensor in `dtype` (exact in fp32:
  // ggml's dequantization, model/formats). Parallel over rows.
  at::Tensor dequantize(c10::ScalarType dtype, int64_t row0, int64_t row1) const;
  at::Tensor dequantize(c10::ScalarType dtype) const { return dequantize(dtype, 0, out_); }

  // Embedding lookup: ids (int64, any shape [...]) → rows [..., in] in `dtype`, each
  // dequantized exactly. Throws ShapeError naming the id when one is out of range.
  at::Tensor embedding(const at::Tensor& ids, c10::ScalarType dtype) const;

  // x [..., in] (fp32/bf16/fp16, on the blocks' device) → x·Wᵀ [..., out] in x's dtype,
  // no autograd. Up to kMaxMatvecRows rows (kMaxMatvecRowsCuda on CUDA): the row kernels (CPU: kernels/quant_dot.h,
  // parallel over output rows, each weight row against 8 x rows per call; CUDA: quant_cuda.h, a warp per output row), fp32
  // accumulation. More rows (prefill, batches): W is
  // dequantized tile by tile into x's dtype and multiplied with LibTorch's matmul:
  // on CPU each thread its own tile of at most 1 MiB (quantized_tiles.h), on CUDA one
  // tile (about 4 MiB of fp32) at a time.
  at::Tensor matmul(const at::Tensor& x) const;
  // x [..., in] against several CPU weights of one in_features as one parallel region,
  // x quantized to int8 once per scale span its weights need (kernels::q8_span: 32 values
  // for the legacy types, 256 for the K-quants); for an attention's q/k/v or an MLP's
  // gate/up at decode. One
  // [..., out_i] per weight in x's dtype, bit-equal to weights[i]->matmul(x). Returns an
  // empty vector where matmul would not take the int8 row kernels or the weights
  // differ in in_features or device (CUDA, more than kMaxMatvecRows rows, x kept in
  // fp32, dtype other than fp32/bf16): the caller then runs each matmul.
  static std::vector<at::Tensor> matmul_group(const std::vector<const QuantizedWeight*>& weights,
                                              const at::Tensor& x);
  // grad_out [..., out] → grad_out·W [..., in] by 4 MiB tiles (backward of matmul).
  at::Tensor matmul_transposed(const at::Tensor& grad_out) const;

  // CPU: the int8 row dots beat dequantizing every tile up to 16 rows (a continuous
  // batch of 16 streams: 100 against 56 tok/s, bench/RESULTS.md); with the several-rows
  // kernels (groups of 8) they still lose from 32 rows on, to bf16 tiles
  // (bench/bench_quant_matmul.cpp, RESULTS "fourth stop"). CUDA keeps 4, as measured on the H200.
  static constexpr int64_t kMaxMatvecRows = 16;
  static constexpr int64_t kMaxMatvecRowsCuda = 4;
  // Benchmark hook: CPU products of up to `rows` rows take the row kernels instead of
  // kMaxMatvecRows (nullopt: back to it). Not meant to be called while products run.
  static void force_max_matvec_rows(std::optional<int64_t> rows);

 private:
  at::Tensor matvec(const at::Tensor& rows) const;  // [N, in] contiguous → [N, out], same dtype
  int64_t tile_rows() const;

  formats::GgufType type_;
  int64_t out_, in_;
  at::Tensor blocks_;
  std::shared_ptr<const RowMagnitudes> magnitudes_;  // set by for_output_head, on CPU
};

// x·Wᵀ (+ bias) for a LoraLinear's quantized base. With grad mode on and x requiring
// grad it is an autograd function whose backward gives x's gradient through the
// dequantized tiles (the base itself never gets one: it is frozen, QLoRA).
at::Tensor quantized_linear(const at::Tensor& x, const std::shared_ptr<const QuantizedWeight>& weight,
                            const at::Tensor& bias);

}  // namespace lorag::model::quant
