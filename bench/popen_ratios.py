#!/usr/bin/env python3
"""Runs bench/popen_bench (pyproc::subprocess::Popen, Google Benchmark) and the
same operations in CPython's subprocess on the same helper program, and prints
issue 16's ratios with their goals:

  Popen + wait               <= 1.05x posix_spawn + waitpid
  communicate 100 MiB, 1 GiB >= 1.5x CPython's MiB/s; peak RSS <= 1.1x the output
  run(input=200 MiB)         peak RSS <= 1.1x the input
  interactive line round trip <= 1.2x a raw pipe round trip

Peak RSS is a child's own ru_maxrss (wait4), on both sides: a child forked
to run the operation once (C++), a fresh interpreter (CPython, whose own
start-up RSS is printed apart). Medians over --repetitions runs (Google
Benchmark's repetitions randomly interleaved; the coefficient of variation
says how noisy each figure was). Standard library only. Run from the
repository root after building the default preset:

    python3 bench/popen_ratios.py
    python3 bench/popen_ratios.py --python python3.11 --repetitions 10 --no-gib
"""
import argparse
import json
import os
import subprocess
import sys

from ratios import medians  # bench/ratios.py: Google Benchmark's JSON, read once

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20
SIZES = (100 * MIB, 1 << 30)
INPUT = 200 * MIB

# CPython's side of the small operations: median seconds per operation.
CPYTHON_SMALL = r"""
import json, statistics, subprocess, sys, time
helper, n, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def per_op(body, count):
    start = time.perf_counter()
    for _ in range(count):
        body()
    return (time.perf_counter() - start) / count
def popen_wait():
    subprocess.Popen([helper]).wait()
p = subprocess.Popen([helper, "cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
line = b"a line of some 40 bytes, and its end\n"
def round_trip():
    p.stdin.write(line)
    p.stdin.flush()
    assert p.stdout.readline() == line
popen_wait(); round_trip()
out = {"popen_wait": statistics.median(per_op(popen_wait, n) for _ in range(reps)),
       "round_trip": statistics.median(per_op(round_trip, 20 * n) for _ in range(reps)),
       "python": sys.version.split()[0]}
p.stdin.close(); p.wait()
print(json.dumps(out))
"""

