"""Loading and checking case files (spec/protocol.md §2-§4).

The driver checks the whole case before it runs a single step, so a typo is
reported with its location (``steps[3].target[1].proc``) instead of surfacing
as a strange observation half-way through a run.
"""

import json
import re
import signal

PROC_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
CASE_ID = re.compile(r"[0-9]{4,}\Z")
HEX = re.compile(r"(?:[0-9a-fA-F]{2})*\Z")

# Signal names of POSIX, Linux and the BSDs: one of these that this platform
# lacks makes the case unsupported here; any other name is a typo.
KNOWN_SIGNALS = set("""SIGABRT SIGALRM SIGBUS SIGCHLD SIGCLD SIGCONT SIGEMT SIGFPE
    SIGHUP SIGILL SIGINFO SIGINT SIGIO SIGIOT SIGKILL SIGLOST SIGPIPE SIGPOLL
    SIGPROF SIGPWR SIGQUIT SIGSEGV SIGSTKFLT SIGSTOP SIGSYS SIGTERM SIGTRAP
    SIGTSTP SIGTTIN SIGTTOU SIGURG SIGUSR1 SIGUSR2 SIGVTALRM SIGWINCH SIGXCPU
    SIGXFSZ SIGRTMIN SIGRTMAX""".split())

CASE_KEYS = {"id", "title", "clauses", "steps", "timeout"}

# op -> (required keys, optional keys), "op" itself excluded.
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
# §4.4: these end the process running them and are never caught.
ENDING_OPS = {
    "exit": (set(), {"code"}),
    "raise": ({"type", "message"}, set()),
    "os_exit": ({"code"}, set()),
    "abort": (set(), set()),
    "signal_self": ({"signal"}, set()),
    "block": (set(), set()),
}
OPS = dict(PROC_OPS, **OTHER_OPS, **ENDING_OPS)

GET_ATTRS = ("name", "daemon", "pid", "ident", "exitcode", "authkey", "sentinel")
SET_ATTRS = ("name", "daemon", "authkey")
RAISE_TYPES = ("RuntimeError", "ValueError", "TypeError", "Exception",
               "KeyboardInterrupt")


class CaseError(Exception):
    """The case file is malformed; ``where`` locates the offending part."""

    def __init__(self, where, message):
        super().__init__("%s: %s" % (where, message) if where else message)
        self.where = where


class Unsupported(Exception):
    """The case is well formed but asks for something this platform lacks."""


def _no_duplicates(pairs):
    # json keeps the last of duplicate keys; a duplicated "op" or "proc"
    # would silently change a step's meaning, so it is an error here.
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError("duplicate key %r" % key)
        obj[key] = value
    return obj


