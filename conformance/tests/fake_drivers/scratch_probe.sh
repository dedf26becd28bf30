#!/bin/sh
# Reports where it runs: its working directory and $PYPROC_CASE_TMP (both must
# be the case's scratch directory), leaves a file there, and writes the path to
# the FIFO beside the case so the test can check that the directory was removed.
touch leftover-file
pwd -P > "${1%.json}.scratch-path"
printf '{"protocol": 2, "case": "9001", "pids": [], "streams": {"main": [{"value": ["%s", "%s", "%s"]}]}}\n' \
  "$(pwd -P)" "$PYPROC_CASE_TMP" "$PYPROC_HELPER"
