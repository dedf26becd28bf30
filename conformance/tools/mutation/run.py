#!/usr/bin/env python3
"""Mutation testing of impl/ by the conformance cases alone (issue 18, "Suite strength").

Each mutant in mutants.json is one small change of one spot of impl/src or impl/include
(the text `find`, which must occur exactly once in `file`, becomes `replace`). The script
applies the mutants ONE AT A TIME in a scratch copy of the source tree (never in the tree it
is run from), rebuilds only the C++ driver (pyproc-driver and the library it links), runs the
whole conformance suite with the runner and records, per mutant:

  killed         the suite failed (a case FAILed, HUNG, ...): the cases caught it
  survived       the suite passed: nothing caught it
  compile-error  the mutant does not build: reported, not counted
  error          the runner itself could not run (exit 2): not counted

Score = killed / (killed + survived). A survivor that the data explains (`survives`:
equivalent, or not expressible in the protocol, with its reason) is reported as such, and
still counts as a survivor in the score.

    python3 conformance/tools/mutation/run.py                  # every mutant
    python3 conformance/tools/mutation/run.py --only NAME ...  # some (names or globs)
    python3 conformance/tools/mutation/run.py --list           # names and descriptions
    python3 conformance/tools/mutation/run.py --check          # the data is well-formed and
                                                               # every mutant applies (no build)

Standard library only. The scratch copy (default /tmp/pyproc-mutation, --scratch) keeps its
build directory between runs: each mutant costs an incremental rebuild of one source file,
a relink, and one run of the suite until its first failing case: the cases that killed the
mutant last time (kept in the scratch copy) run first, then those citing clauses of its area
(MP-, OS-, SP-), then the rest. --all-cases runs every case and lists every one that fails.
"""

import argparse
import contextlib
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
MUTANTS = os.path.join(HERE, "mutants.json")
AREAS = ("process", "os", "subprocess", "core")
SURVIVAL_KINDS = ("equivalent", "unexpressible")
# What the suite needs besides the driver: built once per scratch copy.
SUITE_TARGETS = ["pyproc-conform", "pyproc-warden", "pyproc-helper"]
DRIVER_TARGET = "pyproc-driver"


class DataError(Exception):
    pass


def load_mutants(path=MUTANTS):
    """Reads and checks the mutants file; DataError names the mutant and field at fault."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise DataError(f"{path}: cannot read: {e}")
    if not isinstance(doc, dict) or not isinstance(doc.get("mutants"), list):
        raise DataError(f'{path}: the top level must be an object with a "mutants" list')
    seen = set()
    for i, m in enumerate(doc["mutants"]):
        where = f"{path}: mutants[{i}]"
        if not isinstance(m, dict):
            raise DataError(f"{where}: not an object")
        name = m.get("name")
        if not isinstance(name, str) or not name or not all(
            c.isalnum() or c in "-_." for c in name
        ):
            raise DataError(f"{where}: name must be a non-empty string of [A-Za-z0-9._-]")
        where = f"{path}: mutant {name}"
        if name in seen:
            raise DataError(f"{where}: the name is used twice")
        seen.add(name)
        allowed = {"name", "area", "file", "find", "replace", "description", "survives"}
        extra = set(m) - allowed
        if extra:
            raise DataError(f"{where}: unknown field(s) {sorted(extra)}")
        for field in ("area", "file", "find", "replace", "description"):
            if not isinstance(m.get(field), str):
                raise DataError(f"{where}: {field} must be a string")
        if m["area"] not in AREAS:
            raise DataError(f"{where}: area must be one of {', '.join(AREAS)}")
        if not (m["file"].startswith("impl/src/") or m["file"].startswith("impl/include/")):
            raise DataError(f"{where}: file must be under impl/src or impl/include")
        if not m["find"] or m["find"] == m["replace"]:
            raise DataError(f"{where}: find must be non-empty and differ from replace")
        if len(m["description"]) < 10:
            raise DataError(f"{where}: the description must say what the mutant breaks")
        if "survives" in m:
            s = m["survives"]
            if (
                not isinstance(s, dict)
                or s.get("kind") not in SURVIVAL_KINDS
                or not isinstance(s.get("reason"), str)
                or len(s["reason"]) < 20
                or set(s) - {"kind", "reason"}
            ):
                raise DataError(
                    f"{where}: survives must be {{\"kind\": one of {SURVIVAL_KINDS}, "
                    '"reason": why no case can kill it}'
                )
    return doc["mutants"]


def mutate(text, mutant):
    """The mutated text; DataError unless `find` occurs exactly once."""
    count = text.count(mutant["find"])
    if count != 1:
        raise DataError(
            f"mutant {mutant['name']}: its find text occurs {count} times in {mutant['file']}"
            " (it must occur exactly once)"
        )
    return text.replace(mutant["find"], mutant["replace"])


def check_applies(mutants, tree):
    """Every mutant applies to `tree`'s files; returns the list of errors."""
    errors = []
    for m in mutants:
        path = os.path.join(tree, m["file"])
        try:
            with open(path, encoding="utf-8") as f:
                mutate(f.read(), m)
        except OSError as e:
            errors.append(f"mutant {m['name']}: cannot read {m['file']}: {e.strerror}")
        except DataError as e:
            errors.append(str(e))
    return errors


