#!/bin/sh
# Starts 200 processes holding the witness FIFO <case>.alive, half of them in
# sessions of their own, then prints the right answer and exits: every one of
# them must be gone after the case.
exec 9>"${1%.json}.alive"
echo started >&9
i=0
while [ $i -lt 100 ]; do
  sleep 300 &
  setsid sleep 300 &
  i=$((i + 1))
done
exec 9>&-
exec cat "${1%.json}.driver-output"
