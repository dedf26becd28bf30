#!/bin/sh
# Starts a process in a session of its own (out of the driver's process group
# and session) that holds the test's witness FIFO <case>.alive open, then
# prints the right answer and exits: the case must be a LEAK, and once it is
# over nothing may hold the FIFO any more.
setsid sh -c 'echo escaped >&9; echo $$ > "$0"; exec sleep 300' "$PYPROC_CASE_TMP/escaped-pid" \
  9>"${1%.json}.alive" &
while [ ! -s "$PYPROC_CASE_TMP/escaped-pid" ]; do :; done
exec cat "${1%.json}.driver-output"
