#!/bin/sh
# Wraps any driver: starts 200 processes (`sleep 3001`, half of them in
# sessions of their own) and then becomes the driver. Run the whole suite with
# it to check that no process of any case outlives its case:
#   pyproc-conform -- conformance/tests/hostile_drivers/storm_then.sh DRIVER
#   pgrep -c -f 'sleep 3001'     # must print 0 once the run is over
i=0
while [ $i -lt 100 ]; do
  sleep 3001 &
  setsid sleep 3001 &
  i=$((i + 1))
done
exec "$@"
