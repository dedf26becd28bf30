#!/usr/bin/env python3
"""Checks the conformance case files against spec/protocol.md §2-§4 and the
traceability between cases and spec clauses.

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

# ---------------------------------------------------------------- the protocol
CASE_ID = re.compile(r"[0-9]{4,}\Z")
CASE_FILE = re.compile(r"([0-9]{4,})\.json\Z")
PROC_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
CLAUSE_ID = re.compile(r"[A-Z][A-Z0-9]*-[0-9]{3,}\Z")
HEX = re.compile(r"(?:[0-9a-fA-F]{2})*\Z")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
SIGNAL_NAME = re.compile(r"SIG[A-Z0-9]+\Z")
SPECIAL_PROCS = ("@current", "@parent")

CASE_KEYS = {"id": True, "title": True, "clauses": True, "steps": True,
             "timeout": False}  # key -> required

# op -> (required keys, optional keys); "op" itself is not listed.
PROC_OPS = {
    "new": ({"proc"}, {"target", "run", "class", "name", "daemon"}),
    "start": ({"proc"}, set()),
    "join": ({"proc"}, {"timeout"}),
    "is_alive": ({"proc"}, set()),
    "terminate": ({"proc"}, set()),
    "kill": ({"proc"}, set()),
    "close": ({"proc"}, set()),
    "get": ({"proc", "attr"}, set()),
    "set": ({"proc", "attr", "value"}, set()),
    "repr": ({"proc"}, set()),
    "sentinel_ready": ({"proc", "timeout"}, set()),
}
OTHER_OPS = {
    "notify": ({"event"}, set()),
    "await": ({"event"}, set()),
    "active_children": (set(), set()),
    "parent_is_none": (set(), set()),
}
# §4.4: steps that end the process running them.
ENDING_OPS = {
    "exit": (set(), {"code"}),
    "raise": ({"type", "message"}, set()),
    "os_exit": ({"code"}, set()),
    "abort": (set(), set()),
    "signal_self": ({"signal"}, set()),
    "block": (set(), set()),
}
OPS = {}
OPS.update(PROC_OPS)
OPS.update(OTHER_OPS)
OPS.update(ENDING_OPS)
# signal_self yields null when the signal does not end the process, so steps
# may follow it; after the others nothing runs.
ALWAYS_ENDING = set(ENDING_OPS) - {"signal_self"}

GET_ATTRS = ("name", "daemon", "pid", "ident", "exitcode", "authkey", "sentinel")
SET_ATTRS = ("name", "daemon", "authkey")
RAISE_TYPES = ("RuntimeError", "ValueError", "TypeError", "Exception",
               "KeyboardInterrupt")

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
def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _q(v):
    return json.dumps(v, ensure_ascii=False)


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey("duplicate key %s" % _q(key))
        obj[key] = value
    return obj


class CaseLinter:
    """Checks one case document; ``errors`` collects (json path, message)."""

    def __init__(self):
        self.errors = []
        self.notifies = {}  # event -> count of notify steps
        self.awaits = {}    # event -> [paths of await steps]

    def error(self, where, message):
        self.errors.append((where, message))

    # -- §2 ---------------------------------------------------------------
    def check_case(self, case, stem):
        if not isinstance(case, dict):
            self.error("", "a case is a JSON object")
            return
        for key in sorted(set(case) - set(CASE_KEYS)):
            self.error(key, "unknown key %s" % _q(key))
        for key, required in CASE_KEYS.items():
            if required and key not in case:
                self.error("", "missing key %s" % _q(key))
        if "id" in case:
            cid = case["id"]
            if not isinstance(cid, str) or not CASE_ID.match(cid):
                self.error("id", "must be a string of four or more digits")
            elif stem is not None and cid != stem:
                self.error("id", "%s does not equal the file's stem %s"
                           % (_q(cid), _q(stem)))
        if "title" in case:
            t = case["title"]
            if not isinstance(t, str) or not t.strip():
                self.error("title", "must be a non-empty string")
            elif "\n" in t:
                self.error("title", "must be one line")
        if "clauses" in case:
            cl = case["clauses"]
            if not isinstance(cl, list) or not cl:
                self.error("clauses", "must be a non-empty array of clause ids")
            else:
                seen = set()
                for i, c in enumerate(cl):
                    w = "clauses[%d]" % i
                    if not isinstance(c, str) or not CLAUSE_ID.match(c):
                        self.error(w, "%s is not a clause id like \"MP-001\"" % _q(c))
                    elif c in seen:
                        self.error(w, "%s is cited twice" % _q(c))
                    seen.add(c) if isinstance(c, str) else None
        if "timeout" in case:
            t = case["timeout"]
            if not _is_number(t) or t <= 0:
                self.error("timeout", "must be a positive number of seconds")
        if "steps" in case:
            self.check_steps(case["steps"], "steps", in_main=True)
            self.check_events()

    # -- §3, §4 -----------------------------------------------------------
    def check_steps(self, steps, where, in_main):
        if not isinstance(steps, list):
            self.error(where, "must be an array of steps")
            return
        bound = set()
        ended_at = None
        for i, step in enumerate(steps):
            w = "%s[%d]" % (where, i)
            if ended_at is not None:
                self.error(w, "unreachable: %s ends the process before this step"
                           % ended_at)
                ended_at = None  # report once per list
            op = self.check_step(step, w, bound, in_main)
            if op in ALWAYS_ENDING:
                ended_at = "%s (%s)" % (w, _q(op))

    def check_step(self, step, where, bound, in_main):
        if not isinstance(step, dict):
            self.error(where, "a step is a JSON object")
            return None
        if "op" not in step:
            self.error(where, "missing key \"op\"")
            return None
        op = step["op"]
        if not isinstance(op, str) or op not in OPS:
            self.error(where, "unknown op %s" % _q(op))
            return None
        required, optional = OPS[op]
        keys = set(step) - {"op"}
        for key in sorted(required - keys):
            self.error(where, "op %s needs key %s" % (_q(op), _q(key)))
        for key in sorted(keys - required - optional):
            self.error("%s.%s" % (where, key),
                       "unknown key %s for op %s" % (_q(key), _q(op)))
        if op in ENDING_OPS and in_main:
            self.error(where, "op %s ends the process running it; it may only "
                       "be used in a target or run list (the main process is "
                       "the driver, §5)" % _q(op))
        if "proc" in step:
            self.check_proc(step, where, bound)
        checker = getattr(self, "op_" + op, None)
        if checker is not None:
            checker(step, where)
        return op

    def check_proc(self, step, where, bound):
        proc = step["proc"]
        w = where + ".proc"
        if not isinstance(proc, str):
            self.error(w, "must be a string")
            return
        if step["op"] == "new":
            if not PROC_NAME.match(proc):
                self.error(w, "%s is not a local name ([a-z][a-z0-9_]*)" % _q(proc))
            elif proc in bound:
                self.error(w, "%s is already bound by an earlier \"new\" of this "
                           "steps list; names must be unique" % _q(proc))
            else:
                bound.add(proc)
        elif proc in SPECIAL_PROCS:
            pass
        elif not PROC_NAME.match(proc):
            self.error(w, "%s is neither a local name nor @current/@parent"
                       % _q(proc))
        elif proc not in bound:
            self.error(w, "%s is not bound by an earlier \"new\" of this steps "
                       "list" % _q(proc))

    # -- per-op checks ----------------------------------------------------
    def op_new(self, step, where):
        if "target" in step and "run" in step:
            self.error(where, "\"target\" and \"run\" are exclusive")
        for key in ("target", "run"):
            if key in step:
                self.check_steps(step[key], "%s.%s" % (where, key), in_main=False)
        if "class" in step:
            c = step["class"]
            if not isinstance(c, str) or not IDENTIFIER.match(c):
                self.error(where + ".class", "must be a class name (an identifier)")
        if "name" in step and not isinstance(step["name"], str):
            self.error(where + ".name", "must be a string")
        if "daemon" in step and step["daemon"] is not None \
                and not isinstance(step["daemon"], bool):
            self.error(where + ".daemon", "must be true, false or null")

    def op_join(self, step, where):
        if "timeout" in step and step["timeout"] is not None \
                and not _is_number(step["timeout"]):
            self.error(where + ".timeout", "must be a number or null")

    def op_sentinel_ready(self, step, where):
        if "timeout" in step and not _is_number(step["timeout"]):
            self.error(where + ".timeout", "must be a number")

    def op_get(self, step, where):
        if "attr" in step and step["attr"] not in GET_ATTRS:
            self.error(where + ".attr", "unknown attr %s for get (one of %s)"
                       % (_q(step["attr"]), ", ".join(GET_ATTRS)))

    def op_set(self, step, where):
        if "attr" in step and step["attr"] not in SET_ATTRS:
            self.error(where + ".attr", "unknown attr %s for set (one of %s)"
                       % (_q(step["attr"]), ", ".join(SET_ATTRS)))
        if "value" in step:
            self.check_value(step["value"], where + ".value")

    def check_value(self, value, where):
        if isinstance(value, list):
            for i, v in enumerate(value):
                self.check_value(v, "%s[%d]" % (where, i))
        elif isinstance(value, dict):
            if set(value) != {"bytes"} or not isinstance(value["bytes"], str):
                self.error(where, "the only object allowed in a value is "
                           "{\"bytes\": \"<hex>\"}")
            elif not HEX.match(value["bytes"]):
                self.error(where + ".bytes", "%s is not an even-length hex string"
                           % _q(value["bytes"]))

    def _event(self, step, where):
        e = step.get("event")
        if not isinstance(e, str) or not e:
            self.error(where + ".event", "must be a non-empty string")
            return None
        return e

    def op_notify(self, step, where):
        e = self._event(step, where)
        if e is not None:
            self.notifies[e] = self.notifies.get(e, 0) + 1

    def op_await(self, step, where):
        e = self._event(step, where)
        if e is not None:
            self.awaits.setdefault(e, []).append(where)

    def op_exit(self, step, where):
        if "code" in step:
            c = step["code"]
            if c is not None and not isinstance(c, (int, str)):
                self.error(where + ".code", "must be null, an integer, a boolean "
                           "or a string")

    def op_raise(self, step, where):
        if "type" in step and step["type"] not in RAISE_TYPES:
            self.error(where + ".type", "unknown exception type %s (one of %s)"
                       % (_q(step["type"]), ", ".join(RAISE_TYPES)))
        if "message" in step and not isinstance(step["message"], str):
            self.error(where + ".message", "must be a string")

    def op_os_exit(self, step, where):
        if "code" in step and not _is_int(step["code"]):
            self.error(where + ".code", "must be an integer")

    def op_signal_self(self, step, where):
        if "signal" in step:
            s = step["signal"]
            if not isinstance(s, str) or not SIGNAL_NAME.match(s):
                self.error(where + ".signal", "%s is not a signal name such as "
                           "\"SIGUSR1\"" % _q(s))

    # -- events (§4.2) ----------------------------------------------------
    def check_events(self):
        # Without loops every step runs at most once, so an event awaited more
        # often than it is notified would leave a process waiting forever.
        for e, paths in sorted(self.awaits.items()):
            n = self.notifies.get(e, 0)
            if n == 0:
                self.error(paths[0], "event %s is awaited but never notified"
                           % _q(e))
            elif len(paths) > n:
                self.error(paths[n], "event %s is awaited %d times but notified "
                           "only %d times" % (_q(e), len(paths), n))
        for e in sorted(set(self.notifies) - set(self.awaits)):
            self.error("steps", "event %s is notified but never awaited "
                       "(a notify nobody waits for synchronises nothing)" % _q(e))


def lint_case_file(path, clauses, report):
    """Checks one file; returns the case's clause list (or [])."""
    m = CASE_FILE.match(os.path.basename(path))
    stem = m.group(1) if m else None
    if m is None:
        report(path, "", "a case file is named NNNN.json (four or more digits)")
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        report(path, "", "cannot read: %s" % e)
        return []
    try:
        case = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as e:
        report(path, "", str(e))
        return []
    except ValueError as e:
        report(path, "", "not valid JSON: %s" % e)
        return []
    linter = CaseLinter()
    linter.check_case(case, stem)
    for where, message in linter.errors:
        report(path, where, message)
    cited = []
    if isinstance(case, dict) and isinstance(case.get("clauses"), list):
        for i, c in enumerate(case["clauses"]):
            if not isinstance(c, str) or not CLAUSE_ID.match(c):
                continue
            cited.append(c)
            if c not in clauses:
                report(path, "clauses[%d]" % i,
                       "clause %s does not exist in spec/" % _q(c))
            elif clauses[c].exempt in ("not-applicable", "withdrawn"):
                report(path, "clauses[%d]" % i, "clause %s is marked %s"
                       % (_q(c), clauses[c].exempt))
    return cited


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
    cited_by = {}
    for path in files:
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
    here = os.path.dirname(os.path.abspath(__file__))
    default_root = os.path.dirname(os.path.dirname(here))
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