def load(path):
    """Read and check the case at ``path``; return it as a dict."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CaseError("", "cannot read case file: %s" % e)
    try:
        case = json.loads(text, object_pairs_hook=_no_duplicates)
    except ValueError as e:
        raise CaseError("", "not valid JSON: %s" % e)
    try:
        check_case(case)
    except Unsupported as e:
        e.case_id = case["id"]
        raise
    return case


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_case(case):
    if not isinstance(case, dict):
        raise CaseError("", "a case is a JSON object")
    unknown = sorted(set(case) - CASE_KEYS)
    if unknown:
        raise CaseError("", "unknown key %r" % unknown[0])
    for key in ("id", "title", "clauses", "steps"):
        if key not in case:
            raise CaseError("", "missing key %r" % key)
    if not isinstance(case["id"], str) or not CASE_ID.match(case["id"]):
        raise CaseError("id", "must be a string of four or more digits")
    if not isinstance(case["title"], str):
        raise CaseError("title", "must be a string")
    clauses = case["clauses"]
    if (not isinstance(clauses, list) or not clauses
            or not all(isinstance(c, str) for c in clauses)):
        raise CaseError("clauses", "must be a non-empty array of strings")
    if "timeout" in case and not (_is_number(case["timeout"])
                                  and case["timeout"] > 0):
        raise CaseError("timeout", "must be a positive number")
    check_steps(case["steps"], "steps", in_main=True)


def check_steps(steps, where, in_main):
    if not isinstance(steps, list):
        raise CaseError(where, "must be an array of steps")
    bound = set()
    for i, step in enumerate(steps):
        check_step(step, "%s[%d]" % (where, i), bound, in_main)


def check_step(step, where, bound, in_main):
    if not isinstance(step, dict):
        raise CaseError(where, "a step is a JSON object")
    op = step.get("op")
    if not isinstance(op, str):
        raise CaseError(where, "missing or non-string 'op'")
    if op not in OPS:
        raise CaseError(where, "unknown op %r" % op)
    required, optional = OPS[op]
    keys = set(step) - {"op"}
    missing = sorted(required - keys)
    if missing:
        raise CaseError(where, "op %r needs key %r" % (op, missing[0]))
    extra = sorted(keys - required - optional)
    if extra:
        raise CaseError(where, "op %r takes no key %r" % (op, extra[0]))
    if op in ENDING_OPS and in_main:
        # The main process is the driver itself: ending it would leave
        # nobody to print the protocol document (§5).
        raise CaseError(where, "op %r ends the process running it and may "
                        "only be used in a target or run list" % op)
    if op in PROC_OPS:
        _check_proc(step, where, bound)
    checker = _CHECKERS.get(op)
    if checker:
        checker(step, where)


def _check_proc(step, where, bound):
    proc = step["proc"]
    if not isinstance(proc, str):
        raise CaseError(where + ".proc", "must be a string")
    if step["op"] == "new":
        if not PROC_NAME.match(proc):
            raise CaseError(where + ".proc", "%r is not a local name "
                            "([a-z][a-z0-9_]*)" % proc)
        if proc in bound:
            raise CaseError(where + ".proc", "%r is already bound in this "
                            "steps list" % proc)
        bound.add(proc)
    elif proc not in ("@current", "@parent") and proc not in bound:
        raise CaseError(where + ".proc", "%r is not bound by an earlier "
                        "'new' of this steps list" % proc)


def _check_new(step, where):
    if "target" in step and "run" in step:
        raise CaseError(where, "'target' and 'run' are exclusive")
    for key in ("target", "run"):
        if key in step:
            check_steps(step[key], "%s.%s" % (where, key), in_main=False)
    if "class" in step and not (isinstance(step["class"], str)
                                and step["class"].isidentifier()):
        raise CaseError(where + ".class", "must be an identifier")
    if "name" in step and not isinstance(step["name"], str):
        raise CaseError(where + ".name", "must be a string")
    daemon = step.get("daemon")
    if daemon is not None and not isinstance(daemon, bool):
        raise CaseError(where + ".daemon", "must be true, false or null")


def _check_join(step, where):
    t = step.get("timeout")
    if t is not None and not _is_number(t):
        raise CaseError(where + ".timeout", "must be a number or null")


def _check_sentinel_ready(step, where):
    if not _is_number(step["timeout"]):
        raise CaseError(where + ".timeout", "must be a number")


def _check_get(step, where):
    if step["attr"] not in GET_ATTRS:
        raise CaseError(where + ".attr", "get takes one of %s"
                        % ", ".join(GET_ATTRS))


def _check_set(step, where):
    if step["attr"] not in SET_ATTRS:
        raise CaseError(where + ".attr", "set takes one of %s"
                        % ", ".join(SET_ATTRS))
    check_value(step["value"], where + ".value")


def check_value(value, where):
    """A step value: JSON where the only object is {"bytes": "<hex>"}."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_value(item, "%s[%d]" % (where, i))
    elif isinstance(value, dict):
        if (set(value) != {"bytes"} or not isinstance(value["bytes"], str)
                or not HEX.match(value["bytes"])):
            raise CaseError(where, "the only object allowed in a value is "
                            '{"bytes": "<hex>"}')


def _check_event(step, where):
    if not isinstance(step["event"], str) or not step["event"]:
        raise CaseError(where + ".event", "must be a non-empty string")


def _check_exit(step, where):
    code = step.get("code")
    if code is not None and not isinstance(code, (int, str)):
        raise CaseError(where + ".code", "must be null, an integer, a "
                        "boolean or a string")


def _check_raise(step, where):
    if step["type"] not in RAISE_TYPES:
        raise CaseError(where + ".type", "must be one of %s"
                        % ", ".join(RAISE_TYPES))
    if not isinstance(step["message"], str):
        raise CaseError(where + ".message", "must be a string")


def _check_os_exit(step, where):
    if not _is_int(step["code"]):
        raise CaseError(where + ".code", "must be an integer")


def _check_signal_self(step, where):
    name = step["signal"]
    if name not in KNOWN_SIGNALS:
        raise CaseError(where + ".signal", "must be a signal name such as "
                        "\"SIGUSR1\"")
    if not isinstance(getattr(signal, name, None), signal.Signals):
        raise Unsupported("%s: signal %s does not exist on this platform"
                          % (where, name))


_CHECKERS = {
    "new": _check_new,
    "join": _check_join,
    "sentinel_ready": _check_sentinel_ready,
    "get": _check_get,
    "set": _check_set,
    "notify": _check_event,
    "await": _check_event,
    "exit": _check_exit,
    "raise": _check_raise,
    "os_exit": _check_os_exit,
    "signal_self": _check_signal_self,
}


def events(steps):
    """Every event name used anywhere in ``steps``, nested lists included."""
    found = set()
    for step in steps:
        if step.get("op") in ("notify", "await"):
            found.add(step["event"])
        for key in ("target", "run"):
            if key in step:
                found |= events(step[key])
    return found
