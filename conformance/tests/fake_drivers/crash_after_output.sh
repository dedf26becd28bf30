#!/bin/sh
# Prints the start of its document (one observation), leaves a traceback in a
# capture file of its scratch directory, says on stderr what it was doing and
# dies of SIGSEGV: the CRASH report must show all three.
printf '{"protocol": 4, "case": "9001", "streams": {"main": [{"value": 4242}'
printf 'Traceback (most recent call last):\nValueError: child saw something\n' > main-stderr
echo "about to join the child" >&2
kill -SEGV $$
