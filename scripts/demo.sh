#!/usr/bin/env bash
# Installs dependencies, builds weft and runs the examples, printing what they computed and
# how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_BENCH=OFF >/dev/null
for example in sleep_tasks matrix_tree parallel_sqrt lazy_dot array_sum array_matrix_tree; do
  echo "== examples/$example"
  ./build/examples/$example
  echo
done
# The same programs on a local cluster: a scheduler and two worker processes started from
# the example's own binary.
for example in matrix_tree parallel_sqrt array_sum array_matrix_tree; do
  echo "== examples/$example --weft-runtime=processes:2"
  ./build/examples/$example --weft-runtime=processes:2
  echo
done
echo "== examples/lazy_dot --weft-runtime=processes:2"
./build/examples/lazy_dot build/lazy_dot.dot --weft-runtime=processes:2
echo
# A run to watch: a local cluster serving its dashboard (open the URL while it runs), then
# its trace and report written to build/.
echo "== examples/dashboard 0 3 (dashboard on a free port for 3 s)"
(cd build && ./examples/dashboard 0 3) | grep -v '^wave [0-9]*: sum'
