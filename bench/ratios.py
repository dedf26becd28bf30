#!/usr/bin/env python3
"""Runs bench/process_bench (C++, Google Benchmark) and bench/cpython_bench.py
(CPython, the same shapes), times the whole conformance suite on the C++
driver and on the CPython driver, and prints every ratio issue 11 asks for
with its target.

Medians over --repetitions runs; Google Benchmark's repetitions are randomly
interleaved, so that a change in the machine's load hits every benchmark
alike. The coefficient of variation (cv) says how noisy each C++ figure was.
Standard library only. Run from the repository root after building the
default preset:

    python3 bench/ratios.py                 # everything (about 10 minutes)
    python3 bench/ratios.py --quick         # smaller N and fewer cycles
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cpp(build, reps, quick):
    cmd = [os.path.join(build, "bench", "process_bench"), "--benchmark_format=json",
           "--benchmark_repetitions=%d" % reps, "--benchmark_enable_random_interleaving=true",
           "--benchmark_report_aggregates_only=true"]
    env = dict(os.environ)
    if quick:
        cmd.append("--benchmark_filter=-/1000|Active")
        env["PYPROC_BENCH_CYCLES"] = "1000"
    print("running:", " ".join(cmd), file=sys.stderr)
    data = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True,
                                     env=env).stdout)
    return medians(data, ("child_faults", "child_cpu_us", "parent_faults", "per_child_us",
                          "fds_delta", "rss_delta_kib", "children_left"))


def medians(data, counters):
    """Google Benchmark's JSON output -> name -> {"real", "cpu" (seconds), "cv",
    and the `counters` it has}: the medians, or the run of a benchmark run once."""
    out = {}
    for b in data["benchmarks"]:
        name = re.sub(r"/(iterations|repeats):\d+|/real_time|/manual_time", "", b["run_name"])
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
        entry = out.setdefault(name, {})
        agg = b.get("aggregate_name")
        # A benchmark run once (Repetitions(1)) reports its run, not aggregates.
        if agg == "median" or (b.get("run_type") == "iteration" and "real" not in entry):
            entry["real"] = b["real_time"] * unit
            entry["cpu"] = b["cpu_time"] * unit
            for key in counters:
                if key in b:
                    entry[key] = b[key]
        elif agg == "cv":
            entry["cv"] = b["real_time"]
    return out


def run_cpython(python, reps, quick, cycles):
    cmd = [python, os.path.join(ROOT, "bench", "cpython_bench.py"), "--repetitions", str(reps),
           "--cycles", str(cycles)]
    if quick:
        cmd += ["--max-children", "100"]
    print("running:", " ".join(cmd), file=sys.stderr)
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def time_suite(build, driver, runs, deviations=()):
    cmd = [os.path.join(build, "conformance", "pyproc-conform")] + list(deviations) + ["--"] + driver
    times = []
    status = None
    for _ in range(runs):
        start = time.monotonic()
        status = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL).returncode
        times.append(time.monotonic() - start)
    return statistics.median(times), status


def us(seconds):
    return "%.1f us" % (seconds * 1e6)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "default"))
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--python", default="python3", help="CPython for the reference side")
    ap.add_argument("--suite-runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-suite", action="store_true")
    ap.add_argument("--cpython-cycles", type=int, default=2000,
                    help="start/join/close cycles on the CPython side (10,000 take minutes)")
    args = ap.parse_args()

    cpp = run_cpp(args.build, args.repetitions, args.quick)
    py = run_cpython(args.python, args.repetitions, args.quick,
                     1000 if args.quick else args.cpython_cycles)

    rows = []  # (what, value, target or "", met or None)

    def ratio(what, num, den, target=None, higher_is_better=False):
        r = num / den
        met = None
        if target is not None:
            met = r >= target if higher_is_better else r <= target
        rows.append((what, "%.2fx" % r, ("%s %.2fx" % (">=" if higher_is_better else "<=", target))
                     if target is not None else "", met))

    def cv(name):
        return " (cv %.0f%%)" % (cpp[name]["cv"] * 100) if "cv" in cpp[name] else ""

    sj, raw, vf = cpp["BM_ProcessStartJoin"], cpp["BM_RawForkExitWaitpid"], cpp["BM_RawVforkExitWaitpid"]
    ratio("start+join / raw fork+_exit+waitpid (wall)" + cv("BM_ProcessStartJoin"),
          sj["real"], raw["real"], 1.15)
    ratio("start+join / raw fork, parent+child CPU",
          sj["cpu"] + sj["child_cpu_us"] * 1e-6, raw["cpu"] + raw["child_cpu_us"] * 1e-6)
    rows.append(("child page faults: start+join vs raw fork",
                 "%.0f vs %.0f" % (sj["child_faults"], raw["child_faults"]), "", None))
    ratio("start+join / raw vfork+_exit+waitpid", sj["real"], vf["real"])
    ratio("CPython start+join / pyproc start+join", py["start_join"], sj["real"], 10.0, True)
    ratio("exit->join wake-up / exit->blocking waitpid",
          cpp["BM_ProcessWakeupJoin"]["real"], cpp["BM_RawWakeupWaitpid"]["real"])
    rows.append(("exit->join wake-up, pyproc vs CPython",
                 "%s vs %s" % (us(cpp["BM_ProcessWakeupJoin"]["real"]), us(py["wakeup_join"])),
                 "", None))
    rows.append(("join(0.05) overshoot, pyproc vs CPython",
                 "%s vs %s" % (us(cpp["BM_ProcessJoinTimeoutOvershoot"]["real"]),
                               us(py["join_timeout_overshoot"])), "", None))
    ratio("is_alive() / waitpid(WNOHANG)" + cv("BM_ProcessIsAlive"),
          cpp["BM_ProcessIsAlive"]["real"], cpp["BM_RawWaitpidNohang"]["real"], 1.10)
    ratio("CPython is_alive() / pyproc is_alive()", py["is_alive"],
          cpp["BM_ProcessIsAlive"]["real"])
    per = {n: cpp["BM_ProcessStartJoinAll/%d" % n]["per_child_us"] * 1e-6
           for n in (10, 100, 1000) if "BM_ProcessStartJoinAll/%d" % n in cpp}
    for n in sorted(per):
        rows.append(("start+join-all, per child, N=%d (CPython)" % n,
                     "%s (%s)" % (us(per[n]), us(py.get("start_join_all_per_child/%d" % n, 0))),
                     "", None))
    if 100 in per:
        ratio("per child N=100 / N=10", per[100], per[10])
    if 1000 in per:
        ratio("per child N=1000 / N=10", per[1000], per[10], 1.20)
    if "BM_ProcessActiveChildren1000" in cpp and "active_children_1000" in py:
        rows.append(("active_children() with 1000 live, pyproc vs CPython",
                     "%s vs %s" % (us(cpp["BM_ProcessActiveChildren1000"]["real"]),
                                   us(py["active_children_1000"])), "", None))
        ratio("CPython / pyproc active_children() (1000 live)", py["active_children_1000"],
              cpp["BM_ProcessActiveChildren1000"]["real"])
    big, bigraw = cpp["BM_ProcessStartJoin1GiB"], cpp["BM_RawForkExitWaitpid1GiB"]
    ratio("1 GiB parent: start+join / raw fork", big["real"], bigraw["real"])
    ratio("1 GiB parent: CPython / pyproc start+join", py["start_join_1gib"], big["real"])
    cyc = cpp["BM_ProcessCycles10000"]
    rows.append(("after %s cycles: fds, RSS KiB, children left (CPython, %s cycles)" % (
                     "1000" if args.quick else "10000", py["cycles"]["count"]),
                 "%+d, %+d, %d (%+d, %+d, %d)" % (
                     cyc["fds_delta"], cyc["rss_delta_kib"], cyc["children_left"],
                     py["cycles"]["fds_delta"], py["cycles"]["rss_delta_kib"],
                     py["cycles"]["children_left"]), "", None))
    if not args.no_suite:
        cxx_t, cxx_s = time_suite(
            args.build, [os.path.join(args.build, "conformance", "pyproc-driver")],
            args.suite_runs, ["--deviations", "conformance/deviations/cpp.json"])
        py_t, py_s = time_suite(args.build, [args.python, "oracle/driver.py"], args.suite_runs)
        rows.append(("conformance suite, C++ driver vs CPython driver (exit status)",
                     "%.1f s vs %.1f s (%d, %d)" % (cxx_t, py_t, cxx_s, py_s), "", None))
        ratio("conformance suite: CPython / C++", py_t, cxx_t)

    print("pyproc vs raw system calls vs CPython %s; medians of %d repetitions" % (
        py["python"], args.repetitions))
    width = max(len(r[0]) for r in rows)
    for what, value, target, met in rows:
        mark = "" if met is None else ("  met" if met else "  NOT met")
        print("%-*s  %-22s %s%s" % (width, what, value, target, mark))
    raw_ns = {k: v for k, v in cpp.items()}
    print("\nC++ medians (s): " + json.dumps({k: round(v.get("real", 0), 9) for k, v in raw_ns.items()}))


if __name__ == "__main__":
    main()
