#!/usr/bin/env bash
# Runs an example and checks that it exits 0 and prints every expected pattern.
# usage: run_example.sh BINARY 'ARGS' PATTERN...   (ARGS is one word list, may be empty)
set -u
bin=$1
args=$2
shift 2
out=$("$bin" $args 2>&1)
status=$?
printf '%s\n' "$out"
if [ $status -ne 0 ]; then
  echo "FAIL: $bin exited with $status"
  exit 1
fi
for pattern in "$@"; do
  if ! grep -Eq -- "$pattern" <<<"$out"; then
    echo "FAIL: output of $bin lacks /$pattern/"
    exit 1
  fi
done