def source_files(source):
    out = subprocess.run(
        ["git", "-C", source, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True,
        stdout=subprocess.PIPE,
    ).stdout.decode()
    return [p for p in out.split("\0") if p and not p.startswith("build/")]


def sync(source, dest):
    """Copies the source tree's files (tracked and untracked, not ignored) into dest,
    writing only those whose bytes differ, so that the build stays incremental. Returns
    the paths written."""
    copied = []
    for rel in source_files(source):
        src = os.path.join(source, rel)
        dst = os.path.join(dest, rel)
        if not os.path.isfile(src) or os.path.islink(src):
            continue
        with open(src, "rb") as f:
            data = f.read()
        try:
            with open(dst, "rb") as f:
                if f.read() == data:
                    continue
        except OSError:
            pass
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
        shutil.copymode(src, dst)
        copied.append(rel)
    return copied


def run(cmd, log, **kw):
    with open(log, "ab") as f:
        f.write(("\n$ " + " ".join(cmd) + "\n").encode())
        f.flush()
        return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, **kw).returncode


class Scratch:
    def __init__(self, path, jobs):
        self.path = os.path.abspath(path)
        self.src = os.path.join(self.path, "src")
        self.build = os.path.join(self.path, "build")
        self.log = os.path.join(self.path, "build.log")
        # Present while the unmutated suite is known to pass on this copy as it is.
        self.baseline_ok = os.path.join(self.path, "baseline-passed")
        self.jobs = jobs

    def prepare(self, source):
        if os.path.realpath(self.src).startswith(os.path.realpath(source) + os.sep) or (
            os.path.realpath(self.src) == os.path.realpath(source)
        ):
            sys.exit(f"run.py: the scratch copy {self.src} must lie outside {source}")
        os.makedirs(self.src, exist_ok=True)
        copied = sync(source, self.src)
        print(f"scratch copy {self.src}: {len(copied)} file(s) updated from {source}", flush=True)
        if any(not p.startswith("conformance/tools/mutation/") for p in copied):
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.baseline_ok)
        if not os.path.exists(os.path.join(self.build, "build.ninja")):
            rc = run(
                [
                    "cmake", "-S", self.src, "-B", self.build, "-G", "Ninja",
                    "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DPYPROC_BENCHMARKS=OFF",
                    "-DPYPROC_BUILD_TESTS=OFF",
                ],
                self.log,
            )
            if rc:
                sys.exit(f"run.py: cmake failed in {self.build}; see {self.log}")
        if self.ninja(SUITE_TARGETS + [DRIVER_TARGET]):
            sys.exit(f"run.py: the unmutated tree does not build; see {self.log}")

    def ninja(self, targets):
        return run(["ninja", "-C", self.build, f"-j{self.jobs}"] + targets, self.log)

    def suite(self, results, first_only=False, tiers=()):
        """Runs the whole suite; (runner exit code, the cases that did not pass as
        "id:OUTCOME"). With first_only the runner is stopped (SIGTERM, after which it
        removes what its cases left) at the first case that does not pass, and exit code
        1 is reported: one failing case is all a kill needs. Then the case ids of each
        tier in `tiers` (those that killed this mutant last time, those of its area) run
        before the rest, each tier in a run of its own."""
        if os.path.exists(results):
            os.remove(results)
        b = os.path.join(self.build, "conformance")
        base = [
            os.path.join(b, "pyproc-conform"), "--jobs", str(self.jobs),
            "--cases", os.path.join(self.src, "conformance/cases"),
            "--expected", os.path.join(self.src, "conformance/expected"),
            "--deviations", os.path.join(self.src, "conformance/deviations/cpp.json"),
        ]
        driver = ["--", os.path.join(b, DRIVER_TARGET)]
        done = []
        if first_only:
            for tier in tiers:
                tier = [i for i in tier if i not in done]
                if not tier:
                    continue
                rc, failed = self._run(base + ["--only"] + tier + driver, True)
                if rc == 1:
                    return rc, failed
                done += tier
        skip = ["--skip"] + done if done else []
        return self._run(base + skip + ["--json-lines", results] + driver, first_only)

    def area_cases(self):
        """Case ids by the area of their clauses (MP-: process, OS-: os, SP-: subprocess)."""
        areas = {"MP": "process", "OS": "os", "SP": "subprocess"}
        out = {a: [] for a in areas.values()}
        cases = os.path.join(self.src, "conformance/cases")
        for name in sorted(os.listdir(cases)):
            try:
                with open(os.path.join(cases, name), encoding="utf-8") as f:
                    clauses = json.load(f).get("clauses", [])
            except (OSError, ValueError, AttributeError):
                continue
            for area in {areas.get(c.split("-")[0]) for c in clauses} - {None}:
                out[area].append(name[: -len(".json")])
        return out

    def _run(self, cmd, first_only):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        failed = []
        line_re = re.compile(r"^(\d{4})  ([A-Z]+)  ")
        try:
            for line in proc.stdout:
                match = line_re.match(line)
                if match and match.group(2) not in ("PASS", "XFAIL"):
                    failed.append(f"{match.group(1)}:{match.group(2)}")
                    if first_only:
                        break
        finally:
            if proc.poll() is None:
                proc.terminate()  # the runner then ends its cases and removes their files
            proc.stdout.close()
            rc = proc.wait()
        if first_only and failed:
            rc = 1
        return rc, failed

    def try_mutant(self, m, first_only, tiers=()):
        path = os.path.join(self.src, m["file"])
        with open(path, encoding="utf-8") as f:
            original = f.read()
        mutated = mutate(original, m)
        start = time.monotonic()
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(mutated)
            if self.ninja([DRIVER_TARGET]):
                verdict, failed = "compile-error", []
            else:
                rc, failed = self.suite(
                    os.path.join(self.path, "results.jsonl"), first_only, tiers
                )
                verdict = {0: "survived", 1: "killed"}.get(rc, "error")
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        return {
            "name": m["name"],
            "area": m["area"],
            "verdict": verdict,
            "failed": failed,
            "seconds": round(time.monotonic() - start, 1),
        }


