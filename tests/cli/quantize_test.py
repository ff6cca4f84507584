# SPDX-License-Identifier: Apache-2.0
"""`lorag quantize`: the GGUF it writes holds, for every matrix, exactly the bytes
gguf-py's quantizer makes from the source's values (ggml's reference quantizers),
copies everything else, and loads in transformers with logits near the source's."""
import os
import sys
import tempfile
import unittest
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import FIXTURES, lorag  # noqa: E402

import gguf  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

SOURCE = FIXTURES / "gguf_models" / "qwen2"  # F16 matrices, F32 norms and biases
TYPES = {"q8_0": gguf.GGMLQuantizationType.Q8_0, "q4_0": gguf.GGMLQuantizationType.Q4_0,
         "q4_1": gguf.GGMLQuantizationType.Q4_1, "q5_0": gguf.GGMLQuantizationType.Q5_0,
         "q5_1": gguf.GGMLQuantizationType.Q5_1}
# Logit drift allowed relative to the largest |logit| for q8_0: each weight moves by
# up to half a step of amax/127; the fixture's peaky random model amplifies that to
# 5.5% of the logit range (lorag reading the same file gives the same figure:
# tests/model/quant/gguf_requantize_test.cpp), while a wrong layout scrambles them.
Q8_REL_TOLERANCE = 0.1


