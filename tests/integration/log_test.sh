#!/usr/bin/env bash
# A local cluster logs into WEFT_LOG_DIR: one file per process (scheduler, workers, client),
# and the scheduler's names each failed task, at most 20 a second plus a count of the rest.
# On the threads runtime, where no scheduler sees the errors, the program's own log does.
# usage: log_test.sh PATH/TO/failing_tasks
set -euo pipefail
program=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; ls -l "$work/logs" 2>/dev/null; exit 1; }

# check_rate_limited LOG PROCESS COUNT: LOG's JSON lines parse, and PROCESS logged COUNT task
# errors as lines (rate-limited) and counts of the lines left out.
check_rate_limited() {
  python3 - "$@" <<'PY'
import json, re, sys
path, process, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = [json.loads(l) for l in open(path)]
failed = [l for l in lines if "failed on" in l["message"]]
more = [l for l in lines if re.fullmatch(r"\d+ more task errors", l["message"])]
assert failed and all(l["level"] == "warn" and l["process"] == process for l in failed), lines
assert 'boom "' in failed[0]["message"], failed[0]
# 20 a second: a run of a few seconds logs a few dozen, and counts what it left out.
assert len(failed) <= 20 * 8, len(failed)
assert len(failed) + sum(int(l["message"].split()[0]) for l in more) == count, (len(failed), more)
print(f"{process}: {len(failed)} errors logged, {len(more)} summary line(s)")
PY
}

# One failing task: its error reaches the scheduler's log.
WEFT_RUNTIME=processes:2 WEFT_LOG_DIR=$work/logs timeout 60 "$program" 1 >"$work/out" 2>"$work/err" ||
  fail "program: $(cat "$work/out" "$work/err")"
grep -qx 'errors: 1 of 1' "$work/out" || fail "program: $(cat "$work/out")"
sched=$(ls "$work"/logs/scheduler-*.log 2>/dev/null) || fail "no scheduler log"
[[ $(ls "$work"/logs/worker-*.log | wc -l) -eq 2 ]] || fail "expected 2 worker logs"
ls "$work"/logs/client-*.log >/dev/null || fail "no client log"
grep -q "\[scheduler\] \[warning\] task 'explode' failed on worker-[0-9]*@.*: std::runtime_error: boom \"0\"" \
  "$sched" || fail "the scheduler log lacks the task's error: $(cat "$sched")"
# The same lines went to stderr.
grep -q "task 'explode' failed on" "$work/err" || fail "stderr lacks the error: $(cat "$work/err")"

# Many failing tasks, as JSON: the lines parse; the errors are rate-limited, then counted
# (on the threads runtime the count of the rest comes out when the runtime stops).
many_failures() { # runtime, the name of the process whose log has them
  rm -rf "$work/logs"
  WEFT_RUNTIME=$1 WEFT_LOG_DIR=$work/logs WEFT_LOG_FORMAT=json WEFT_LOG_LEVEL=warn \
    timeout 60 "$program" 500 >"$work/out" 2>"$work/err" || fail "program: $(cat "$work/out" "$work/err")"
  grep -qx 'errors: 500 of 500' "$work/out" || fail "program: $(cat "$work/out")"
  local log
  log=$(ls "$work"/logs/"$2"-*.log)
  check_rate_limited "$log" "$2" 500 || fail "JSON lines: $(head -c 2000 "$log")"
}
many_failures processes:2 scheduler

# The threads runtime: the program's log names the task, the pool thread and the error.
rm -rf "$work/logs"
WEFT_RUNTIME=threads:2 WEFT_LOG_DIR=$work/logs timeout 60 "$program" 1 >"$work/out" 2>"$work/err" ||
  fail "program: $(cat "$work/out" "$work/err")"
grep -qx 'errors: 1 of 1' "$work/out" || fail "program: $(cat "$work/out")"
log=$(ls "$work"/logs/failing_tasks-*.log 2>/dev/null) || fail "no program log"
grep -q "\[failing_tasks\] \[warning\] task 'explode' failed on thread-[01]: std::runtime_error: boom \"0\"" \
  "$log" || fail "the program's log lacks the task's error: $(cat "$log")"

many_failures threads:2 failing_tasks

# A task's own weft error (TimeoutError) reaches the caller as that type, and is logged too.
rm -rf "$work/logs"
WEFT_RUNTIME=threads:2 WEFT_LOG_DIR=$work/logs timeout 60 "$program" 1 timeout >"$work/out" \
  2>"$work/err" || fail "program: $(cat "$work/out" "$work/err")"
grep -qx 'errors: 1 of 1' "$work/out" || fail "program: $(cat "$work/out")"
log=$(ls "$work"/logs/failing_tasks-*.log 2>/dev/null) || fail "no program log"
grep -q "\[failing_tasks\] \[warning\] task 'time_out' failed on thread-[01]: weft::TimeoutError: .*waited too long for part 0" \
  "$log" || fail "the program's log lacks the task's weft error: $(cat "$log")"
echo PASS
