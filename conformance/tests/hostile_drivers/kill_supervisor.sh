#!/bin/sh
# Kills its parent (whatever supervises the case) after starting an escaped
# process that holds the witness FIFO <case>.alive, then prints the right
# answer: the case must still end, and nothing of it survive.
setsid sh -c 'echo escaped >&9; echo $$ > "$0"; exec sleep 300' "$PYPROC_CASE_TMP/escaped-pid" \
  9>"${1%.json}.alive" &
while [ ! -s "$PYPROC_CASE_TMP/escaped-pid" ]; do :; done
kill -9 $PPID
exec cat "${1%.json}.driver-output"