class Quantize(unittest.TestCase):
    def test_matrices_are_gguf_py_quantizations_and_the_rest_is_copied(self):
        src = gguf.GGUFReader(SOURCE / "model.gguf")
        for name, qtype in TYPES.items():
            with self.subTest(type=name), tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "model.gguf"
                rc, stdout, err = lorag("quantize", "--model", SOURCE / "model.gguf", "--out", out, "--type", name)
                self.assertEqual(rc, 0, err)
                self.assertEqual(stdout.strip(), str(out))
                got = {t.name: t for t in gguf.GGUFReader(out).tensors}
                self.assertEqual(set(got), {t.name for t in src.tensors})
                n_quantized = 0
                for t in src.tensors:
                    g = got[t.name]
                    # gguf-py's shape is ggml order: shape[0] is the row length, which must
                    # fill 32-value blocks (ffn_down's 112 does not: copied, as llama.cpp falls back).
                    if t.name.endswith(".weight") and len(t.shape) == 2 and t.shape[0] % 32 == 0:
                        values = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
                        want = gguf.quants.quantize(values, qtype)
                        self.assertEqual(g.tensor_type, qtype, t.name)
                        self.assertTrue(np.array_equal(np.asarray(g.data).reshape(-1).view(np.uint8),
                                                       want.reshape(-1).view(np.uint8)), t.name)
                        n_quantized += 1
                    else:
                        self.assertEqual(g.tensor_type, t.tensor_type, t.name)
                        self.assertTrue(np.array_equal(np.asarray(g.data), np.asarray(t.data)), t.name)
                self.assertGreater(n_quantized, 0)
                ftype = gguf.GGUFReader(out).fields["general.file_type"]
                self.assertEqual(int(ftype.parts[ftype.data[0]][0]),
                                 {"q8_0": 7, "q4_0": 2, "q4_1": 3, "q5_0": 8, "q5_1": 9}[name])

    def test_transformers_loads_the_output_with_logits_near_the_source(self):
        ref = load_file(str(SOURCE / "reference.safetensors"))
        with tempfile.TemporaryDirectory() as tmp:
            rc, _, err = lorag("quantize", "--model", SOURCE / "model.gguf", "--out", Path(tmp) / "model.gguf",
                               "--type", "q8_0")
            self.assertEqual(rc, 0, err)
            model = AutoModelForCausalLM.from_pretrained(tmp, gguf_file="model.gguf", dtype=torch.float32).eval()
            with torch.no_grad():
                logits = model(input_ids=ref["input_ids"]).logits
            rel = ((logits - ref["logits"]).abs().max() / ref["logits"].abs().max()).item()
            self.assertLess(rel, Q8_REL_TOLERANCE)
            self.assertGreater(rel, 0.0)

    def test_k_quants_read_back_in_gguf_py_near_the_source_with_llama_cpp_fallbacks(self):
        rng = np.random.default_rng(0)
        # ggml order: shape[0] is the row length. 512 fills 256-value blocks; 96 fills
        # only 32-value ones (llama.cpp's fallback type); 40 fills neither (copied).
        source = {"blk.0.ffn_down.weight": rng.standard_normal((8, 512)).astype(np.float32),
                  "blk.0.attn_q.weight": rng.standard_normal((4, 96)).astype(np.float32),
                  "blk.0.odd.weight": rng.standard_normal((4, 40)).astype(np.float32),
                  "blk.0.attn_norm.weight": rng.standard_normal(96).astype(np.float32)}
        # Root-mean-square error over the standard-normal values: half a quantization
        # step, uniformly spread, is step/sqrt(12); q4_K has 15 steps over a 32-value
        # sub-block's range (~4.5 sigma here), q5_K 31, q6_K 63 over twice the max
        # (measured 0.070, 0.035, 0.017); a wrong nibble or scale layout gives ~1.
        cases = {"q4_k": (gguf.GGMLQuantizationType.Q4_K, gguf.GGMLQuantizationType.Q5_0, 14, 0.09),
                 "q5_k": (gguf.GGMLQuantizationType.Q5_K, gguf.GGMLQuantizationType.Q5_1, 16, 0.045),
                 "q6_k": (gguf.GGMLQuantizationType.Q6_K, gguf.GGMLQuantizationType.Q8_0, 18, 0.025)}
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "src.gguf"
            writer = gguf.GGUFWriter(src, "llama")
            for name, values in source.items():
                writer.add_tensor(name, values)
            writer.write_header_to_file()
            writer.write_kv_data_to_file()
            writer.write_tensors_to_file()
            writer.close()
            for name, (qtype, fallback, ftype_id, rmse_bound) in cases.items():
                with self.subTest(type=name):
                    out = Path(tmp) / f"{name}.gguf"
                    rc, _, err = lorag("quantize", "--model", src, "--out", out, "--type", name)
                    self.assertEqual(rc, 0, err)
                    self.assertIn("(1 more as its fallback type)", err)
                    reader = gguf.GGUFReader(out)
                    got = {t.name: t for t in reader.tensors}
                    self.assertEqual(got["blk.0.ffn_down.weight"].tensor_type, qtype)
                    self.assertEqual(got["blk.0.attn_q.weight"].tensor_type, fallback)
                    self.assertEqual(got["blk.0.odd.weight"].tensor_type, gguf.GGMLQuantizationType.F32)
                    self.assertTrue(np.array_equal(np.asarray(got["blk.0.attn_norm.weight"].data),
                                                   source["blk.0.attn_norm.weight"]))
                    k = got["blk.0.ffn_down.weight"]
                    values = gguf.quants.dequantize(k.data, k.tensor_type).reshape(8, 512)
                    rmse = float(np.sqrt(np.mean((values - source["blk.0.ffn_down.weight"]) ** 2)))
                    self.assertLess(rmse, rmse_bound)
                    self.assertGreater(rmse, 0.0)
                    ftype = reader.fields["general.file_type"]
                    self.assertEqual(int(ftype.parts[ftype.data[0]][0]), ftype_id)

    def test_bad_type_and_folder_input_are_usage_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, _, err = lorag("quantize", "--model", SOURCE / "model.gguf", "--out", Path(tmp) / "x.gguf",
                               "--type", "q3_x")
            self.assertEqual(rc, 2)
            self.assertIn("--type 'q3_x' is not a ggml type", err)
            rc, _, err = lorag("quantize", "--model", SOURCE / "model.gguf", "--out", Path(tmp) / "x.gguf",
                               "--type", "q2_k")
            self.assertEqual(rc, 2)
            self.assertIn("--type q2_k: lorag cannot write it", err)
            rc, _, err = lorag("quantize", "--model", SOURCE / "hf", "--out", Path(tmp) / "x.gguf")
            self.assertEqual(rc, 2)
            self.assertIn("lorag quantize reads GGUF files only", err)


if __name__ == "__main__":
    unittest.main()
