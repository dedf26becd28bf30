#!/bin/sh
# Answers right and wrong by turns (a counter beside the case): a flaky driver.
counter="${1%.json}.runs"
runs=$(cat "$counter" 2>/dev/null || echo 0)
echo $((runs + 1)) > "$counter"
if [ $((runs % 2)) -eq 0 ]; then
  exec cat "${1%.json}.driver-output"
fi
echo '{"protocol": 2, "case": "9001", "streams": {"main": [{"value": "wrong"}]}}'
