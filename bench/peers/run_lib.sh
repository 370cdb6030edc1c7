# shellcheck shell=bash
# Shell helpers of the bench/run_*peers.sh scripts (sourced, not run).

# guard LIMIT COMMAND...: runs COMMAND, failing the calling script if it fails or runs over
# LIMIT seconds, so that a hung run fails the script instead of stalling it.
guard() {
  local limit=$1
  shift
  timeout "$limit" "$@" || {
    echo "${0##*/}: '$1' failed or ran over ${limit}s" >&2
    exit 1
  }
}

# The machine and its load, printed beside every set of figures (wall times on a shared
# machine mean little without it).
machine_line() {
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
