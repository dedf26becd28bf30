"""Shared helpers: where things are, and running the driver on inline cases."""

import builtins
import copy
import json
import os
import signal
import subprocess
import sys
import tempfile

TESTS = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.dirname(TESTS)
ROOT = os.path.dirname(ORACLE)
DRIVER = os.path.join(ORACLE, "driver.py")
GENERATE = os.path.join(ORACLE, "generate.py")
VECTORS = os.path.join(ROOT, "conformance", "protocol-vectors", "normalize.json")

if ORACLE not in sys.path:
    sys.path.insert(0, ORACLE)


def case(steps, case_id="0001", **extra):
    doc = {"id": case_id, "title": "inline test case", "clauses": ["MP-001"],
           "steps": steps}
    doc.update(extra)
    return doc


def new(proc, **kw):
    """A "new" step."""
    return dict(op="new", proc=proc, **kw)


def op(name, proc=None, **kw):
    """Any other step; ``proc`` only when given."""
    step = dict(op=name, **kw)
    if proc is not None:
        step["proc"] = proc
    return step


def marked(steps):
    """A deep copy of ``steps`` with every step, nested ones too, marked
    "setup": true (spec/protocol.md §2)."""
    steps = copy.deepcopy(steps)
    for step in steps:
        step["setup"] = True
        for key in ("target", "run", "child"):
            if key in step:
                step[key] = marked(step[key])
    return steps


# A case's steps for the setup-mark tests of both drivers: a child, events,
# a wait and a program function.
SETUP_STEPS = [new("p", target=[op("notify", event="ready"), op("await", event="go"),
                                op("exit", code=3)]),
               op("start", "p"), op("await", event="ready"), op("is_alive", "p"),
               op("notify", event="go"), op("join", "p"), op("get", "p", attr="exitcode"),
               op("call", function="os.WEXITSTATUS", args=[768])]


def value(v):
    return {"value": v}


def raised(type_name, message, class_name=None, bases=None):
    """An exception's observation (spec/protocol.md §4.6). A builtin's class
    and bases are Python's own; another class must give them."""
    if class_name is None:
        cls = getattr(builtins, type_name)
        class_name = type_name
        bases = [c.__name__ for c in cls.__mro__[1:] if c is not object]
    return {"raised": {"type": type_name, "message": message, "class": class_name,
                       "bases": bases}}


def write_json(directory, name, doc):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc))
    return path


# The helper program (protocol 2 cases): the one ctest hands over, else the
# one the default build makes.
HELPER = os.environ.get("PYPROC_HELPER") or os.path.join(
    ROOT, "build", "default", "conformance", "helper", "pyproc-helper")


def run_driver_raw(doc, timeout=30, options=()):
    """Run the driver on ``doc`` (a dict, or text for malformed input) as the
    harness does (§5.1): in a scratch directory, with PYPROC_CASE_TMP and
    PYPROC_HELPER set; ``options`` go before the case file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_json(tmp, "case.json", doc)
        scratch = os.path.join(tmp, "scratch")
        os.mkdir(scratch)
        env = dict(os.environ, PYPROC_CASE_TMP=scratch, PYPROC_HELPER=HELPER)
        proc = subprocess.Popen([sys.executable, DRIVER, *options, path],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True,
                                cwd=scratch, env=env)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # A hung case: end every process of it, not just the driver.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return proc.returncode, out.decode(), err.decode()


def run_driver(doc, timeout=30, options=()):
    """Run a well-formed case; return the raw protocol document."""
    status, out, err = run_driver_raw(doc, timeout, options)
    if status != 0:
        raise AssertionError("driver exit %d: %s" % (status, err))
    return json.loads(out)
