#!/bin/sh
# For the runner's interrupt tests: starts a process in a session of its own
# that holds the witness FIFO <case>.alive, says it is running by writing to
# the path of its scratch directory to the FIFO <case>.ready, then never answers.
setsid sh -c 'echo escaped >&9; echo $$ > "$0"; exec sleep 300' "$PYPROC_CASE_TMP/escaped-pid" \
  9>"${1%.json}.alive" &
while [ ! -s "$PYPROC_CASE_TMP/escaped-pid" ]; do :; done
pwd -P > "${1%.json}.ready"
exec sleep 300 9>"${1%.json}.alive"
