#!/bin/sh
# Prints the start of a document with one observation, then something that is
# no JSON, and never answers: the HUNG report shows the observation and where
# the text stopped being JSON.
printf '{"protocol": 4, "case": "9001", "streams": {"main": [{"value": 7}, }'
exec sleep 600