# One operation in a fresh interpreter: seconds and this process's peak RSS,
# and the peak RSS before it (the interpreter's own).
CPYTHON_BIG = r"""
import json, resource, subprocess, sys, time
helper, what, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if what == "communicate":
    start = time.perf_counter()
    out, _ = subprocess.Popen([helper, "fill", str(size)], stdout=subprocess.PIPE).communicate()
    seconds = time.perf_counter() - start
    assert len(out) == size, len(out)
else:
    data = b"x" * size
    start = time.perf_counter()
    subprocess.run([helper, "cat"], input=data, stdout=subprocess.DEVNULL, check=True)
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "startup_rss_mib": before,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_bench(build, benchmark_filter, reps):
    cmd = [os.path.join(build, "bench", "popen_bench"), "--benchmark_format=json",
           "--benchmark_filter=" + benchmark_filter]
    if reps > 1:
        cmd += ["--benchmark_repetitions=%d" % reps, "--benchmark_enable_random_interleaving=true",
                "--benchmark_report_aggregates_only=true"]
    print("running:", " ".join(cmd), file=sys.stderr)
    data = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return medians(data, ("peak_rss_mib", "baseline_rss_mib", "bytes_per_second"))


def run_python(python, script, *args):
    cmd = [python, "-c", script] + [str(a) for a in args]
    print("running: %s -c <script> %s" % (python, " ".join(map(str, args))), file=sys.stderr)
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def verdict(ok):
    return "met" if ok else "NOT met"


def cv(entry):
    return " (cv %.0f%%)" % (entry["cv"] * 100) if "cv" in entry else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "default"))
    ap.add_argument("--repetitions", type=int, default=10)
    ap.add_argument("--python", default=sys.executable, help="CPython for the reference side")
    ap.add_argument("--cpython-ops", type=int, default=300, help="operations per CPython repetition")
    ap.add_argument("--big-runs", type=int, default=3, help="runs of each large transfer")
    ap.add_argument("--no-gib", action="store_true", help="skip the 1 GiB communicate")
    args = ap.parse_args()
    helper = os.path.join(args.build, "conformance", "helper", "pyproc-helper")

    small = run_bench(args.build, "Wait|RoundTrip", args.repetitions)
    py = run_python(args.python, CPYTHON_SMALL, helper, args.cpython_ops, args.repetitions)
    popen, raw = small["BM_PopenWait"], small["BM_RawSpawnWait"]
    trip, raw_trip = small["BM_PopenRoundTrip"], small["BM_RawPipeRoundTrip"]
    print("pyproc::subprocess::Popen vs raw system calls vs CPython %s; medians of %d repetitions"
          % (py["python"], args.repetitions))
    r = popen["real"] / raw["real"]
    print("  Popen+wait:       pyproc %.1f us%s, posix_spawn+waitpid %.1f us%s, CPython %.1f us"
          % (popen["real"] * 1e6, cv(popen), raw["real"] * 1e6, cv(raw), py["popen_wait"] * 1e6))
    print("    pyproc / raw:   %.3fx   goal <= 1.05x  %s" % (r, verdict(r <= 1.05)))
    r = trip["real"] / raw_trip["real"]
    print("  line round trip:  pyproc %.2f us%s, raw pipes %.2f us%s, CPython %.2f us"
          % (trip["real"] * 1e6, cv(trip), raw_trip["real"] * 1e6, cv(raw_trip),
             py["round_trip"] * 1e6))
    print("    pyproc / raw:   %.3fx   goal <= 1.2x   %s" % (r, verdict(r <= 1.2)))

    sizes = SIZES[:1] if args.no_gib else SIZES
    for size in sizes:
        name = "BM_PopenCommunicate/%d" % size
        cpp = run_bench(args.build, name + "/", args.big_runs)[name]
        runs = [run_python(args.python, CPYTHON_BIG, helper, "communicate", size)
                for _ in range(args.big_runs)]
        py_s = sorted(x["seconds"] for x in runs)[len(runs) // 2]
        py_rss = max(x["peak_rss_mib"] for x in runs)
        py_start = min(x["startup_rss_mib"] for x in runs)
        mib = size / MIB
        cpp_rate = cpp["bytes_per_second"] / MIB
        py_rate = mib / py_s
        print("communicate() of %d MiB (median of %d runs each):" % (mib, args.big_runs))
        print("  pyproc:  %.3f s, %.0f MiB/s; peak RSS %.0f MiB (a forked child that does "
              "nothing: %.0f MiB)" % (cpp["real"], cpp_rate, cpp["peak_rss_mib"],
                                      cpp["baseline_rss_mib"]))
        print("  CPython: %.3f s, %.0f MiB/s; peak RSS %.0f MiB (its start-up: %.0f MiB)"
              % (py_s, py_rate, py_rss, py_start))
        r = cpp_rate / py_rate
        print("    pyproc / CPython MiB/s: %.2fx   goal >= 1.5x  %s" % (r, verdict(r >= 1.5)))
        r = cpp["peak_rss_mib"] / mib
        print("    pyproc peak RSS / output: %.3fx   goal <= 1.1x  %s" % (r, verdict(r <= 1.1)))

    name = "BM_RunInput/%d" % INPUT
    cpp = run_bench(args.build, name + "/", args.big_runs)[name]
    py_in = run_python(args.python, CPYTHON_BIG, helper, "input", INPUT)
    mib = INPUT / MIB
    print("run(input=%d MiB) to DEVNULL:" % mib)
    print("  pyproc:  %.3f s; peak RSS %.0f MiB (a forked child that does nothing: %.0f MiB)"
          % (cpp["real"], cpp["peak_rss_mib"], cpp["baseline_rss_mib"]))
    print("  CPython: %.3f s; peak RSS %.0f MiB (its start-up: %.0f MiB)"
          % (py_in["seconds"], py_in["peak_rss_mib"], py_in["startup_rss_mib"]))
    r = cpp["peak_rss_mib"] / mib
    print("    pyproc peak RSS / input: %.3fx   goal <= 1.1x  %s" % (r, verdict(r <= 1.1)))


if __name__ == "__main__":
    main()
