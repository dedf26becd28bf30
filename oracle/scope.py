"""The modules a case exercises, read from its steps (spec/protocol.md §2):

- multiprocessing: a step on a process object (a "proc"), or active_children,
  parent_process, a new Process;
- os: a function or constant of os (os.waitpid, os.WNOHANG), or the fork,
  os_exit and abort steps, which are os.fork(), os._exit() and os.abort();
- subprocess: a function or constant of subprocess (subprocess.run,
  subprocess.PIPE), which Popen objects come from.

An implementation that provides only some of these modules (billiard is a
multiprocessing; gevent's and psutil's are a subprocess and an os) is judged
only on the cases that exercise one of them: a case that touches none of
its modules tests the standard library it runs on, not the implementation.

    python3 oracle/scope.py [--cases DIR] [--modules os,subprocess]

prints every case with its modules, or, with --modules, only the cases
outside that scope. Standard library only.
"""

import argparse
import json
import os
import sys

ORACLE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(os.path.dirname(ORACLE), "conformance", "cases")
MODULES = ("multiprocessing", "os", "subprocess")
PROCESS_OPS = {"new", "active_children", "parent_is_none"}
OS_OPS = {"fork", "os_exit", "abort"}


def modules_of(case):
    """The sorted modules (of MODULES) that a case document's steps touch."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            op = node.get("op")
            if "proc" in node or op in PROCESS_OPS:
                found.add("multiprocessing")
            if op in OS_OPS:
                found.add("os")
            for value in node.values():
                if isinstance(value, str):
                    for module in ("os", "subprocess", "multiprocessing"):
                        if value.startswith(module + "."):
                            found.add(module)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(case.get("steps", []))
    return sorted(found)


def in_scope(case, modules):
    """Whether a case exercises one of ``modules`` (None: every module)."""
    return modules is None or bool(set(modules_of(case)) & set(modules))


def case_modules(cases_dir=CASES):
    """{case id: its modules} for every case file of cases_dir."""
    out = {}
    for name in sorted(os.listdir(cases_dir)):
        if name.endswith(".json"):
            with open(os.path.join(cases_dir, name), encoding="utf-8") as f:
                out[name[:-5]] = modules_of(json.load(f))
    return out


def out_of_scope(modules, cases_dir=CASES):
    """The ids of the cases that touch none of ``modules``."""
    return [case_id for case_id, used in case_modules(cases_dir).items()
            if not set(used) & set(modules)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cases", default=CASES)
    p.add_argument("--modules", help="comma-separated: print the cases outside this scope")
    args = p.parse_args(argv)
    if args.modules is None:
        for case_id, used in case_modules(args.cases).items():
            print(case_id, " ".join(used))
        return 0
    modules = [m for m in args.modules.split(",") if m]
    unknown = [m for m in modules if m not in MODULES]
    if unknown or not modules:
        sys.stderr.write("scope.py: --modules takes some of %s, not %r\n"
                         % (", ".join(MODULES), args.modules))
        return 2
    for case_id in out_of_scope(modules, args.cases):
        print(case_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
