#!/usr/bin/env bash
# Installs dependencies, builds weft (library, tests, examples, benchmarks) and runs the
# whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DWEFT_BUILD_TESTS=ON -DWEFT_BUILD_EXAMPLES=ON -DWEFT_BUILD_BENCH=ON
ctest --test-dir build --output-on-failure -j2
