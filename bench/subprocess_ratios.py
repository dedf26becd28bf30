#!/usr/bin/env python3
"""Times pyproc::subprocess::call on the suite's helper program against a raw
posix_spawn + waitpid (bench/subprocess_bench, Google Benchmark) and against
CPython's subprocess.call on the same helper, and prints both ratios with
their goals (pyproc <= 1.05x raw; CPython far behind). Then check_output of
100 MiB (the helper's `fill`) through the pipe, in a fresh process on each
side: its time and the process's peak RSS (ru_maxrss).

Medians over --repetitions runs (Google Benchmark's repetitions randomly
interleaved, so that the machine's load hits both alike; the coefficient of
variation says how noisy each was). Standard library only. Run from the
repository root after building the default preset:

    python3 bench/subprocess_ratios.py
    python3 bench/subprocess_ratios.py --python python3.11 --repetitions 20
"""
import argparse
import json
import os
import subprocess
import sys

from ratios import medians  # bench/ratios.py: Google Benchmark's JSON, read once

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIG = 100 << 20

# CPython's side, run by --python in a process of its own: the median seconds
# of one subprocess.call([helper]) over `reps` runs of `n` calls each, wall
# clock and this process's CPU time (what Google Benchmark's cpu_time is).
CPYTHON_CALL = r"""
import json, statistics, subprocess, sys, time
helper, n, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
subprocess.call([helper])  # warm-up
wall, cpu = [], []
for _ in range(reps):
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        if subprocess.call([helper]) != 0:
            sys.exit("exit status")
    wall.append((time.perf_counter() - start) / n)
    cpu.append((time.process_time() - start_cpu) / n)
print(json.dumps({"call": statistics.median(wall), "call_cpu": statistics.median(cpu),
                  "python": sys.version.split()[0]}))
"""

# check_output of `size` bytes once, in a fresh process: seconds and peak RSS.
CPYTHON_BIG = r"""
import json, resource, subprocess, sys, time
helper, size = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
out = subprocess.check_output([helper, "fill", str(size)])
seconds = time.perf_counter() - start
assert len(out) == size, len(out)
print(json.dumps({"seconds": seconds,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_bench(build, benchmark_filter, reps):
    cmd = [os.path.join(build, "bench", "subprocess_bench"), "--benchmark_format=json",
           "--benchmark_filter=" + benchmark_filter]
    if reps > 1:
        cmd += ["--benchmark_repetitions=%d" % reps, "--benchmark_enable_random_interleaving=true",
                "--benchmark_report_aggregates_only=true"]
    print("running:", " ".join(cmd), file=sys.stderr)
    data = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return medians(data, ("peak_rss_mib", "bytes_per_second"))


def run_python(python, script, *args):
    cmd = [python, "-c", script] + [str(a) for a in args]
    print("running: %s -c <script> %s" % (python, " ".join(map(str, args))), file=sys.stderr)
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "default"))
    ap.add_argument("--repetitions", type=int, default=10)
    ap.add_argument("--python", default=sys.executable, help="CPython for the reference side")
    ap.add_argument("--cpython-calls", type=int, default=300, help="calls per CPython repetition")
    args = ap.parse_args()
    helper = os.path.join(args.build, "conformance", "helper", "pyproc-helper")

    cpp = run_bench(args.build, "BM_SubprocessCall|BM_PosixSpawnWaitpid", args.repetitions)
    py = run_python(args.python, CPYTHON_CALL, helper, args.cpython_calls, args.repetitions)
    call, raw = cpp["BM_SubprocessCall"], cpp["BM_PosixSpawnWaitpid"]

    def cv(entry):
        return " (cv %.0f%%)" % (entry["cv"] * 100) if "cv" in entry else ""

    print("pyproc::subprocess vs raw posix_spawn+waitpid vs CPython %s subprocess; "
          "medians of %d repetitions" % (py["python"], args.repetitions))
    print("  call([helper]), wall:  pyproc %.1f us%s, raw %.1f us%s, CPython %.1f us" % (
        call["real"] * 1e6, cv(call), raw["real"] * 1e6, cv(raw), py["call"] * 1e6))
    print("  the caller's CPU:      pyproc %.1f us, raw %.1f us, CPython %.1f us" % (
        call["cpu"] * 1e6, raw["cpu"] * 1e6, py["call_cpu"] * 1e6))
    r = call["real"] / raw["real"]
    print("  pyproc / raw, wall:    %.3fx   goal <= 1.05x  %s" % (
        r, "met" if r <= 1.05 else "NOT met"))
    print("  CPython / pyproc:      %.2fx wall, %.2fx the caller's CPU" % (
        py["call"] / call["real"], py["call_cpu"] / call["cpu"]))

    big = run_bench(args.build, "BM_SubprocessCheckOutput/%d" % BIG, 1)["BM_SubprocessCheckOutput/%d" % BIG]
    py_big = run_python(args.python, CPYTHON_BIG, helper, BIG)
    print("check_output of 100 MiB through the pipe (one fresh process each):")
    print("  pyproc:  %.3f s, %.0f MiB/s, peak RSS %.0f MiB" % (
        big["real"], big["bytes_per_second"] / (1 << 20), big["peak_rss_mib"]))
    print("  CPython: %.3f s, %.0f MiB/s, peak RSS %.0f MiB" % (
        py_big["seconds"], BIG / py_big["seconds"] / (1 << 20), py_big["peak_rss_mib"]))


if __name__ == "__main__":
    main()
