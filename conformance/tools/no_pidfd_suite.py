#!/usr/bin/env python3
"""Runs the whole suite against a driver with pidfds refused (ctest conformance.no_pidfd.*).

    no_pidfd_suite.py --conform PYPROC_CONFORM --no-pidfd PYPROC_NO_PIDFD --errno ENOSYS \\
        [--jobs 2] -- DRIVER [ARGUMENT...]

runs `PYPROC_CONFORM --jobs N --deviations D -- PYPROC_NO_PIDFD ERRNO DRIVER...`, where D is
conformance/deviations/cpp.json without the cases that conformance/deviations/cpp-no-pidfd.json
lists: those deviate only because pyproc's sentinel is a pidfd, and with pidfd_open refused pyproc
uses CPython's pipe, so they must pass (a difference there is a FAIL, not an XFAIL). First it
checks, with `PYPROC_NO_PIDFD ERRNO PYPROC_NO_PIDFD --probe`, that the filter refuses pidfd_open
with ERRNO. Exit status: the runner's (0 all passed, 1 a case failed, 2 the run is wrong), or 2
when the probe or the deviations files are wrong.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEVIATIONS = os.path.join(ROOT, "conformance", "deviations")


def derived_deviations(cpp, no_pidfd):
    """cpp.json's entries without those no_pidfd lists; ValueError for an id cpp.json lacks."""
    passing = no_pidfd["pass_without_pidfds"]
    stale = sorted(set(passing) - set(cpp))
    if stale:
        raise ValueError("cpp-no-pidfd.json lists cases that cpp.json does not declare: "
                         + ", ".join(stale))
    return {case: entry for case, entry in cpp.items() if case not in passing}


def probe_ok(no_pidfd_tool, errno_name):
    """Whether the filter makes pidfd_open fail with errno_name; the probe's output if not."""
    run = subprocess.run([no_pidfd_tool, errno_name, no_pidfd_tool, "--probe"],
                         capture_output=True, text=True, check=False)
    expected = "pidfd_open: %s\n" % errno_name
    return (run.returncode == 0 and run.stdout.startswith(expected)), run.stdout + run.stderr


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conform", required=True, help="the pyproc-conform runner")
    parser.add_argument("--no-pidfd", required=True, help="the pyproc-no-pidfd tool")
    parser.add_argument("--errno", required=True, choices=["ENOSYS", "EPERM"])
    parser.add_argument("--jobs", default="2")
    parser.add_argument("driver", nargs="+", help="the driver command (after --)")
    args = parser.parse_args(argv)

    ok, output = probe_ok(args.no_pidfd, args.errno)
    if not ok:
        sys.stderr.write("no_pidfd_suite: the filter does not refuse pidfd_open with %s:\n%s"
                         % (args.errno, output))
        return 2
    with open(os.path.join(DEVIATIONS, "cpp.json"), encoding="utf-8") as f:
        cpp = json.load(f)
    with open(os.path.join(DEVIATIONS, "cpp-no-pidfd.json"), encoding="utf-8") as f:
        no_pidfd = json.load(f)
    try:
        deviations = derived_deviations(cpp, no_pidfd)
    except ValueError as e:
        sys.stderr.write("no_pidfd_suite: %s\n" % e)
        return 2
    with tempfile.TemporaryDirectory(prefix="pyproc-no-pidfd-") as scratch:
        path = os.path.join(scratch, "cpp-no-pidfd-%s.json" % args.errno)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(deviations, f, indent=1)
        command = [args.conform, "--jobs", args.jobs, "--deviations", path, "--",
                   args.no_pidfd, args.errno] + args.driver
        print("no_pidfd_suite: " + " ".join(command), flush=True)
        return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
