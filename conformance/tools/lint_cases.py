#!/usr/bin/env python3
"""Checks the conformance case files against spec/protocol.md §2-§4 and the
traceability between cases and spec clauses.

The schema itself (keys, ops, values) is oracle/casefile.py's, the one the
CPython driver checks a case with; this tool reports every problem it finds,
not just the first, and adds the checks that need more than one case (the
file's name, the clauses of spec/) and advice the schema allows to pass (a
clause cited twice, unreachable steps, unbalanced events).

    python3 conformance/tools/lint_cases.py [--root DIR] [CASE_FILE ...]

With no CASE_FILE, every file of conformance/cases/ is checked, and so is
traceability: every clause of spec/*.md (except those with a ``Status:
not-applicable`` or ``Status: not-expressible`` line) is cited by at least one
case; a clause marked ``Status: withdrawn`` (or not-applicable) must not be
cited. With CASE_FILEs, only those files are checked (no traceability).

Each error is printed on one line as ``FILE: JSON-PATH: message``; all errors
are reported. Exit status: 0 clean, 1 errors, 2 usage error.

Standard library only; Python 3.8 or later.
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The case-file schema is defined once, by the oracle (oracle/casefile.py);
# this tool adds what needs more than one case file, and advice.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "oracle"))

import casefile  # noqa: E402

CASE_FILE = re.compile(r"([0-9]{4,})\.json\Z")
q = casefile.q
# signal_self yields null when the signal does not end the process, so steps
# may follow it; after the others nothing runs.
ALWAYS_ENDING = set(casefile.ENDING_OPS) - {"signal_self"}

# ---------------------------------------------------------------- the spec
CLAUSE_HEADING = re.compile(r"#{1,6}\s+([A-Z][A-Z0-9]*-[0-9]{3,})\b")
ANY_HEADING = re.compile(r"#{1,6}\s")
EXEMPT_STATUS = re.compile(r"Status:\s*(not-applicable|not-expressible|withdrawn)\b")


class Clause:
    def __init__(self, cid, path, line):
        self.id = cid
        self.path = path
        self.line = line
        # "not-applicable" / "not-expressible" / "withdrawn" / None
        self.exempt = None


def read_clauses(spec_dir, report):
    """{clause id: Clause} from the headings of every spec/*.md."""
    clauses = {}
    try:
        names = sorted(n for n in os.listdir(spec_dir) if n.endswith(".md"))
    except OSError as e:
        report(spec_dir, "", "cannot list the spec directory: %s" % e)
        return clauses
    for name in names:
        path = os.path.join(spec_dir, name)
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except (OSError, UnicodeDecodeError) as e:
            report(path, "", "cannot read: %s" % e)
            continue
        current = None
        in_fence = False
        for number, line in enumerate(lines, 1):
            if line.startswith("```"):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            m = CLAUSE_HEADING.match(line)
            if m:
                cid = m.group(1)
                if cid in clauses:
                    first = clauses[cid]
                    report(path, cid, "clause heading repeated (first at %s:%d); "
                           "clause numbers are never reused"
                           % (first.path, first.line))
                    current = None
                    continue
                current = clauses[cid] = Clause(cid, path, number)
                continue
            if ANY_HEADING.match(line):
                current = None
                continue
            if current is not None:
                s = EXEMPT_STATUS.match(line)
                if s:
                    current.exempt = s.group(1)
    return clauses


# ---------------------------------------------------------------- case files
def advice(case, stem):
    """(JSON path, message) for what is wrong with ``case`` beyond the schema
    of casefile.problems: its id against the file's stem, and mistakes the
    schema allows (a clause cited twice, steps that never run, events that
    synchronise nothing or wait forever)."""
    found = []
    if not isinstance(case, dict):
        return found
    cid = case.get("id")
    if stem is not None and isinstance(cid, str) \
            and casefile.CASE_ID.match(cid) and cid != stem:
        found.append(("id", "%s does not equal the file's stem %s"
                      % (q(cid), q(stem))))
    if isinstance(case.get("clauses"), list):
        seen = set()
        for i, c in enumerate(case["clauses"]):
            if isinstance(c, str):
                if c in seen:
                    found.append(("clauses[%d]" % i, "%s is cited twice" % q(c)))
                seen.add(c)
    steps = case.get("steps")
    found += unreachable_steps(steps) + unbalanced_events(steps)
    return found


def unreachable_steps(steps):
    found = []
    ended_at = {}  # path of a steps list -> the step that ended it
    for where, step in casefile.walk(steps):
        owner = where[:where.rindex("[")]  # "steps[0].target[2]" -> "steps[0].target"
        if ended_at.get(owner):
            found.append((where, "unreachable: %s ends the process before "
                          "this step" % ended_at[owner]))
            ended_at[owner] = None  # report once per list
        op = step.get("op") if isinstance(step, dict) else None
        if isinstance(op, str) and op in ALWAYS_ENDING:
            ended_at[owner] = "%s (%s)" % (where, q(op))
    return found


def unbalanced_events(steps):
    # Without loops every step runs at most once, so an event awaited more
    # often than it is notified would leave a process waiting forever. An
    # event whose descriptor a program receives ({"event_fd"}, §4.9) is also
    # notified or awaited by that program, which no step shows: not counted.
    found = []
    by_programs = {name for name, _ in casefile.expression_events(steps)}
    notifies = {}  # event -> count of notify steps
    awaits = {}    # event -> [paths of await steps]
    for where, step in casefile.walk(steps):
        if not isinstance(step, dict):
            continue
        e = step.get("event")
        if not isinstance(e, str) or not e or e in by_programs:
            continue
        if step.get("op") == "notify":
            notifies[e] = notifies.get(e, 0) + 1
        elif step.get("op") == "await":
            awaits.setdefault(e, []).append(where)
    for e, paths in sorted(awaits.items()):
        n = notifies.get(e, 0)
        if n == 0:
            found.append((paths[0], "event %s is awaited but never notified"
                          % q(e)))
        elif len(paths) > n:
            found.append((paths[n], "event %s is awaited %d times but notified "
                          "only %d times" % (q(e), len(paths), n)))
    for e in sorted(set(notifies) - set(awaits)):
        found.append(("steps", "event %s is notified but never awaited (a "
                      "notify nobody waits for synchronises nothing)" % q(e)))
    return found


def lint_case_file(path, clauses, report):
    """Checks one file; returns the case's clause list (or [])."""
    m = CASE_FILE.match(os.path.basename(path))
    stem = m.group(1) if m else None
    if m is None:
        report(path, "", "a case file is named NNNN.json (four or more digits)")
    try:
        case = casefile.read(path)
    except casefile.CaseError as e:
        report(path, e.where, e.message)
        return []
    for where, message in casefile.problems(case) + advice(case, stem):
        report(path, where, message)
    cited = []
    if isinstance(case, dict) and isinstance(case.get("clauses"), list):
        for i, c in enumerate(case["clauses"]):
            if not isinstance(c, str) or not casefile.CLAUSE_ID.match(c):
                continue
            cited.append(c)
            if c not in clauses:
                report(path, "clauses[%d]" % i,
                       "clause %s does not exist in spec/" % q(c))
            elif clauses[c].exempt in ("not-applicable", "withdrawn"):
                report(path, "clauses[%d]" % i, "clause %s is marked %s"
                       % (q(c), clauses[c].exempt))
    return cited


def read_retired(path, report):
    """conformance/retired.json: {case id: why it was removed}."""
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            retired = json.load(f)
    except (OSError, ValueError) as e:
        report(path, "", "cannot read: %s" % e)
        return {}
    if not isinstance(retired, dict):
        report(path, "", "must map retired case ids to reasons")
        return {}
    return retired


# ---------------------------------------------------------------- driver
class Reporter:
    def __init__(self, root, out):
        self.root = root
        self.out = out
        self.count = 0

    def __call__(self, path, where, message):
        rel = os.path.relpath(path, self.root) if self.root else path
        if rel.startswith(".." + os.sep):
            rel = path
        rel = rel.replace(os.sep, "/")
        parts = [rel] + ([where] if where else []) + [message]
        self.out.write(": ".join(parts) + "\n")
        self.count += 1


def lint(root, files=None, out=None):
    """Lints the suite under ``root``; returns the number of errors."""
    out = sys.stdout if out is None else out
    report = Reporter(root, out)
    spec_dir = os.path.join(root, "spec")
    cases_dir = os.path.join(root, "conformance", "cases")
    clauses = read_clauses(spec_dir, report)
    whole = not files
    if whole:
        try:
            names = sorted(os.listdir(cases_dir))
        except OSError as e:
            report(cases_dir, "", "cannot list the cases directory: %s" % e)
            names = []
        files = [os.path.join(cases_dir, n) for n in names
                 if not n.startswith(".")]
    retired = read_retired(os.path.join(root, "conformance", "retired.json"),
                           report)
    cited_by = {}
    for path in files:
        m = CASE_FILE.match(os.path.basename(path))
        if m and m.group(1) in retired:
            report(path, "id", "case number %s is retired (%s); numbers are "
                   "never reused: take the next free one"
                   % (m.group(1), retired[m.group(1)]))
        for c in lint_case_file(path, clauses, report):
            cited_by.setdefault(c, []).append(path)
    if whole:
        for cid, clause in sorted(clauses.items()):
            if clause.exempt is None and cid not in cited_by:
                report(clause.path, cid, "clause is not cited by any case "
                       "(cite it, or mark it \"Status: not-applicable\" or "
                       "\"Status: not-expressible\")")
    return report.count


def main(argv=None):
    default_root = os.path.dirname(os.path.dirname(HERE))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", default=default_root,
                   help="repository root holding spec/ and conformance/cases/")
    p.add_argument("files", nargs="*", metavar="CASE_FILE")
    args = p.parse_args(argv)
    n = lint(os.path.abspath(args.root), [os.path.abspath(f) for f in args.files])
    if n:
        sys.stderr.write("lint_cases: %d error(s)\n" % n)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
