#!/bin/sh
# Reports the environment it was started with (its own /proc/PID/environ, not
# what the shell adds) as one observation: an array of "NAME=value" strings.
items=$(tr '\0' '\n' < /proc/$$/environ | sed 's/\\/\\\\/g; s/"/\\"/g; s/.*/"&"/' | paste -sd, -)
printf '{"protocol": 2, "case": "9001", "pids": [], "streams": {"main": [{"value": [%s]}]}}\n' "$items"
