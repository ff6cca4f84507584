# SPDX-License-Identifier: Apache-2.0
"""`lorag serve` on the real engine, driven by the official `openai` package:
greedy answers through the server equal `lorag generate`'s for the base model and
each adapter (chat and raw completions, streamed and not), concurrent requests on
different adapters each get their own adapter's answer, grounded answers carry
`lorag ask`'s sources and answer, embeddings equal sentence-transformers', a
bounded load of streaming clients leaves no slot busy, and SIGTERM exits 0."""
import concurrent.futures
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

import openai
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import BIN, FIXTURES, lorag, pin_fp32  # noqa: E402

ROOT = Path(os.environ.get("LORAG_SOURCE_DIR", Path(__file__).resolve().parents[2]))
EMBEDDER = Path(os.environ.get("LORAG_EMBEDDER", ROOT / "models" / "all-MiniLM-L6-v2"))
ADAPTERS = FIXTURES / "cli_adapters"
CHAT = ADAPTERS / "chat_bpe"
RAG = FIXTURES / "rag_answer"
KEY = "sk-serve-test-0123"
PROMPTS = ["Hello there", "What is the capital of France?", "Count to five"]
MAX_TOKENS = 16
# sentence-transformers and lorag's encoder both run fp32 on the CPU: the same
# vectors up to summation order (as tests/cli/index_test.py's score tolerance).
EMBEDDING_TOLERANCE = 1e-4
SCORE_TOLERANCE = 1e-4


class Server:
    """`lorag serve ... --port 0` as a process; the port comes from its stdout."""

    def __init__(self, *flags, key="none"):
        self.key = key
        self.stderr = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen([BIN, *pin_fp32(["serve", "--port", "0", "--device", "cpu", *map(str, flags)])],
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("port "):
            self.proc.wait(timeout=30)
            self.proc.stdout.close()
            log = self.log()
            self.stderr.close()
            raise AssertionError(f"lorag serve did not start: {line!r} {log[-3000:]}")
        self.base = f"http://127.0.0.1:{int(line.split()[1])}"
        self.client = openai.OpenAI(base_url=self.base + "/v1", api_key=key, max_retries=0, timeout=120)

    def get(self, path):
        req = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {self.key}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode()

    def metrics(self):
        return {s.name + json.dumps(s.labels, sort_keys=True) if s.labels else s.name: s.value
                for f in text_string_to_metric_families(self.get("/metrics")) for s in f.samples}

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=120)
        self.proc.stdout.close()
        log = self.log()
        self.stderr.close()
        return code, log


