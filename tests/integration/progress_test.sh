#!/usr/bin/env bash
# Progress bars as a user sees them: tests/integration/progress_demo runs get() of 400
# refs, compute() of 301 tasks and parallel_map of 500 items, under a pseudo-terminal
# (util-linux `script`), through a pipe, and switched off.
# usage: progress_test.sh PROGRESS_DEMO
set -u
demo=$1
fail() {
  echo "FAIL: $*"
  exit 1
}
finals=("weft get.*400/400.*100%" "weft compute.*301/301.*100%" "weft parallel_map.*500/500.*100%")
sums=("get: 79800" "compute: 44850" "parallel_map: 124750")
check_sums() {
  for s in "${sums[@]}"; do grep -q "$s" <<<"$1" || fail "$2: no '$s' on stdout"; done
}

# (a) On a terminal: redrawn in place with '\r', then a final line per bar.
command -v script >/dev/null || fail "script (util-linux) is not installed"
tty_out=$(env -u WEFT_PROGRESS COLUMNS=100 script -qfec "$demo on" /dev/null) ||
  fail "demo under a pseudo-terminal exited with $?"
printf '%s\n' "$tty_out" | cat -v | head -40
check_sums "$tty_out" tty
for label in get compute parallel_map; do
  draws=$(grep -o $'\r'"weft $label \[" <<<"$tty_out" | wc -l)
  [ "$draws" -ge 2 ] || fail "tty: 'weft $label' drawn $draws times, expected redraws in place"
done
for f in "${finals[@]}"; do
  # The final draw ends its line: "\r...100% ...\r\n" (the terminal turns \n into \r\n).
  grep -aq "$f.*eta 0:00"$'\r'"\?$" <<<"$tty_out" || fail "tty: no final line /$f/"
done

# (b) Through a pipe: a few plain lines, no '\r', the final totals.
pipe_err=$(env -u WEFT_PROGRESS "$demo" on 2>&1 >/dev/null | cat)
printf '%s\n' "$pipe_err"
grep -q $'\r' <<<"$pipe_err" && fail "pipe: output has carriage returns"
lines=$(grep -c . <<<"$pipe_err")
[ "$lines" -ge 6 ] && [ "$lines" -le 30 ] || fail "pipe: $lines lines, expected 6 to 30"
grep -q "^weft get: 400/400 (100%) in " <<<"$pipe_err" || fail "pipe: wrong get total"
grep -q "^weft compute: 301/301 (100%) in " <<<"$pipe_err" || fail "pipe: wrong compute total"
grep -q "^weft parallel_map: 500/500 (100%) in " <<<"$pipe_err" || fail "pipe: wrong map total"

# (c) WEFT_PROGRESS=0 silences even calls that ask for a bar.
out=$(WEFT_PROGRESS=0 "$demo" on 2>/tmp/progress_err.$$)
err=$(cat /tmp/progress_err.$$)
rm -f /tmp/progress_err.$$
check_sums "$out" "WEFT_PROGRESS=0"
[ -z "$err" ] || fail "WEFT_PROGRESS=0: stderr not empty: $err"

# (d) Calls that leave it to the environment draw nothing by default...
err=$(env -u WEFT_PROGRESS "$demo" default 2>&1 >/dev/null)
[ -z "$err" ] || fail "default: stderr not empty: $err"
# (e) ...and draw with WEFT_PROGRESS=1.
err=$(WEFT_PROGRESS=1 "$demo" default 2>&1 >/dev/null)
grep -q "^weft parallel_map: 500/500 (100%) in " <<<"$err" || fail "WEFT_PROGRESS=1: no bar"
echo "PASS"