def select(mutants, only):
    if not only:
        return mutants
    chosen = [m for m in mutants if any(fnmatch.fnmatchcase(m["name"], p) for p in only)]
    unknown = [p for p in only if not any(fnmatch.fnmatchcase(m["name"], p) for m in mutants)]
    if unknown:
        sys.exit(f"run.py: no mutant named {', '.join(unknown)} (see --list)")
    return chosen


def summary(rows, mutants):
    by_name = {m["name"]: m for m in mutants}
    killed = sum(r["verdict"] == "killed" for r in rows)
    survived = [r for r in rows if r["verdict"] == "survived"]
    counted = killed + len(survived)
    lines = []
    for r in survived:
        s = by_name[r["name"]].get("survives")
        why = f"explained ({s['kind']}): {s['reason']}" if s else "NOT EXPLAINED"
        lines.append(f"  survivor {r['name']}: {why}")
    for r in rows:
        if r["verdict"] in ("compile-error", "error"):
            lines.append(f"  {r['verdict']} {r['name']} (not counted)")
    score = 100.0 * killed / counted if counted else 0.0
    lines.append(
        f"score: {killed} killed of {counted} counted = {score:.1f}% "
        f"({len(rows)} run, {len(rows) - counted} not counted)"
    )
    return "\n".join(lines), score


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run these mutants (names or globs)")
    ap.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    ap.add_argument("--check", action="store_true",
                    help="check the data and that every mutant applies to the source tree")
    ap.add_argument("--source", default=ROOT, help="the tree to copy (default: this checkout)")
    ap.add_argument("--scratch", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                      "pyproc-mutation"),
                    help="the scratch copy and its build (default: $TMPDIR/pyproc-mutation)")
    ap.add_argument("--jobs", type=int, default=2, help="build jobs and cases at once (2)")
    ap.add_argument("--report", help="also write the per-mutant results here (JSON)")
    ap.add_argument("--all-cases", action="store_true",
                    help="run every case for every mutant (default: stop at its first kill)")
    args = ap.parse_args(argv)

    try:
        mutants = load_mutants()
    except DataError as e:
        sys.exit(f"run.py: {e}")
    chosen = select(mutants, args.only)
    if args.list:
        for m in chosen:
            tag = f"  [survives: {m['survives']['kind']}]" if "survives" in m else ""
            print(f"{m['name']:40} {m['area']:10} {m['file']}{tag}\n    {m['description']}")
        print(f"{len(chosen)} mutant(s)")
        return 0
    errors = check_applies(chosen, args.source)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 2
    if args.check:
        print(f"{len(chosen)} mutant(s) well-formed, each applies exactly once")
        return 0

    scratch = Scratch(args.scratch, args.jobs)
    scratch.prepare(os.path.abspath(args.source))
    if not os.path.exists(scratch.baseline_ok):
        rc, failed = scratch.suite(os.path.join(scratch.path, "results.jsonl"))
        if rc != 0:
            print(f"run.py: the unmutated suite does not pass (exit {rc}): {' '.join(failed)}",
                  file=sys.stderr)
            return 2
        open(scratch.baseline_ok, "w").close()
        print("unmutated suite passes", flush=True)
    else:
        print("unmutated suite passed on this copy before: not run again", flush=True)
    # SIGTERM as ^C, and ^C even where a shell started this in the background (with SIGINT
    # ignored): the mutated file is put back before the script ends.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    rows = []
    # The cases that killed each mutant last time run first, then those of its area: a
    # kill then costs seconds, not a whole run of the suite.
    areas = scratch.area_cases()
    killers_file = os.path.join(scratch.path, "killers.json")
    try:
        with open(killers_file, encoding="utf-8") as f:
            killers = json.load(f)
    except (OSError, ValueError):
        killers = {}
    try:
        for m in chosen:
            first = [f.split(":")[0] for f in killers.get(m["name"], [])][:3]
            r = scratch.try_mutant(m, not args.all_cases, [first, areas.get(m["area"], [])])
            if r["verdict"] == "killed":
                killers[m["name"]] = r["failed"]
                with open(killers_file, "w", encoding="utf-8") as f:
                    json.dump(killers, f, indent=1)
            rows.append(r)
            detail = " ".join(r["failed"][:6]) + (" ..." if len(r["failed"]) > 6 else "")
            print(f"{r['verdict']:14} {r['name']:40} {r['seconds']:6.1f}s  {detail}", flush=True)
    finally:
        scratch.ninja([DRIVER_TARGET])  # leave the scratch build unmutated
        if args.report:
            with open(args.report, "w", encoding="utf-8") as f:
                json.dump(rows, f, indent=1)
    text, _ = summary(rows, mutants)
    print(text)
    return 0 if all(r["verdict"] != "error" for r in rows) else 2


if __name__ == "__main__":
    sys.exit(main())
