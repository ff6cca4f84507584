# SPDX-License-Identifier: Apache-2.0
"""`lorag tokenize` against Hugging Face `tokenizers` (and transformers' GGUF
tokenizer): ids without bos/eos by default, --parse-special, --add-special,
--count, --file; on a folder holding only tokenizer.json, on vocab-only GGUF
files, and on a GGUF model."""
import json
import os
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import FIXTURES, lorag  # noqa: E402

from tokenizers import Tokenizer  # noqa: E402

FAMILIES = ["llama-bpe", "qwen2", "deepseek-coder", "gpt-2", "tekken"]
TEXTS = ["Hello world!  Numbers 12345 and\ttabs\n\nnewlines",
         "<|im_start|>user\nCafé 한국어 中文 😀<|im_end|>",
         "def f(x):\n    return x ** 2  # ok"]


def ids_of(stdout):
    return json.loads(stdout)


def hf_ids(tokenizer_json, text, parse_special):
    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.encode_special_tokens = not parse_special
    return tok.encode(text, add_special_tokens=False).ids


class Tokenize(unittest.TestCase):
    def test_folder_with_only_tokenizer_json_matches_hf_tokenizers(self):
        for family in FAMILIES:
            src = FIXTURES / "pre_tokenizers" / family / "tokenizer.json"
            with tempfile.TemporaryDirectory() as tmp:
                shutil.copy(src, Path(tmp) / "tokenizer.json")
                for text in TEXTS:
                    for parse in (False, True):
                        with self.subTest(family=family, text=text, parse_special=parse):
                            args = ["tokenize", "--model", tmp, "--text", text] + (["--parse-special"] if parse else [])
                            rc, out, err = lorag(*args)
                            self.assertEqual(rc, 0, err)
                            self.assertEqual(ids_of(out), hf_ids(src, text, parse))

    def test_vocab_only_gguf_gives_the_same_ids_as_its_tokenizer_json(self):
        for family in FAMILIES:
            folder = FIXTURES / "pre_tokenizers" / family
            for text in TEXTS:
                with self.subTest(family=family, text=text):
                    rc, out, err = lorag("tokenize", "--model", folder / f"vocab.{family}.gguf", "--text", text,
                                         "--parse-special")
                    self.assertEqual(rc, 0, err)
                    self.assertEqual(ids_of(out), hf_ids(folder / "tokenizer.json", text, True))

    def test_count_and_file_input(self):
        folder = FIXTURES / "pre_tokenizers" / "qwen2"
        text = TEXTS[0] * 20
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "doc.txt"
            path.write_bytes(text.encode("utf-8"))
            rc, out, err = lorag("tokenize", "--model", folder / "vocab.qwen2.gguf", "--file", path, "--count")
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, f"{len(hf_ids(folder / 'tokenizer.json', text, False))}\n")

    def test_add_special_follows_the_gguf_metadata_as_transformers(self):
        folder = FIXTURES / "gguf_sp_models" / "llama_sp"
        for case in json.loads((folder / "tokenizer_reference.json").read_text(encoding="utf-8"))["cases"]:
            with self.subTest(text=case["text"]):
                rc, out, err = lorag("tokenize", "--model", folder / "model.gguf", "--text", case["text"],
                                     "--add-special")
                self.assertEqual(rc, 0, err)
                self.assertEqual(ids_of(out), case["transformers_gguf"])
                rc, out, err = lorag("tokenize", "--model", folder / "model.gguf", "--text", case["text"])
                self.assertEqual(rc, 0, err)
                self.assertEqual(ids_of(out), case["sentencepiece"])

    def test_pieces_show_each_token(self):
        folder = FIXTURES / "pre_tokenizers" / "gpt-2"
        rc, out, err = lorag("tokenize", "--model", folder / "vocab.gpt-2.gguf", "--text", "Hello world", "--pieces")
        self.assertEqual(rc, 0, err)
        ids = hf_ids(folder / "tokenizer.json", "Hello world", False)
        lines = out.splitlines()
        self.assertEqual([int(line.split(" -> ")[0]) for line in lines], ids)
        self.assertEqual("".join(line.split(" -> ", 1)[1][1:-1] for line in lines), "Hello world")

    def test_bad_input_is_a_clear_error(self):
        gguf = FIXTURES / "pre_tokenizers" / "gpt-2" / "vocab.gpt-2.gguf"
        rc, _, err = lorag("tokenize", "--model", gguf)
        self.assertEqual(rc, 2)
        self.assertIn("give exactly one of --text and --file", err)
        rc, _, err = lorag("tokenize", "--model", FIXTURES / "pre_tokenizers" / "unknown_pre.gguf", "--text", "x")
        self.assertEqual(rc, 1)
        self.assertIn("tokenizer.ggml.pre 'no-such-pre' is not a pre-tokenizer lorag knows", err)


if __name__ == "__main__":
    unittest.main()
