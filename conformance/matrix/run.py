#!/usr/bin/env python3
"""The conformance matrix: runs the suite against every implementation this
machine has (or can install) and writes a static HTML report.

    python3 conformance/matrix/run.py [--implementations GLOB,...] [--only ID ...]
                                      [--jobs N] [--out DIR] [--no-install]

One implementation after the other, each through pyproc-conform (the
runner's own --jobs, --json-lines) with the expected files that judge it:
conformance/expected/ for fork, overlaid with conformance/expected-spawn/ or
-forkserver/ for those start methods (oracle/overlay.py). What is missing is
installed by the project's script first (install-debian-packages: Debian's
pypy3, python3-billiard, python3-multiprocess); what still is not there is
skipped, and the report says why. The run needs a default build
(build/default/conformance/pyproc-conform).

DIR (default build/matrix) gets results/ (run.json, ID.jsonl and ID.log per
implementation), expected-*/ (the merged expectations) and report/
(index.html, cases/NNNN.html, summary.md). Exit status 0 when every
implementation that ran ran to its end (failing cases are the report's
business, not an error), 2 on a usage error or a runner that refused the run.
Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "oracle"))

import implementations  # noqa: E402
import overlay  # noqa: E402
import report  # noqa: E402

RUNNER = "build/default/conformance/pyproc-conform"
INSTALL = os.path.join(HERE, "install-debian-packages")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--implementations", default="",
                   help="comma-separated globs of implementation ids (default: all; "
                        "--list shows them)")
    p.add_argument("--list", action="store_true", help="list the implementations and exit")
    p.add_argument("--only", nargs="+", default=[], metavar="ID", help="only these cases")
    p.add_argument("-j", "--jobs", type=int, default=2,
                   help="pyproc-conform --jobs for each implementation (default 2)")
    p.add_argument("--timeout", type=float, help="pyproc-conform --timeout")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "matrix"))
    p.add_argument("--runner", default=os.path.join(ROOT, RUNNER),
                   help="pyproc-conform (default: the default build's)")
    p.add_argument("--cpp-driver", help="pyproc-driver for pyproc-cpp (default: "
                   "the default build's)")
    p.add_argument("--no-install", action="store_true",
                   help="skip what is missing instead of installing it")
    return p.parse_args(argv)


def git_commit():
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             check=True).stdout.decode().strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL).stdout.strip()
        return sha + ("+uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def availability(impl, allow_install, log):
    """None if ``impl`` can run now (installing it first if allowed and it
    has packages), else why not."""
    why = impl.missing(ROOT)
    if why is None or not impl.apt:
        return why
    if not allow_install:
        return why + " (--no-install)"
    log("%s: %s; installing %s" % (impl.id, why, " ".join(impl.apt)))
    done = subprocess.run([INSTALL, *impl.apt], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        return "%s; install-debian-packages %s failed: %s" % (
            why, " ".join(impl.apt), done.stdout.decode("utf-8", "replace").strip()[-300:])
    return impl.missing(ROOT)


def expected_dir(impl, out):
    """The expected files that judge ``impl``, relative to ROOT when they
    are the repository's."""
    if impl.start_method == "fork":
        return os.path.join("conformance", "expected")
    dest = os.path.join(out, "expected-" + impl.start_method)
    overlay.merge(os.path.join(ROOT, "conformance", "expected"),
                  overlay.overlay_dir(impl.start_method), dest)
    return os.path.relpath(dest, ROOT)


def run_one(impl, args, results, log):
    entry = {"id": impl.id, "label": impl.label, "command": impl.command,
             "start_method": impl.start_method}
    why = availability(impl, not args.no_install, log)
    if why:
        log("%s: skipped: %s" % (impl.id, why))
        return dict(entry, status="skipped", reason=why)
    entry["expected_dir"] = expected_dir(impl, args.out)
    jsonl = os.path.join(results, impl.id + ".jsonl")
    cmd = [args.runner, "--jobs", str(args.jobs), "--json-lines", jsonl,
           "--expected", entry["expected_dir"]]
    if impl.deviations:
        cmd += ["--deviations", impl.deviations]
    if args.timeout:
        cmd += ["--timeout", str(args.timeout)]
    if args.only:
        cmd += ["--only", *args.only]
    cmd += ["--", *impl.command]
    log("%s: %s" % (impl.id, " ".join(cmd)))
    started = time.monotonic()
    with open(os.path.join(results, impl.id + ".log"), "wb") as out:
        status = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT).returncode
    entry["wall_seconds"] = round(time.monotonic() - started, 1)
    entry["exit_status"] = status
    if status not in (0, 1) or not os.path.exists(jsonl):
        log("%s: the runner refused the run (exit %d); see %s.log" % (impl.id, status, impl.id))
        return dict(entry, status="error",
                    reason="pyproc-conform exited %d; see results/%s.log" % (status, impl.id))
    identities = []
    with open(jsonl, encoding="utf-8") as f:
        for line in f:
            ident = json.loads(line).get("implementation")
            if ident and ident not in identities:
                identities.append(ident)
    entry.update(status="ran", results=impl.id + ".jsonl",
                 identity=identities[0] if identities else None)
    if len(identities) > 1:
        entry["note"] = "the driver gave %d identities" % len(identities)
    log("%s: done in %.0f s" % (impl.id, entry["wall_seconds"]))
    return entry


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    patterns = [p for p in args.implementations.split(",") if p]
    try:
        chosen = implementations.select(patterns)
    except ValueError as e:
        sys.stderr.write("run.py: %s\n" % e)
        return 2
    if args.cpp_driver:
        for impl in chosen:
            if impl.id == "pyproc-cpp":
                impl.command = [os.path.abspath(args.cpp_driver)]
    if args.list:
        for impl in implementations.ALL:
            print("%-26s %s" % (impl.id, impl.label))
        return 0
    if not os.access(args.runner, os.X_OK):
        sys.stderr.write("run.py: no runner at %s (cmake --preset default && cmake "
                         "--build --preset default)\n" % args.runner)
        return 2
    args.out = os.path.abspath(args.out)
    results = os.path.join(args.out, "results")
    os.makedirs(results, exist_ok=True)

    def log(message):
        sys.stderr.write("matrix: %s\n" % message)
        sys.stderr.flush()

    started = now()
    entries = [run_one(impl, args, results, log) for impl in chosen]
    case_count = len(args.only) if args.only else len(
        [n for n in os.listdir(os.path.join(ROOT, "conformance", "cases")) if n.endswith(".json")])
    meta = {"started": started, "finished": now(), "commit": git_commit(),
            "machine": "%s %s, %d CPU(s)" % (platform.system(), platform.release(),
                                             os.cpu_count() or 0),
            "case_count": case_count, "only": args.only, "jobs": args.jobs,
            "implementations": entries}
    with open(os.path.join(results, "run.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    report_dir = os.path.join(args.out, "report")
    run = report.write_report(results, report_dir, ROOT)
    sys.stdout.write(report.summary_markdown(run))
    log("report: %s" % os.path.join(report_dir, "index.html"))
    return 2 if any(e["status"] == "error" for e in entries) else 0


if __name__ == "__main__":
    sys.exit(main())
