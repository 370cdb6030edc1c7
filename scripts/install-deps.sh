#!/usr/bin/env bash
# Installs every Debian package that weft's build, tests and benchmarks need.
# Idempotent; run as root (or through sudo). Skips apt entirely when all
# packages are already present, so repeated runs cost well under a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format
  libgtest-dev libgmock-dev libbenchmark-dev libtbb-dev
  python3 python3-dask python3-joblib python3-numpy libopenblas0-pthread
  python3-distributed libxxhash-dev libeigen3-dev libmsgpack-cxx-dev
  libzmq3-dev cppzmq-dev libcli11-dev iproute2 procps libzstd-dev libopenblas-dev nlohmann-json3-dev python3-zarr
  clang libclang-rt-14-dev
  libspdlog-dev libfmt-dev libcpp-httplib-dev chromium python3-prometheus-client
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# The dashboard's browser test drives Chromium through npm's playwright-core; any node with
# npm will do (a machine may already have one that is not Debian's).
if ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
