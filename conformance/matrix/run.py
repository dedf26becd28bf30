#!/usr/bin/env python3
"""The conformance matrix: runs the suite against every implementation this
machine has (or can install) and writes a static HTML report.

    python3 conformance/matrix/run.py [--implementations GLOB,...] [--only ID ...]
                                      [--implementation FILE ...] [--build DIR]
                                      [--shard K/N] [--jobs N] [--repeat N] [--out DIR]
                                      [--no-install]
    python3 conformance/matrix/run.py --merge DIR... [--out DIR]

Every implementation is one file of data: conformance/matrix/implementations/
ID.json, plus any file given with --implementation (format: README.md, "An
implementation is one file"); adding one needs no code.

One implementation after the other, each through pyproc-conform (the
runner's own --jobs, --json-lines) with the expected files that judge it:
conformance/expected/ (CPython 3.11, fork) overlaid with the overlay of the
Python version the implementation declares (conformance/expected-py3.9/, ...)
and with its start method's (conformance/expected-spawn/ or -forkserver/):
oracle/overlay.py, spec/protocol.md section 7. What is missing is
installed by the project's script first (install-debian-packages: Debian's
pypy3, python3-billiard, python3-multiprocess); what still is not there is
skipped, and the report says why. The run needs a build (--build DIR, else
$PYPROC_BUILD_DIR, else build/default): its conformance/pyproc-conform, and
"{build}" in an implementation's driver command is that directory.

--shard K/N runs the K-th of N parts of the selection of cases (the runner's
--shard) for every implementation, so that N machines share a matrix; --merge
joins the result directories of the N shards into one run and one report, the
same as an unsharded run's (a case missing from every shard, or in two, is an
error, exit 2).

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
import scope as scope_of_cases  # noqa: E402
import report  # noqa: E402
import shards  # noqa: E402

INSTALL = os.path.join(HERE, "install-debian-packages")


def default_build():
    return os.environ.get("PYPROC_BUILD_DIR") or os.path.join(ROOT, "build", "default")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--implementations", default="",
                   help="comma-separated globs of implementation ids (default: all; "
                        "--list shows them)")
    p.add_argument("--implementation", action="append", default=[], metavar="FILE",
                   help="also this implementation's data file (out of the tree; repeatable)")
    p.add_argument("--list", action="store_true", help="list the implementations and exit")
    p.add_argument("--only", nargs="+", default=[], metavar="ID",
                   help="only these cases (ids, ranges 0300-0399, globs '06*')")
    p.add_argument("--shard", metavar="K/N",
                   help="run only the K-th of N parts of the selected cases (pyproc-conform "
                        "--shard); --merge joins the parts")
    p.add_argument("--merge", nargs="+", metavar="DIR",
                   help="join the --out directories (or their results/) of the N shards of "
                        "one run into --out, and report; runs nothing")
    p.add_argument("-j", "--jobs", type=int, default=2,
                   help="pyproc-conform --jobs for each implementation (default 2)")
    p.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="pyproc-conform --repeat for each implementation: run every case N "
                        "times; a case whose outcome changes is FLAKY (default 1)")
    p.add_argument("--timeout", type=float, help="pyproc-conform --timeout")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "matrix"))
    p.add_argument("--previous", metavar="DIR",
                   help="an earlier run's --out: the report marks new failures, fixed and "
                        "flaky cases against it (keep it apart from this run's --out)")
    p.add_argument("--build", default=default_build(),
                   help="the build directory (default: $PYPROC_BUILD_DIR, else build/default)")
    p.add_argument("--runner", help="pyproc-conform (default: the build's)")
    p.add_argument("--cpp-driver", help="pyproc-driver for pyproc-cpp (default: "
                   "the build's)")
    p.add_argument("--no-install", action="store_true",
                   help="skip what is missing instead of installing it")
    args = p.parse_args(argv)
    if not 1 <= args.repeat <= 10000:
        p.error("--repeat %d: must be 1..10000" % args.repeat)
    if args.shard is not None:
        try:
            args.shard_k, args.shard_n = parse_shard(args.shard)
        except ValueError as e:
            p.error(str(e))
    if args.merge and (args.shard or args.only or args.implementation or args.list):
        p.error("--merge takes the shards' results as they are: no --shard, --only, "
                "--implementation or --list with it")
    args.build = os.path.abspath(args.build)
    args.runner = os.path.abspath(args.runner or os.path.join(args.build, "conformance",
                                                               "pyproc-conform"))
    return args


def parse_shard(text):
    """(K, N) of "K/N", as the runner's --shard reads it; ValueError naming
    ``text`` otherwise."""
    k, slash, n = text.partition("/")
    if not (slash and k.isdigit() and n.isdigit() and k.isascii() and n.isascii()
            and len(k) <= 6 and len(n) <= 6):
        raise ValueError("--shard %s: expected K/N, two whole numbers (2/4: the second "
                         "of four)" % text)
    k, n = int(k), int(n)
    if not 1 <= n <= 100000:
        raise ValueError("--shard %s: N must be 1..100000" % text)
    if not 1 <= k <= n:
        raise ValueError("--shard %s: K must be 1..%d (shards are numbered from 1)" % (text, n))
    return k, n


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


def implementation_scope(impl):
    """The modules ``impl`` is judged on: those its file names under
    "modules" (billiard: multiprocessing; gevent: os, subprocess), or None,
    every module, for a whole interpreter or pyproc."""
    modules = sorted(getattr(impl, "modules", None) or {})
    return modules or None


def expected_dir(impl, out):
    """The expected files that judge ``impl``: the reference overlaid with
    the overlay of the Python version it declares and with its start
    method's (oracle/overlay.py); relative to ROOT when they are the
    repository's own. overlay.OverlayError for a version without any."""
    version = getattr(impl, "python_version", None)
    if impl.start_method == "fork" and version in (None, overlay.REFERENCE_VERSION):
        return os.path.join("conformance", "expected")
    name = "expected-%s-%s" % (version or overlay.REFERENCE_VERSION, impl.start_method)
    dest = os.path.join(out, name)
    overlay.expectation(dest, version, impl.start_method)
    return os.path.relpath(dest, ROOT)


