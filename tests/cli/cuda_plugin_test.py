# SPDX-License-Identifier: Apache-2.0
"""The CUDA plugin from the command line (model/cuda/cuda_plugin.h): `lorag` links no
CUDA library, `--device cuda` without a driver is one clear error with exit 1, and a
CPU run never maps libtorch_cuda."""
import ctypes
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cli_util import BIN, FIXTURES, lorag  # noqa: E402

MODEL = FIXTURES / "models" / "chat_bpe"
# What libtorch_cuda brings (libtorch_cpu itself needs only libcudart and libcupti).
CUDA_LIBRARIES = ("libtorch_cuda", "libc10_cuda", "libcublas", "libcusparse", "libcudnn", "libnccl", "libtorch.so",
                  "liblorag_cuda")


def has_cuda_driver():
    try:
        ctypes.CDLL("libcuda.so.1")
        return True
    except OSError:
        return False


class Linking(unittest.TestCase):
    @unittest.skipUnless(shutil.which("readelf"), "needs readelf (binutils)")
    def test_lorag_needs_no_cuda_library(self):
        dynamic = subprocess.run(["readelf", "-d", BIN], capture_output=True, text=True, check=True).stdout
        needed = [line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line]
        self.assertIn("libtorch_cpu.so", needed)
        for lib in CUDA_LIBRARIES + ("libcudart",):
            self.assertFalse([n for n in needed if n.startswith(lib)], f"{lib} in {needed}")


@unittest.skipIf(has_cuda_driver(), "this machine has a CUDA driver")
class WithoutDriver(unittest.TestCase):
    def test_device_cuda_is_one_clear_error(self):
        for device in ("cuda", "cuda:0"):
            for flag in (["--device", device], [f"--device={device}"]):
                rc, out, err = lorag("generate", "--model", MODEL, "--prompt", "hi", "--max-new-tokens", 2, *flag)
                self.assertEqual(rc, 1, err)
                self.assertEqual(out, "")
                self.assertEqual(err.count("\n"), 1, err)
                self.assertTrue(err.startswith(f"lorag generate: error: --device {device}: no CUDA driver on this machine"),
                                err)
                self.assertIn("(use --device cpu)", err)

    def test_cpu_run_never_loads_cuda_libraries(self):
        # LD_DEBUG=files names every library the loader opens, dlopen'ed ones included.
        rc, _, err = lorag("generate", "--model", MODEL, "--prompt", "hi", "--max-new-tokens", 2, "--device", "auto",
                           env={"LD_DEBUG": "files"})
        self.assertEqual(rc, 0, err[-2000:])
        opened = [Path(line.split("file=")[1].split()[0]).name for line in err.splitlines() if "file=" in line]
        self.assertIn("libtorch_cpu.so", opened)
        for lib in CUDA_LIBRARIES:
            self.assertFalse([name for name in opened if name.startswith(lib)], f"{lib} in {sorted(set(opened))}")

if __name__ == "__main__":
    unittest.main()
