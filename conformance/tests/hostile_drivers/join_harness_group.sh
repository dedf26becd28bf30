#!/bin/sh
# Tries to move itself into the harness's own process group (whose id the test
# wrote beside the case), so that a group kill aimed at the case would miss it,
# and then never answers: the timeout must hold all the same.
exec python3 -c '
import os, signal, sys
try:
    os.setpgid(0, int(open(sys.argv[1]).read()))
except OSError:
    pass
while True:
    signal.pause()
' "${1%.json}.harness-pgid"
