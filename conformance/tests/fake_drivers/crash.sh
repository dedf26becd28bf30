#!/bin/sh
# Dies with a message and a non-zero status.
echo "fake driver: something broke" >&2
exit 3
