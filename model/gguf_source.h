// SPDX-License-Identifier: Apache-2.0
// A TensorSource over a GGUF file (model/): Hugging Face names, CPU tensors,
// llama.cpp's converter-side reshuffles undone.
#pragma once

#include <memory>

#include "model/config.h"
#include "model/formats/gguf_file.h"
#include "model/tensor_source.h"

namespace lorag::model {

// The tensors of `file` under their Hugging Face names (model/gguf_names.h).
// `read` returns F32/F16/BF16 tensors in their stored dtype (aliasing the mapping
// where nothing is changed) and every quantized type dequantized to fp32, shaped
// `torch_shape()`. It undoes what convert_hf_to_gguf.py did to the values:
//   - llama: `LlamaModel.permute` interleaved the rotary halves of each head's
//     rows in attn_q/attn_k (weight and bias); they are put back in HF order
//     (as transformers' `LlamaTensorProcessor` does). qwen2 is not permuted.
//   - gemma3: norm weights were stored as 1 + w; w is returned.
// `config` gives the head counts. `rope_freqs.weight` (llama3 scaling, read into
// the config) is not listed. Construction throws FormatError naming the file and
// tensor when a tensor has no Hugging Face name or its type cannot be dequantized.
// Thread-safe for concurrent reads; keeps `file` alive.
// Inverse of convert_hf_to_gguf.py's `LlamaModel.permute` on the rows of `rows`
// ([out, ...], any dtype: values, or a quantized tensor's block rows): each head's
// rows go from [h, d, half] back to HF's [h, half, d]. Returns a contiguous copy.
at::Tensor unpermute_llama_rows(const at::Tensor& rows, int64_t n_head);

std::unique_ptr<TensorSource> open_gguf_checkpoint(std::shared_ptr<const formats::GgufFile> file,
                                                   const ModelConfig& config);

}  // namespace lorag::model
