#!/usr/bin/env bash
# Builds and runs the unit tests under sanitizers: AddressSanitizer + UndefinedBehaviorSanitizer
# for all of them, ThreadSanitizer for the concurrent ones (all unit tests run threads).
# usage: sanitize.sh [asan|tsan]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
kinds=("$@")
[ ${#kinds[@]} -eq 0 ] && kinds=(asan tsan)
for kind in "${kinds[@]}"; do
  case $kind in
    asan) flags="address,undefined"; extra=(); env=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1) ;;
    # Arrays are left out of the ThreadSanitizer build: they add no threads of their own (they
    # are tasks on the runtimes tested here) and are half of the build; ASan covers them.
    tsan) flags="thread"; extra=(-DWEFT_BUILD_ARRAYS=OFF); env=(TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp) ;;
    *) echo "unknown sanitizer kind: $kind (expected asan or tsan)" >&2; exit 2 ;;
  esac
  dir=build-$kind
  # Unity builds (sources compiled 8 to a file): about a quarter less CPU for the libraries.
  # -O1 and line tables only (-g1): the sanitizers' usual level, and half the compile time of
  # -O2 -g under ASan+UBSan; reports still name every frame's file and line.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_SANITIZE="$flags" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_UNITY_BUILD=ON \
    -DWEFT_BUILD_EXAMPLES=OFF -DWEFT_BUILD_BENCH=OFF "${extra[@]}" >/dev/null
  # Only what the unit tests run (ctest -L unit below): the CLI, examples' clients and other
  # programs of the integration tests would be built with the sanitizers and never run.
  cmake --build "$dir" --target weft_unit_tests
  echo "== unit tests under $kind"
  env "${env[@]}" ctest --test-dir "$dir" -L unit --output-on-failure -j2
done
