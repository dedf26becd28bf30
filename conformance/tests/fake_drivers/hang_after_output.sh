#!/bin/sh
# Prints the start of its document (two observations), says on stderr where it
# is stuck, leaves a child's traceback in a capture file of its scratch
# directory, and then never answers: the HUNG report must show all three.
printf '{"protocol": 3, "case": "9001", "pids": [], "streams": {"main": [{"value": 12345678901234567890123}, {"raised": {"type": "AttributeError", "message": "no attribute x"}}'
printf 'Traceback (most recent call last):\nAttributeError: child saw something\n' > child.stderr
echo "stuck joining the child" >&2
exec sleep 600
