# SPDX-License-Identifier: Apache-2.0
"""The README's main job, `scripts/demo.sh --quick`, end to end on the bundled
SmolLM2-135M-Instruct and all-MiniLM-L6-v2 (skipped where setup has not fetched
them): it indexes the example knowledge base, fine-tunes an adapter, compares the
four systems and prints the summary; retrieval finds the gold documents."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(os.environ.get("LORAG_SOURCE_DIR", Path(__file__).resolve().parents[2]))
MODELS = ROOT / "models"
SYSTEMS = ["base", "rag", "finetuned", "hybrid"]


@unittest.skipUnless((MODELS / "SmolLM2-135M-Instruct.Q4_1.gguf").exists()
                     and (MODELS / "all-MiniLM-L6-v2" / "config.json").exists(), "default models not fetched")
class DemoQuick(unittest.TestCase):
    def test_runs_end_to_end(self):
        tmp = Path(tempfile.mkdtemp(prefix="lorag_demo_"))
        try:
            run = tmp / "run"
            p = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh"), "--quick", "--out", str(run)],
                               capture_output=True, text=True, timeout=900, env={**os.environ, "LORAG_SKIP_SETUP": "1"})
            self.assertEqual(p.returncode, 0, p.stderr[-4000:])
            for system in SYSTEMS:
                self.assertRegex(p.stdout, rf"(?m)^{system} +\d+ ")  # the printed summary table
            self.assertIn("report.html", p.stderr)
            # The adapter is a PEFT folder with its training record beside it.
            adapter = run / "adapter"
            config = json.loads((adapter / "adapter_config.json").read_text())
            self.assertEqual(config["peft_type"], "LORA")
            self.assertTrue((adapter / "metrics.csv").is_file())
            questions = [json.loads(line) for line in
                         (ROOT / "data" / "examples" / "questions_quick.jsonl").read_text().splitlines() if line]
            rows = [json.loads(line) for line in (run / "report" / "results.jsonl").read_text().splitlines() if line]
            self.assertEqual(len(rows), len(questions) * len(SYSTEMS))
            summary = json.loads((run / "report" / "summary.json").read_text())
            self.assertEqual(summary["systems"], SYSTEMS)
            # Retrieval with the real embedder finds most gold documents in the top k.
            hits = [r["metrics"]["hit_at_k"] for r in rows if r["system"] == "rag" and "hit_at_k" in r["metrics"]]
            self.assertTrue(hits)
            self.assertGreaterEqual(sum(hits) / len(hits), 0.8, hits)
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
