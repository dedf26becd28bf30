#!/bin/sh
# Forgery: the driver of case 9001 rewrites the expected file of case 9002,
# which has not started yet, to what it will print for 9002, and reports
# whether the write went through; for 9002 it prints that forged answer. The
# verdict on 9002 must not change (spec/protocol.md §8).
dir=$(dirname "$1")
case "$1" in
  *9001.json)
    if printf '{"case": "9002", "streams": {"main": [{"value": "forged"}]}}\n' \
         2>/dev/null >"$dir/expected/9002.json"; then
      answer=written
    else
      answer=refused
    fi
    printf '{"protocol": 3, "case": "9001", "pids": [], "streams": {"main": [{"value": "%s"}]}}\n' "$answer" ;;
  *9002.json)
    echo '{"protocol": 3, "case": "9002", "pids": [], "streams": {"main": [{"value": "forged"}]}}' ;;
esac
