#!/usr/bin/env python3
"""How os.system, subprocess.call and os.spawnv(P_WAIT) fare when the caller
has a SIGCHLD handler that reaps every child (waitpid(-1, WNOHANG) in a loop),
the pattern issue 17 measured: CPython's side of the comparison. The C++ side
is bench/sigchld_reaper.cpp (target pyproc_sigchld_reaper). Prints, for each
function, how many of N calls of a command that exits 3 returned the right
status, and what the wrong ones were.

Usage: python3 bench/sigchld_reaper.py HELPER [N]
"""
import collections
import os
import signal
import subprocess
import sys


def reap(signum, frame):
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def run(name, call, right, n):
    results = collections.Counter()
    for _ in range(n):
        try:
            results[repr(call())] += 1
        except Exception as e:  # ChildProcessError, as spawnv may raise
            results[type(e).__name__] += 1
    good = results.pop(repr(right), 0)
    print("%-20s %d/%d right%s" % (name, good, n, ", wrong: %s" % dict(results) if results else ""))


def main():
    helper = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    signal.signal(signal.SIGCHLD, reap)
    print("CPython %s, %d calls each, SIGCHLD handler reaping every child" % (sys.version.split()[0], n))
    run("os.system", lambda: os.system("%s exit 3" % helper), 3 << 8, n)
    run("subprocess.call", lambda: subprocess.call([helper, "exit", "3"]), 3, n)
    run("os.spawnv(P_WAIT)", lambda: os.spawnv(os.P_WAIT, helper, [helper, "exit", "3"]), 3, n)


if __name__ == "__main__":
    main()
