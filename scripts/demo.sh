#!/usr/bin/env bash
# Installs dependencies, builds weft and runs the examples, printing what they computed and
# how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_BENCH=OFF >/dev/null
for example in sleep_tasks matrix_tree parallel_sqrt lazy_dot; do
  echo "== examples/$example"
  ./build/examples/$example
  echo
done
