# SPDX-License-Identifier: Apache-2.0
"""`lorag train` data-parallel over c10d/Gloo on one machine: two processes
(under the venv's torchrun, and started by hand as torchrun would) train the
same adapter and loss curve as one process on the same global batches, resume
across world sizes, and a killed rank makes the other fail with an error
naming it while the last checkpoint stays loadable."""
import csv
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import BIN, FIXTURES, lorag, pin_fp32  # noqa: E402

import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

MODEL = FIXTURES / "models" / "chat_bpe"
EVAL = FIXTURES / "train" / "qa_eval.jsonl"
TORCHRUN = Path(sys.executable).parent / "torchrun"
# fp32 CPU: 2 ranks sum their gradients in another order than one process
# accumulates them; after a few AdamW steps the adapters differ by ~1e-7.
DIST_TOLERANCE = 1e-5
ENV = {"OMP_NUM_THREADS": "1"}  # tiny model, shared machine
# dropout 0: one process draws its dropout masks over other batch shapes.
# 12 examples, global batch 4: 3 steps an epoch; the checkpoint at step 4 is mid-epoch (reshuffled).
COMMON = ["--model", MODEL, "--rank", 4, "--alpha", 8, "--dropout", 0, "--lr", 1e-2, "--max-steps", 8,
          "--targets", "q_proj,v_proj,down_proj", "--scheduler", "cosine", "--warmup-steps", 1,
          "--weight-decay", 0.01, "--save-every", 4, "--eval-every", 4, "--eval", EVAL]


def common(**overrides):
    """COMMON with some flags' values replaced, e.g. common(max_steps=9)."""
    out = list(COMMON)
    for name, value in overrides.items():
        out[out.index("--" + name.replace("_", "-")) + 1] = value
    return out


def qa_data(path: Path, n=12):
    lines = []
    for i in range(n):
        q = f"What is the code word number {i} of the tower?"
        a = f"The word is {'abcdefghijklmnop'[i % 16] * (1 + i % 3)} {i * 7}."
        lines.append(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}))
    path.write_text("\n".join(lines) + "\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(n, *args):
    """`torchrun --nproc-per-node n --no-python lorag ARGS` (TORCHELASTIC_USE_AGENT_STORE=True)."""
    cmd = [str(TORCHRUN), "--nproc-per-node", str(n), "--master-addr", "127.0.0.1", "--master-port",
           str(free_port()), "--no-python", BIN, *pin_fp32(args)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, **ENV})
    return p.returncode, p.stdout, p.stderr


def start_ranks(n, *args):
    """Starts n ranks by hand, as torchrun does but with rank 0 hosting the store."""
    port = str(free_port())
    procs = []
    for rank in range(n):
        env = {**os.environ, **ENV, "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": str(n),
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port}
        env.pop("TORCHELASTIC_USE_AGENT_STORE", None)
        # Files, not pipes: a long run's progress bar would fill a pipe nobody reads and block the rank.
        log = tempfile.TemporaryFile("w+")
        p = subprocess.Popen([BIN, *pin_fp32(args)], stdout=subprocess.DEVNULL, stderr=log, text=True, env=env)
        p.log = log
        procs.append(p)
    return procs


def finish(p, timeout):
    """Waits for a rank started by start_ranks; returns its stderr."""
    p.wait(timeout=timeout)
    p.log.seek(0)
    return p.log.read()


def metrics(run):
    with open(run / "metrics.csv") as f:
        return list(csv.DictReader(f))


