#!/bin/sh
# Prints a valid document but leaves a process running; its pid goes to
# <case>.leaked-pid so the test can check that the harness killed it.
sleep 600 &
echo $! > "${1%.json}.leaked-pid"
exec cat "${1%.json}.driver-output"
