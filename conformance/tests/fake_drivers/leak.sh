#!/bin/sh
# Prints a valid document but leaves a process running that holds the test's
# witness FIFO <case>.alive open, so the test can tell that the harness ended it.
sh -c 'echo leaked >&9; echo $$ > "$0"; exec sleep 600' "${1%.json}.leaked-pid" 9>"${1%.json}.alive" &
while [ ! -s "${1%.json}.leaked-pid" ]; do :; done
exec cat "${1%.json}.driver-output"
