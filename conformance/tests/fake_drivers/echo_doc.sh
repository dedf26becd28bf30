#!/bin/sh
# Prints the protocol document stored beside the case as <case>.driver-output,
# so a test can script exactly what a driver says.
exec cat "${1%.json}.driver-output"
