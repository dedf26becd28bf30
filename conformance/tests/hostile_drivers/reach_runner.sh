#!/bin/sh
# Tries to reach the runner (its pid beside the case): whether a signal can get
# to it (kill -0: then SIGSTOP would stop its clock) and whether its memory is
# open to it (/proc/PID/environ needs what ptrace needs), and whether it can
# write beside its case; reports the three answers.
runner=$(cat "${1%.json}.runner-pid")
if kill -0 "$runner" 2>/dev/null; then signal=reachable; else signal=unreachable; fi
if cat "/proc/$runner/environ" >/dev/null 2>&1; then memory=readable; else memory=unreadable; fi
if (: >"${1%.json}.written-by-driver") 2>/dev/null; then files=writable; else files=read-only; fi
printf '{"protocol": 3, "case": "9001", "pids": [], "streams": {"main": [{"value": ["%s", "%s", "%s"]}]}}\n' \
  "$signal" "$memory" "$files"