class TrainDistributed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.data = cls.dir / "qa.jsonl"
        qa_data(cls.data)
        # The global batch is 4 sequences either way: 1 x 4, or 2 ranks x 2.
        cls.single = cls.dir / "single"
        cls.single_result = lorag("train", *COMMON, "--data", cls.data, "--out", cls.single, "--batch-size", 4,
                                  env=ENV)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assert_same_run(self, a, b, first_step=1):
        ta, tb = load_file(str(a / "adapter_model.safetensors")), load_file(str(b / "adapter_model.safetensors"))
        self.assertEqual(ta.keys(), tb.keys())
        for k in ta:
            self.assertLess((ta[k] - tb[k]).abs().max().item(), DIST_TOLERANCE, k)
        ra, rb = metrics(a), metrics(b)
        self.assertEqual([r["step"] for r in ra], [r["step"] for r in rb])
        for x, y in zip(ra, rb):
            if int(x["step"]) < first_step:
                continue
            for col in ["loss", "grad_norm", "lr", "epoch"]:
                # metrics.csv keeps 6 significant digits: compare relative to the value.
                self.assertTrue(math.isclose(float(x[col]), float(y[col]), rel_tol=DIST_TOLERANCE, abs_tol=DIST_TOLERANCE),
                                f"{col} step {x['step']}: {x[col]} != {y[col]}")
            self.assertEqual(x["tokens"], y["tokens"], f"step {x['step']}")
            self.assertEqual(bool(x["eval_loss"]), bool(y["eval_loss"]))
            if x["eval_loss"]:
                self.assertTrue(math.isclose(float(x["eval_loss"]), float(y["eval_loss"]), rel_tol=DIST_TOLERANCE))
        # The tiny model does learn: the curve is not flat.
        self.assertLess(float(ra[-1]["loss"]), float(ra[0]["loss"]))

    def test_two_processes_under_torchrun_equal_one_process(self):
        rc, _, err = self.single_result
        self.assertEqual(rc, 0, err)
        out = self.dir / "torchrun2"
        rc, stdout, err = torchrun(2, "train", *COMMON, "--data", self.data, "--out", out, "--batch-size", 2)
        self.assertEqual(rc, 0, err)
        self.assertEqual(stdout, "")
        self.assertIn("distributed: rank 0 of 2", err)
        self.assertIn("torchrun's store", err)
        self.assertNotIn("distributed: rank 1 of 2", err)  # rank 1 logs errors only
        self.assertIn("tokens/s per process", err)
        self.assert_same_run(self.single, out)
        self.assertEqual(json.loads((out / "train_config.json").read_text())["world_size"], 2)
        state = json.loads((out / "checkpoints/step-4/trainer_state.json").read_text())
        self.assertEqual((state["world_size"], state["epoch"], state["samples_in_epoch"]), (2, 1, 4))

    def test_gradient_accumulation_two_processes_equal_one(self):
        one, two = self.dir / "accum1", self.dir / "accum2"
        rc, _, err = lorag("train", *COMMON, "--data", self.data, "--out", one, "--batch-size", 2,
                           "--grad-accum", 2, env=ENV)
        self.assertEqual(rc, 0, err)
        procs = start_ranks(2, "train", *COMMON, "--data", self.data, "--out", two, "--batch-size", 1,
                            "--grad-accum", 2)
        for p in procs:
            err = finish(p, 600)
            self.assertEqual(p.returncode, 0, err)
        self.assert_same_run(one, two)
        self.assert_same_run(self.single, two)  # 2 x 2 accumulated == one batch of 4

    def test_resume_across_world_sizes_continues_the_same_curve(self):
        rc, _, err = self.single_result
        self.assertEqual(rc, 0, err)
        two = self.dir / "two_for_resume"
        rc, _, err = torchrun(2, "train", *COMMON, "--data", self.data, "--out", two, "--batch-size", 2)
        self.assertEqual(rc, 0, err)
        # 2 -> 1: the 2-process checkpoint at step 4, continued by one process.
        one_from_two = self.dir / "one_from_two"
        rc, _, err = lorag("train", *COMMON, "--data", self.data, "--out", one_from_two, "--batch-size", 4,
                           "--resume", two / "checkpoints/step-4", env=ENV)
        self.assertEqual(rc, 0, err)
        self.assertIn("written by 2 processes, continuing with 1", err)
        self.assert_same_run(self.single, one_from_two)
        # 1 -> 2: the 1-process checkpoint at step 4, continued by two.
        two_from_one = self.dir / "two_from_one"
        rc, _, err = torchrun(2, "train", *COMMON, "--data", self.data, "--out", two_from_one, "--batch-size", 2,
                              "--resume", self.single / "checkpoints/step-4")
        self.assertEqual(rc, 0, err)
        self.assertIn("written by 1 process, continuing with 2", err)
        self.assert_same_run(self.single, two_from_one)

    def test_killed_rank_fails_the_other_with_its_number_and_the_checkpoint_loads(self):
        out = self.dir / "killed"
        args = common(max_steps=100000, save_every=2, eval_every=0)
        procs = start_ranks(2, "train", *args, "--data", self.data, "--out", out, "--batch-size", 2,
                            "--dist-timeout", 60)
        try:
            # Wait (bounded) for the first checkpoint, then kill rank 1 mid-run.
            for _ in range(1200):
                if (out / "checkpoints/step-2/trainer_state.json").exists() or procs[0].poll() is not None:
                    break
                time.sleep(0.1)
            self.assertTrue((out / "checkpoints/step-2/trainer_state.json").exists())
            procs[1].send_signal(signal.SIGKILL)
            err = finish(procs[0], 300)  # a hang guard only: the error comes within --dist-timeout
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        self.assertEqual(procs[0].returncode, 1, err)
        self.assertIn("distributed training failed in", err)
        self.assertIn("on rank 0 of 2: rank 1 stopped answering", err)
        # The latest complete checkpoint loads and training continues from it.
        steps = sorted(int(p.name.split("-")[1]) for p in (out / "checkpoints").glob("step-*"))
        self.assertTrue(steps)
        resumed = self.dir / "after_kill"
        rc, _, err = lorag("train", *common(max_steps=steps[-1] + 1), "--data", self.data, "--out", resumed,
                           "--batch-size", 4, "--resume", out, env=ENV)
        self.assertEqual(rc, 0, err)
        self.assertIn(f"at step {steps[-1]}", err)
        self.assertEqual(int(metrics(resumed)[-1]["step"]), steps[-1] + 1)

    def test_hung_rank_fails_the_other_after_the_timeout(self):
        out = self.dir / "hung"
        procs = start_ranks(2, "train", *common(max_steps=100000, save_every=2, eval_every=0), "--data", self.data,
                            "--out", out, "--batch-size", 2, "--dist-timeout", 5)
        try:
            for _ in range(1200):
                if (out / "checkpoints/step-2/trainer_state.json").exists() or procs[0].poll() is not None:
                    break
                time.sleep(0.1)
            procs[1].send_signal(signal.SIGSTOP)  # alive but silent: only the timeout can tell
            err = finish(procs[0], 300)  # a hang guard only
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        self.assertEqual(procs[0].returncode, 1, err)
        self.assertIn("on rank 0 of 2: rank 1 stopped answering", err)
        self.assertIn("--dist-timeout 5 s", err)

    def test_bad_launch_variables_are_usage_errors(self):
        for env, message in [({"WORLD_SIZE": "2", "RANK": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"},
                              "RANK='2': expected an integer in [0, 1]"),
                             ({"WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"},
                              "environment variable RANK is not set"),
                             ({"WORLD_SIZE": "two"}, "WORLD_SIZE='two'")]:
            with self.subTest(env=env):
                rc, stdout, err = lorag("train", *COMMON, "--data", self.data, "--out", self.dir / "bad",
                                        env={**ENV, **env})
                self.assertEqual(rc, 2, err)
                self.assertIn(message, err)
                self.assertEqual(stdout, "")


if __name__ == "__main__":
    unittest.main()
