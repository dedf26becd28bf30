#!/bin/sh
# Answers right and wrong by turns: a flaky driver. Its counter is in /dev/shm,
# one of the few places a driver may write besides its scratch directory (§8).
# The test names it (9001.counter beside the case) and removes it.
counter="/dev/shm/$(cat "${1%.json}.counter")"
runs=$(cat "$counter" 2>/dev/null || echo 0)
echo $((runs + 1)) > "$counter"
if [ $((runs % 2)) -eq 0 ]; then
  exec cat "${1%.json}.driver-output"
fi
echo '{"protocol": 2, "case": "9001", "streams": {"main": [{"value": "wrong"}]}}'
