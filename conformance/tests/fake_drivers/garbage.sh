#!/bin/sh
# Answers, but not with a protocol document.
echo "this is not JSON"
