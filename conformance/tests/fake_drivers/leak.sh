#!/bin/sh
# Prints a valid document but leaves a process running that holds the test's
# witness FIFO <case>.alive open, so the test can tell that the harness ended it.
sh -c 'echo leaked >&9; echo $$ > "$0"; exec sleep 600' "$PYPROC_CASE_TMP/leaked-pid" 9>"${1%.json}.alive" &
while [ ! -s "$PYPROC_CASE_TMP/leaked-pid" ]; do :; done
exec cat "${1%.json}.driver-output"