def generate_batch(model, rows, *flags):
    """`lorag generate --input` greedy texts, by row, as the reference."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        inp.write_text("".join(json.dumps(r) + "\n" for r in rows))
        rc, _, err = lorag("generate", "--model", model, "--input", inp, "--output", outp, "--device", "cpu",
                           "--max-new-tokens", MAX_TOKENS, "--temperature", 0, *flags)
        assert rc == 0, err
        return [json.loads(line) for line in outp.read_text().splitlines()]


def chat(client, model, prompt, **kw):
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}],
                                          max_tokens=MAX_TOKENS, temperature=0, **kw)


def streamed_text(stream):
    text, finish, usage = "", None, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for c in chunk.choices:
            text += (c.delta.content if hasattr(c, "delta") else c.text) or ""
            finish = c.finish_reason or finish
    return text, finish, usage


class ServeAdapters(unittest.TestCase):
    """The tiny chat model with the two PEFT adapters of fixtures/cli_adapters."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--model", CHAT, "--model-name", "tiny", "--adapter", f"a={ADAPTERS / 'a'}",
                            "--adapter", f"b={ADAPTERS / 'b'}", "--parallel", 4, "--ctx-size", 256, "--no-embedder",
                            "--api-key", KEY, key=KEY)
        cls.client = cls.server.client
        rows = [{"id": f"{m}/{p}", "prompt": p, "adapter": m} for m in ["base", "a", "b"] for p in PROMPTS]
        out = generate_batch(CHAT, rows, "--adapter", f"a={ADAPTERS / 'a'}", "--adapter", f"b={ADAPTERS / 'b'}")
        cls.expected = {r["id"]: r for r in out}
        rows = [{"id": p, "prompt": p} for p in PROMPTS]
        cls.expected_raw = {r["id"]: r for r in generate_batch(CHAT, rows, "--chat-template", "none")}

    @classmethod
    def tearDownClass(cls):
        code, log = cls.server.stop()
        assert code == 0, log[-3000:]

    def expect(self, model, prompt):
        return self.expected[f"{'base' if model == 'tiny' else model}/{prompt}"]

    def test_lists_the_base_model_and_each_adapter(self):
        models = {m.id: m for m in self.client.models.list().data}
        self.assertEqual(set(models), {"tiny", "a", "b"})
        self.assertEqual(models["a"].model_extra.get("parent"), "tiny")

    def test_greedy_chat_equals_lorag_generate_for_base_and_each_adapter(self):
        texts = {}
        for model in ["tiny", "a", "b"]:
            for prompt in PROMPTS:
                with self.subTest(model=model, prompt=prompt):
                    r = chat(self.client, model, prompt)
                    want = self.expect(model, prompt)
                    self.assertEqual(r.choices[0].message.content, want["text"])
                    self.assertEqual(r.usage.prompt_tokens, want["prompt_tokens"])
                    self.assertEqual(r.usage.completion_tokens, want["completion_tokens"])
                    self.assertEqual(r.choices[0].finish_reason, "length" if want["finish_reason"] == "length"
                                     else "stop")
                    texts[model, prompt] = r.choices[0].message.content
        # The adapters change the answers, so the comparison above tells them apart.
        self.assertNotEqual([texts["a", p] for p in PROMPTS], [texts["tiny", p] for p in PROMPTS])
        self.assertNotEqual([texts["a", p] for p in PROMPTS], [texts["b", p] for p in PROMPTS])

    def test_streamed_chat_equals_the_whole_answer_with_usage(self):
        for model in ["tiny", "b"]:
            want = self.expect(model, PROMPTS[1])
            text, finish, usage = streamed_text(chat(self.client, model, PROMPTS[1], stream=True,
                                                     stream_options={"include_usage": True}))
            self.assertEqual(text, want["text"])
            self.assertIn(finish, ["stop", "length"])
            self.assertEqual((usage.prompt_tokens, usage.completion_tokens),
                             (want["prompt_tokens"], want["completion_tokens"]))

    def test_completions_equal_lorag_generate_without_the_template(self):
        for prompt in PROMPTS:
            want = self.expected_raw[prompt]
            r = self.client.completions.create(model="tiny", prompt=prompt, max_tokens=MAX_TOKENS, temperature=0)
            self.assertEqual(r.choices[0].text, want["text"])
            self.assertEqual(r.usage.prompt_tokens, want["prompt_tokens"])
            text, _, _ = streamed_text(self.client.completions.create(model="tiny", prompt=prompt, stream=True,
                                                                      max_tokens=MAX_TOKENS, temperature=0))
            self.assertEqual(text, want["text"])

    def test_n_greedy_choices_are_the_same_answer(self):
        r = chat(self.client, "a", PROMPTS[0], n=3)
        self.assertEqual(sorted(c.index for c in r.choices), [0, 1, 2])
        self.assertEqual({c.message.content for c in r.choices}, {self.expect("a", PROMPTS[0])["text"]})
        self.assertEqual(r.usage.completion_tokens, 3 * self.expect("a", PROMPTS[0])["completion_tokens"])

    def test_seeded_sampling_repeats(self):
        kw = dict(model="tiny", messages=[{"role": "user", "content": PROMPTS[2]}], max_tokens=MAX_TOKENS,
                  temperature=1.0, seed=7)
        first = self.client.chat.completions.create(**kw).choices[0].message.content
        self.assertEqual(self.client.chat.completions.create(**kw).choices[0].message.content, first)

    def test_concurrent_requests_on_different_adapters_get_their_own_answers(self):
        jobs = [(m, p) for _ in range(3) for m in ["a", "b", "tiny"] for p in PROMPTS]
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            got = list(pool.map(lambda j: chat(self.client, *j).choices[0].message.content, jobs))
        for (model, prompt), text in zip(jobs, got):
            self.assertEqual(text, self.expect(model, prompt)["text"], (model, prompt))

    def test_context_overflow_is_a_400_with_the_numbers(self):
        with self.assertRaises(openai.BadRequestError) as e:
            chat(self.client, "tiny", "word " * 400)
        # --ctx-size 256 is capped at the fixture model's own context of 128 tokens.
        self.assertIn("maximum context length is 128 tokens", str(e.exception))
        self.assertEqual(e.exception.body["code"], "context_length_exceeded")

    def test_unknown_model_is_a_404(self):
        with self.assertRaises(openai.NotFoundError):
            chat(self.client, "nope", "hi")

    def test_key_is_required_and_never_logged(self):
        anonymous = openai.OpenAI(base_url=self.server.base + "/v1", api_key="wrong", max_retries=0)
        with self.assertRaises(openai.AuthenticationError):
            anonymous.models.list()
        self.client.models.list()
        self.assertNotIn(KEY, self.server.log())

    def test_adapter_load_and_unload_at_runtime(self):
        with self.assertRaises(openai.BadRequestError):  # the name is taken
            self.client.post("/load_lora_adapter", cast_to=str, body={"lora_name": "a", "lora_path": str(ADAPTERS / "b")})
        with self.assertRaises(openai.NotFoundError):
            self.client.post("/unload_lora_adapter", cast_to=str, body={"lora_name": "nope"})
        try:
            self.client.post("/load_lora_adapter", cast_to=str, body={"lora_name": "c", "lora_path": str(ADAPTERS / "b")})
        except openai.InternalServerError as e:
            if e.status_code == 503 and "cannot load adapters" in str(e):
                self.skipTest("this build's engine has no Engine::load_adapter (issue #12)")
            raise
        self.assertIn("c", {m.id for m in self.client.models.list().data})
        self.assertEqual(chat(self.client, "c", PROMPTS[1]).choices[0].message.content, self.expect("b", PROMPTS[1])["text"])
        self.client.post("/unload_lora_adapter", cast_to=str, body={"lora_name": "c"})
        self.assertNotIn("c", {m.id for m in self.client.models.list().data})
        with self.assertRaises(openai.NotFoundError):
            chat(self.client, "c", PROMPTS[1])

    def test_client_that_leaves_mid_stream_frees_its_slot(self):
        stream = self.client.chat.completions.create(model="a", messages=[{"role": "user", "content": PROMPTS[0]}],
                                                     max_tokens=50, temperature=0, stream=True)
        next(iter(stream))
        stream.close()
        # The server lets go of the request first, the engine of its slot a step later.
        deadline = time.time() + 60  # a bound, not a measurement
        m = self.server.metrics()
        while (m["lorag_requests_in_flight"], m["lorag_slots_busy"]) != (0, 0) and time.time() < deadline:
            time.sleep(0.1)
            m = self.server.metrics()
        self.assertEqual((m["lorag_requests_in_flight"], m["lorag_slots_busy"]), (0, 0))
        self.assertEqual(chat(self.client, "a", PROMPTS[0]).choices[0].message.content, self.expect("a", PROMPTS[0])["text"])

    def test_bounded_load_of_streaming_clients_leaves_no_slot_busy(self):
        """48 concurrent streaming clients, 192 short requests on three models: all
        succeed with their model's answer; afterwards no slot is busy or queued.
        Latencies are printed for the record, not checked."""
        jobs = [(["tiny", "a", "b"][i % 3], PROMPTS[i % len(PROMPTS)]) for i in range(192)]

        def one(job):
            start = time.perf_counter()
            text, _, _ = streamed_text(chat(self.client, *job, stream=True))
            return text == self.expect(*job)["text"], time.perf_counter() - start

        with concurrent.futures.ThreadPoolExecutor(48) as pool:
            results = list(pool.map(one, jobs))
        self.assertEqual(sum(not ok for ok, _ in results), 0)
        lat = sorted(t for _, t in results)
        print(f"serve load: {len(jobs)} requests, 48 clients: p50 {statistics.median(lat) * 1e3:.0f} ms, "
              f"p99 {lat[int(0.99 * len(lat)) - 1] * 1e3:.0f} ms", file=sys.stderr)
        m = self.server.metrics()
        self.assertEqual(m["lorag_slots_busy"], 0)
        self.assertEqual(m["lorag_queue_length"], 0)
        self.assertEqual(m["lorag_requests_in_flight"], 0)
        self.assertEqual(m["lorag_slots_total"], 4)
        self.assertGreaterEqual(m['lorag_requests_total{"status": "200"}'], len(jobs))


