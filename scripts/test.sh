#!/usr/bin/env bash
# Installs dependencies, builds weft (library, tests, examples, benchmarks) and runs the
# whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Unity builds (sources compiled 8 to a file), as scripts/sanitize.sh: less CPU for the
# libraries' many sources. Each source still compiles on its own in install_and_consume's
# add_subdirectory build of the library (tests/integration/install_test.sh).
bash scripts/build.sh -DWEFT_BUILD_TESTS=ON -DWEFT_BUILD_EXAMPLES=ON -DWEFT_BUILD_BENCH=ON \
  -DCMAKE_UNITY_BUILD=ON
ctest --test-dir build --output-on-failure -j2
