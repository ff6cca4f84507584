#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run HERE (a machine with Debian's registry) before using the GPU machine, which
# has PyTorch but no package registry: downloads the .deb files of lorag's other
# libraries into .deps/debs (git-ignored) so they travel with the working tree.
# Then on the GPU machine: scripts/gpu_run.sh (carry .deps and models).
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.deps/debs
mkdir -p "$DEST"
# Headers and static/shared libraries lorag links; their runtime dependencies too.
PACKAGES=(libsentencepiece-dev libsentencepiece0 libpcre2-dev libpcre2-8-0 libpcre2-16-0 libpcre2-32-0
  libpcre2-posix3 libfaiss-dev libopenblas-dev libopenblas0 libopenblas0-pthread libblas3 liblapack3
  libgfortran5 libomp-dev libomp5-14 libhdf5-dev libhdf5-103-1 libhdf5-cpp-103-1 libsz2 libaec0 libaec-dev
  libboost-program-options1.74-dev libboost-program-options1.74.0 libboost1.74-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev googletest ninja-build ccache)
(cd "$DEST" && apt-get download "${PACKAGES[@]}" 2>&1 | tail -1)
du -sh "$DEST"
