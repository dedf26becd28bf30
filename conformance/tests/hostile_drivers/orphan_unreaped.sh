#!/bin/sh
# A child that leaves the driver's session and never reaps its own child (a
# zombie under a living process), then the right answer: the harness must not
# block on a wait it does not bound, must report a LEAK and end them both.
setsid sh -c 'sleep 0 & echo escaped >&9; echo $$ > "$0"; exec sleep 300' \
  "$PYPROC_CASE_TMP/escaped-pid" 9>"${1%.json}.alive" &
while [ ! -s "$PYPROC_CASE_TMP/escaped-pid" ]; do :; done
exec cat "${1%.json}.driver-output"
