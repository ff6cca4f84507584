#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets up (if needed), builds and runs the default test suite — what CI runs.
# GPU and long tests are labelled and skipped here: run them with
#   ctest --test-dir build -L gpu     /     ctest --test-dir build -L slow
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --test-dir "${LORAG_BUILD_DIR:-build}" -LE "gpu|slow" --output-on-failure -j "$(nproc)" "$@"