@unittest.skipUnless((EMBEDDER / "config.json").exists(), f"no embedder at {EMBEDDER}")
class ServeGrounded(unittest.TestCase):
    """fixtures/rag_answer's chat model and adapter with a store made by `lorag index`."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lorag_serve_")
        cls.store = Path(cls.tmp) / "store"
        rc, _, err = lorag("index", "add", "--store", cls.store, "--embedder", EMBEDDER, RAG / "docs.jsonl")
        assert rc == 0, err
        cls.reference = json.loads((RAG / "reference.json").read_text())
        cls.server = Server("--model", RAG / "chat_long", "--model-name", "long", "--adapter", f"hr={RAG / 'adapter'}",
                            "--store", f"kb={cls.store}", "--embedder", EMBEDDER, "--ctx-size", 1024)
        cls.client = cls.server.client

    @classmethod
    def tearDownClass(cls):
        code, log = cls.server.stop()
        shutil.rmtree(cls.tmp)
        assert code == 0, log[-3000:]

    def ask(self, question, top_k, *flags):
        rc, out, err = lorag("ask", "--model", RAG / "chat_long", "--store", self.store, "--embedder", EMBEDDER,
                             "--device", "cpu", "--system", self.reference["system"], "--top-k", top_k,
                             "--max-new-tokens", self.reference["max_new_tokens"], "--json", *flags, question)
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def grounded(self, model, question, top_k, **kw):
        return self.client.chat.completions.create(
            model=model, messages=[{"role": "system", "content": self.reference["system"]},
                                   {"role": "user", "content": question}],
            max_tokens=self.reference["max_new_tokens"], temperature=0,
            extra_body={"lorag": {"store": "kb", "top_k": top_k}}, **kw)

    def test_lists_the_embedder(self):
        ids = {m.id for m in self.client.models.list().data}
        self.assertEqual(ids, {"long", "hr", "all-MiniLM-L6-v2"})

    def test_grounded_answer_and_sources_equal_lorag_ask(self):
        for model, flags in [("long", []), ("hr", ["--adapter", RAG / "adapter"])]:
            for case in self.reference["base"][:2]:
                for top_k in [1, 3]:
                    with self.subTest(model=model, question=case["question"], top_k=top_k):
                        want = self.ask(case["question"], top_k, *flags)
                        r = self.grounded(model, case["question"], top_k)
                        sources = r.model_extra["lorag"]["sources"]
                        self.assertEqual([s["doc_id"] for s in sources], [s["doc_id"] for s in want["sources"]])
                        self.assertEqual([s["title"] for s in sources], [s["title"] for s in want["sources"]])
                        self.assertEqual([s["index"] for s in sources], [s["n"] for s in want["sources"]])
                        for s, w in zip(sources, want["sources"]):
                            self.assertAlmostEqual(s["score"], w["score"], delta=SCORE_TOLERANCE)
                        self.assertEqual(r.choices[0].message.content, want["answer"])
                        self.assertEqual(r.usage.prompt_tokens, want["prompt_tokens"])

    def test_grounded_answer_on_the_reference_passage_equals_transformers(self):
        for model, key in [("long", "base"), ("hr", "adapter")]:
            case = self.reference[key][1]  # "When is pay day?" over [hr/pay]
            r = self.grounded(model, case["question"], 1)
            self.assertEqual([s["doc_id"] for s in r.model_extra["lorag"]["sources"]], case["doc_ids"])
            self.assertEqual(r.choices[0].message.content, case["text"])
            self.assertEqual(r.usage.prompt_tokens, len(case["prompt_ids"]))

    def test_streamed_grounded_answer_sends_the_sources_first(self):
        case = self.reference["base"][1]
        stream = self.grounded("long", case["question"], 1, stream=True)
        chunks = list(stream)
        self.assertEqual([s["doc_id"] for s in chunks[0].model_extra["lorag"]["sources"]], case["doc_ids"])
        self.assertEqual("".join(c.choices[0].delta.content or "" for c in chunks if c.choices), case["text"])

    def test_embeddings_equal_sentence_transformers(self):
        from sentence_transformers import SentenceTransformer
        texts = ["When is pay day?", "The office opens at 8 am.", "VPN"]
        r = self.client.embeddings.create(model="all-MiniLM-L6-v2", input=texts)
        want = SentenceTransformer(str(EMBEDDER), device="cpu").encode(texts, normalize_embeddings=True)
        self.assertEqual([d.index for d in r.data], [0, 1, 2])
        for d, w in zip(r.data, want):
            self.assertEqual(len(d.embedding), len(w))
            self.assertLess(max(abs(a - float(b)) for a, b in zip(d.embedding, w)), EMBEDDING_TOLERANCE)

    def test_unknown_store_is_a_404(self):
        with self.assertRaises(openai.NotFoundError):
            self.client.chat.completions.create(model="long", messages=[{"role": "user", "content": "hi"}],
                                                extra_body={"lorag": {"store": "nope"}})


class ServeUsage(unittest.TestCase):
    def test_bad_store_flag_is_a_usage_error(self):
        rc, _, err = lorag("serve", "--model", CHAT, "--store", "kb")
        self.assertEqual(rc, 2)
        self.assertIn("--store 'kb' is not NAME=DIR", err)

    def test_merge_is_refused(self):
        rc, _, err = lorag("serve", "--model", CHAT, "--adapter", ADAPTERS / "a", "--merge")
        self.assertEqual(rc, 2)
        self.assertIn("--merge cannot be served", err)

    def test_missing_model_names_the_path(self):
        rc, _, err = lorag("serve", "--model", "/nonexistent/model.gguf", "--no-embedder")
        self.assertEqual(rc, 1)
        self.assertIn("/nonexistent/model.gguf", err)


if __name__ == "__main__":
    unittest.main()
