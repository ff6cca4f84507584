# SPDX-License-Identifier: Apache-2.0
"""The serve library as a process (serve_fake_server: the real HTTP server over the
scripted backend) driven by the official `openai` Python package: its parsers are
the reference for the response, chunk and error shapes. Also /metrics through
prometheus_client's parser, the access log, a bounded load test and SIGTERM."""
import base64
import concurrent.futures
import json
import os
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

import openai
from prometheus_client.parser import text_string_to_metric_families

SERVER = os.environ.get("LORAG_FAKE_SERVER", "build/tests/serve_fake_server")
ADMIN_KEY = "sk-ops-0123456789"
USER_KEY = "sk-alice-abcdef"
KEYS = {"keys": [{"id": "ops", "key": ADMIN_KEY, "admin": True},
                 {"id": "alice", "key": USER_KEY, "models": ["tiny-base", "fake-embed"], "stores": ["kb"]}]}


def fake_text(model, index, tokens, grounded=False):
    """What FakeBackend generates (tests/serve/fake_backend.h)."""
    first = f"{model}#{index}" + ("[1]" if grounded else "")
    return first + "".join(f" w{k}" for k in range(1, tokens))


class FakeServer:
    def __init__(self, *flags):
        self.keyfile = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(KEYS, self.keyfile)
        self.keyfile.close()
        self.stderr = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen([SERVER, "--api-key-file", self.keyfile.name, *flags],
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("port "), line
        self.port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def client(self, key=ADMIN_KEY):
        return openai.OpenAI(base_url=self.base + "/v1", api_key=key, max_retries=0, timeout=30)

    def get(self, path, key=ADMIN_KEY):
        req = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        os.unlink(self.keyfile.name)
        self.proc.stdout.close()
        self.stderr.seek(0)
        log = self.stderr.read()
        self.stderr.close()
        return code, log


class OpenAiClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FakeServer()
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        code, log = cls.server.stop()
        assert code == 0, f"exit {code}: {log}"
        assert ADMIN_KEY not in log and USER_KEY not in log, "a key reached the log"
        assert "key=ops" in log and "key=alice" in log, log[-2000:]

    def test_models(self):
        ids = [m.id for m in self.client.models.list()]
        self.assertEqual(ids, ["tiny-base", "math", "fake-embed"])
        self.assertEqual([m.id for m in self.server.client(USER_KEY).models.list()], ["tiny-base", "fake-embed"])

    def test_chat(self):
        r = self.client.chat.completions.create(model="math", messages=[{"role": "user", "content": "hello there"}],
                                                temperature=0, max_completion_tokens=3)
        self.assertEqual(r.object, "chat.completion")
        self.assertEqual(r.choices[0].message.role, "assistant")
        self.assertEqual(r.choices[0].message.content, fake_text("math", 0, 3))
        self.assertEqual(r.choices[0].finish_reason, "length")
        self.assertEqual((r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens), (3, 3, 6))

    def test_chat_stream_with_usage(self):
        stream = self.client.chat.completions.create(
            model="tiny-base", messages=[{"role": "user", "content": "hi"}], stream=True, n=2,
            stream_options={"include_usage": True})
        texts, reasons, usage = ["", ""], [None, None], None
        for chunk in stream:
            self.assertEqual(chunk.object, "chat.completion.chunk")
            if chunk.usage is not None:
                self.assertEqual(chunk.choices, [])
                usage = chunk.usage
            for c in chunk.choices:
                texts[c.index] += c.delta.content or ""
                reasons[c.index] = c.finish_reason or reasons[c.index]
        self.assertEqual(texts, [fake_text("tiny-base", 0, 5), fake_text("tiny-base", 1, 5)])
        self.assertEqual(reasons, ["stop", "stop"])
        self.assertEqual((usage.prompt_tokens, usage.completion_tokens), (2, 10))

    def test_completions(self):
        r = self.client.completions.create(model="tiny-base", prompt=["a b", "c"], max_tokens=2, stop=["w9"])
        self.assertEqual(r.object, "text_completion")
        self.assertEqual([c.text for c in r.choices], [fake_text("tiny-base", 0, 2)] * 2)
        text = "".join(c.choices[0].text for c in
                       self.client.completions.create(model="math", prompt="x", stream=True))
        self.assertEqual(text, fake_text("math", 0, 5))

    def test_grounded_answer_has_sources(self):
        r = self.client.chat.completions.create(
            model="tiny-base", messages=[{"role": "user", "content": "annual leave days"}],
            extra_body={"lorag": {"store": "kb", "top_k": 1}})
        self.assertEqual(r.choices[0].message.content, fake_text("tiny-base", 0, 5, grounded=True))
        sources = r.model_extra["lorag"]["sources"]
        self.assertEqual([(s["index"], s["doc_id"]) for s in sources], [(1, "hr/leave.md")])

    def test_embeddings_base64_equals_floats(self):
        # The client asks for base64 by default and decodes it itself.
        b64 = self.client.embeddings.create(model="fake-embed", input=["alpha", "beta gamma"])
        floats = self.client.embeddings.create(model="fake-embed", input=["alpha", "beta gamma"],
                                               encoding_format="float")
        self.assertEqual(len(b64.data), 2)
        for a, b in zip(b64.data, floats.data):
            self.assertEqual(len(a.embedding), 8)
            self.assertEqual(a.embedding, b.embedding)
        self.assertAlmostEqual(sum(x * x for x in floats.data[0].embedding), 1.0, places=5)
        self.assertEqual(b64.usage.prompt_tokens, 3)

    def test_errors_parse_as_openai_errors(self):
        with self.assertRaises(openai.AuthenticationError) as e:
            self.server.client("sk-wrong").models.list()
        self.assertEqual(e.exception.code, "invalid_api_key")
        with self.assertRaises(openai.PermissionDeniedError) as e:
            self.server.client(USER_KEY).chat.completions.create(model="math", messages=[{"role": "user", "content": "x"}])
        self.assertEqual(e.exception.param, "model")
        with self.assertRaises(openai.NotFoundError) as e:
            self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
        self.assertEqual(e.exception.code, "model_not_found")
        with self.assertRaises(openai.BadRequestError) as e:
            self.client.chat.completions.create(model="tiny-base", messages=[{"role": "user", "content": "x"}],
                                                temperature=3)
        self.assertEqual((e.exception.param, e.exception.code, e.exception.type),
                         ("temperature", "invalid_value", "invalid_request_error"))

    def test_metrics_parse_as_prometheus(self):
        self.client.chat.completions.create(model="tiny-base", messages=[{"role": "user", "content": "x"}])
        families = {f.name: f for f in text_string_to_metric_families(self.server.get("/metrics"))}
        for name in ("lorag_requests", "lorag_prompt_tokens", "lorag_generation_tokens", "lorag_queue_length",
                     "lorag_slots_busy", "lorag_time_to_first_token_seconds", "lorag_inter_token_latency_seconds"):
            self.assertIn(name, families)
        self.assertEqual(families["lorag_requests"].type, "counter")
        ttft = families["lorag_time_to_first_token_seconds"]
        self.assertEqual(ttft.type, "histogram")
        buckets = [s.value for s in ttft.samples if s.name.endswith("_bucket")]
        count = next(s.value for s in ttft.samples if s.name.endswith("_count"))
        self.assertEqual(buckets, sorted(buckets))  # cumulative
        self.assertEqual(buckets[-1], count)
        self.assertGreaterEqual(count, 1)

    def test_adapter_load_and_unload(self):
        with self.assertRaises(openai.PermissionDeniedError):
            self.server.client(USER_KEY).post("/load_lora_adapter", cast_to=str,
                                               body={"lora_name": "sql", "lora_path": "/a/sql"})
        self.client.post("/load_lora_adapter", cast_to=str, body={"lora_name": "sql", "lora_path": "/a/sql"})
        r = self.client.chat.completions.create(model="sql", messages=[{"role": "user", "content": "x"}])
        self.assertEqual(r.choices[0].message.content, fake_text("sql", 0, 5))
        self.client.post("/unload_lora_adapter", cast_to=str, body={"lora_name": "sql"})
        with self.assertRaises(openai.NotFoundError):
            self.client.post("/unload_lora_adapter", cast_to=str, body={"lora_name": "sql"})


class LoadAndSignals(unittest.TestCase):
    def test_bounded_load_of_streaming_clients(self):
        """64 concurrent streaming clients, 320 requests, all succeed; no slot is left busy.
        Latencies are printed for the record, not checked."""
        server = FakeServer("--token-delay-ms", "2", "--max-in-flight", "64")
        try:
            client = server.client()

            def one(i):
                start = time.perf_counter()
                text = "".join((c.choices[0].delta.content or "") if c.choices else "" for c in
                               client.chat.completions.create(model="math" if i % 2 else "tiny-base",
                                                              messages=[{"role": "user", "content": "q"}],
                                                              stream=True))
                return text == fake_text("math" if i % 2 else "tiny-base", 0, 5), time.perf_counter() - start

            with concurrent.futures.ThreadPoolExecutor(64) as pool:
                results = list(pool.map(one, range(320)))
            self.assertTrue(all(ok for ok, _ in results))
            lat = sorted(t for _, t in results)
            print(f"load: 320 requests, 64 clients: p50 {statistics.median(lat) * 1e3:.1f} ms, "
                  f"p99 {lat[int(0.99 * len(lat)) - 1] * 1e3:.1f} ms", file=sys.stderr)
            metrics = {s.name: s.value for f in text_string_to_metric_families(server.get("/metrics"))
                       for s in f.samples}
            self.assertEqual(metrics["lorag_slots_busy"], 0)
            self.assertEqual(metrics["lorag_requests_in_flight"], 0)
        finally:
            code, log = server.stop()
        self.assertEqual(code, 0, log[-2000:])

    def test_sigterm_finishes_the_running_stream_then_exits_0(self):
        server = FakeServer("--token-delay-ms", "100", "--grace", "30")
        client = server.client()
        stream = client.chat.completions.create(model="tiny-base", messages=[{"role": "user", "content": "q"}],
                                                stream=True)
        first = next(iter(stream))  # the request is running
        threading.Timer(0.05, lambda: server.proc.send_signal(signal.SIGTERM)).start()
        text = (first.choices[0].delta.content or "") + "".join(
            (c.choices[0].delta.content or "") if c.choices else "" for c in stream)
        self.assertEqual(text, fake_text("tiny-base", 0, 5))
        code, log = server.stop()
        self.assertEqual(code, 0, log[-2000:])
        self.assertIn("signal 15", log)

    def test_sigint_also_stops_with_exit_0(self):
        server = FakeServer()
        self.assertEqual(server.client().models.list().data[0].id, "tiny-base")
        server.proc.send_signal(signal.SIGINT)
        code, log = server.stop()
        self.assertEqual(code, 0, log[-2000:])
        self.assertIn("signal 2", log)


if __name__ == "__main__":
    unittest.main()