def selected_cases(args, shard=None):
    """The ids of the cases the run takes (all of its shards), as the
    runner selects them (its --list), or of one shard."""
    cmd = [args.runner, "--list"] + (["--only", *args.only] if args.only else [])
    if shard:
        cmd += ["--shard", shard]
    done = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise ValueError(done.stderr.decode("utf-8", "replace").strip() or
                         "%s exited %d" % (" ".join(cmd), done.returncode))
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return [line.split()[0] for line in lines if line[:1].isdigit() and
            not line.endswith(" case(s)")]


def run_one(impl, args, results, log):
    entry = {"id": impl.id, "label": impl.label, "command": impl.command,
             "start_method": impl.start_method, **impl.describe()}
    why = availability(impl, not args.no_install, log)
    if why:
        log("%s: skipped: %s" % (impl.id, why))
        return dict(entry, status="skipped", reason=why)
    try:
        entry["expected_dir"] = expected_dir(impl, args.out)
    except overlay.OverlayError as e:
        log("%s: %s" % (impl.id, e))
        return dict(entry, status="error", reason=str(e))
    jsonl = os.path.join(results, impl.id + ".jsonl")
    cmd = [args.runner, "--jobs", str(args.jobs), "--json-lines", jsonl,
           "--expected", entry["expected_dir"]]
    if impl.deviations:
        cmd += ["--deviations", impl.deviations]
    if args.repeat > 1:
        cmd += ["--repeat", str(args.repeat)]
    if args.timeout:
        cmd += ["--timeout", str(args.timeout)]
    if args.only:
        cmd += ["--only", *args.only]
    # Only the cases that exercise a module the implementation provides:
    # the others test the standard library it runs on (oracle/scope.py).
    scope = implementation_scope(impl)
    if scope is not None:
        entry["scope"] = scope
        entry["out_of_scope"] = scope_of_cases.out_of_scope(scope)
        if entry["out_of_scope"]:
            cmd += ["--skip", *entry["out_of_scope"]]
    if args.shard:
        cmd += ["--shard", args.shard]
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


