#!/bin/sh
# Prints without end: the harness must stop reading at its output limit, give
# the case a CRASH and end the driver, not exhaust its memory.
exec yes '{"protocol": 1, "case": "9001", "streams": {}}'
