#!/usr/bin/env bash
# Installs weft into a temporary prefix, then builds and runs a consumer project against it
# with find_package(weft), and again with add_subdirectory.
# usage: install_test.sh WEFT_BUILD_DIR WEFT_SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Ninja when there is one (scripts/install-deps.sh installs it): the add_subdirectory build
# compiles the library's sources from scratch, and Makefiles would do that one file at a time.
# Two jobs, not Ninja's cores + 2: CTest runs other tests beside this one.
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi

cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/tests/integration/consumer" -B "$work/pkg" "${generator[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/pkg" >/dev/null
"$work/pkg/consumer" | grep -q "consumer computed 42"
echo "find_package(weft): ok"

cmake -S "$src/tests/integration/consumer" -B "$work/sub" "${generator[@]}" -DWEFT_SOURCE_DIR="$src" >/dev/null
cmake --build "$work/sub" --target consumer --parallel 2 >/dev/null
"$work/sub/consumer" | grep -q "consumer computed 42"
echo "add_subdirectory(weft): ok"