def log(message):
    sys.stderr.write("matrix: %s\n" % message)
    sys.stderr.flush()


def previous_results(path):
    """The results directory of an earlier run given as its --out (or as
    that results directory itself); ValueError when it is neither."""
    for candidate in (os.path.join(path, "results"), path):
        if os.path.isfile(os.path.join(candidate, "run.json")):
            return os.path.abspath(candidate)
    raise ValueError("--previous %s: no run.json there or in its results/ (give an earlier "
                     "run's --out, kept apart from this run's)" % path)


def write_run(meta, results, out, previous=None):
    """run.json, the report (compared with ``previous``, an earlier run's
    results, when given), and the summary on stdout."""
    with open(os.path.join(results, "run.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    report_dir = os.path.join(out, "report")
    run = report.write_report(results, report_dir, ROOT, previous)
    sys.stdout.write(report.summary_markdown(run))
    log("report: %s" % os.path.join(report_dir, "index.html"))


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    previous = None
    if args.previous:
        try:
            previous = previous_results(args.previous)
        except ValueError as e:
            sys.stderr.write("run.py: %s\n" % e)
            return 2
        if previous == os.path.join(os.path.abspath(args.out), "results"):
            sys.stderr.write("run.py: --previous %s is this run's own --out: this run would "
                             "overwrite what it compares with\n" % args.previous)
            return 2
    if args.merge:
        try:
            merged = shards.merge(args.merge, os.path.abspath(args.out))
        except shards.MergeError as e:
            sys.stderr.write("run.py: --merge: %s\n" % e)
            return 2
        for entry in merged["implementations"]:
            # The version's and start method's expectations, made again
            # here: a shard's were made in its own --out, perhaps on
            # another machine.
            if entry.get("expected_dir") and entry["expected_dir"] != os.path.join(
                    "conformance", "expected"):
                entry["expected_dir"] = expected_dir(
                    argparse.Namespace(start_method=entry["start_method"],
                                       python_version=entry.get("python_version")),
                    os.path.abspath(args.out))
        write_run(merged, os.path.join(os.path.abspath(args.out), "results"),
                  os.path.abspath(args.out), previous)
        return 2 if any(e["status"] == "error" for e in merged["implementations"]) else 0
    patterns = [p for p in args.implementations.split(",") if p]
    try:
        every = implementations.load(args.implementation, build=args.build)
        chosen = implementations.select(patterns, every)
    except ValueError as e:  # FormatError too
        sys.stderr.write("run.py: %s\n" % e)
        return 2
    if args.cpp_driver:
        for impl in chosen:
            if impl.id == "pyproc-cpp":
                impl.command = [os.path.abspath(args.cpp_driver)]
    if args.list:
        for impl in every:
            print("%-26s %s" % (impl.id, impl.label))
        return 0
    if not os.access(args.runner, os.X_OK):
        sys.stderr.write("run.py: no runner at %s (cmake --preset default && cmake "
                         "--build --preset default, or --build DIR)\n" % args.runner)
        return 2
    try:
        selection = selected_cases(args)
        shard_cases = selected_cases(args, args.shard) if args.shard else None
    except ValueError as e:
        sys.stderr.write("run.py: %s\n" % e)
        return 2
    args.out = os.path.abspath(args.out)
    results = os.path.join(args.out, "results")
    os.makedirs(results, exist_ok=True)

    started = now()
    entries = [run_one(impl, args, results, log) for impl in chosen]
    meta = {"started": started, "finished": now(), "commit": git_commit(),
            "machine": "%s %s, %d CPU(s)" % (platform.system(), platform.release(),
                                             os.cpu_count() or 0),
            "case_count": len(selection), "only": args.only, "jobs": args.jobs,
            "repeat": args.repeat,
            "selection": selection, "implementations": entries}
    if args.shard:
        meta["shard"] = {"index": args.shard_k, "count": args.shard_n, "cases": shard_cases}
    write_run(meta, results, args.out, previous)
    return 2 if any(e["status"] == "error" for e in entries) else 0


if __name__ == "__main__":
    sys.exit(main())
