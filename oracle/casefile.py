"""Loading and checking case files (spec/protocol.md §2-§4).

This module is the one definition of the case-file schema: the keys of a case,
the ops, the keys each op takes and the values those keys may hold.

- The driver checks the whole case with ``load`` before it runs a single step,
  so a typo is reported with its location (``steps[3].target[1].proc``)
  instead of surfacing as a strange observation half-way through a run.
- ``conformance/tools/lint_cases.py`` reports every problem ``problems`` finds,
  and adds what needs more than the case itself (the file's name, the clauses
  of spec/, traceability) and advice that is not schema (unreachable steps,
  events that are awaited but never notified, …).

Standard library only; CPython 3.8 or later.
"""

import json
import re
import signal

PROC_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
SPECIAL_PROCS = ("@current", "@parent")
CASE_ID = re.compile(r"[0-9]{4,}\Z")
CLAUSE_ID = re.compile(r"[A-Z][A-Z0-9]*-[0-9]{3,}\Z")
HEX = re.compile(r"(?:[0-9a-fA-F]{2})*\Z")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# The ops whose "signal" names a signal.
SIGNAL_OPS = ("signal_self", "send_signal", "ignore_signal")
# spec/protocol.md §4.4: a signal is named as CPython's signal module names it
# on Linux (3.11; the aliases SIGIOT, SIGCLD and SIGPOLL included), or as an
# offset into the real-time range, which has no names of its own: SIGRTMIN+N
# and SIGRTMAX-N, 1 <= N <= RT_SPAN (SIGRTMAX - SIGRTMIN with glibc). Any other
# name is a schema error; a name this interpreter or platform lacks (SIGSTKFLT
# before CPython 3.11, an offset beyond a narrower range) makes the case
# unsupported (see unsupported()).
LINUX_SIGNALS = frozenset("""SIGABRT SIGALRM SIGBUS SIGCHLD SIGCLD SIGCONT
    SIGFPE SIGHUP SIGILL SIGINT SIGIO SIGIOT SIGKILL SIGPIPE SIGPOLL SIGPROF
    SIGPWR SIGQUIT SIGRTMAX SIGRTMIN SIGSEGV SIGSTKFLT SIGSTOP SIGSYS SIGTERM
    SIGTRAP SIGTSTP SIGTTIN SIGTTOU SIGURG SIGUSR1 SIGUSR2 SIGVTALRM SIGWINCH
    SIGXCPU SIGXFSZ""".split())
RT_SPAN = 30
RT_OFFSET = re.compile(r"(SIGRTMIN)\+([1-9][0-9]?)\Z|(SIGRTMAX)-([1-9][0-9]?)\Z")
SIGNAL_NAME_HELP = ("a name of CPython's signal module on Linux such as "
                    "\"SIGUSR1\", or \"SIGRTMIN+N\" / \"SIGRTMAX-N\" with "
                    "1 <= N <= %d" % RT_SPAN)


def _rt_offset(name):
    """(base name, signed offset) for "SIGRTMIN+N" / "SIGRTMAX-N", else None."""
    m = RT_OFFSET.match(name) if isinstance(name, str) else None
    if not m:
        return None
    base, n = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    n = int(n)
    if n > RT_SPAN:
        return None
    return base, (n if base == "SIGRTMIN" else -n)


def is_signal_name(name):
    """Whether a case may name a signal ``name`` (spec/protocol.md §4.4)."""
    return (isinstance(name, str) and name in LINUX_SIGNALS) \
        or _rt_offset(name) is not None


def signal_number(name):
    """The number of the signal a case names, on this interpreter and
    platform; None if it has no such signal."""
    if not is_signal_name(name):
        return None
    offset = _rt_offset(name)
    base, delta = offset if offset else (name, 0)
    number = getattr(signal, base, None)
    if not isinstance(number, signal.Signals):
        return None
    number = int(number) + delta
    if offset and not signal.SIGRTMIN <= number <= signal.SIGRTMAX:
        return None
    return number

# The longest a case may run (seconds); the harness refuses more as well
# (spec/protocol.md §2).
MAX_CASE_TIMEOUT = 600

REQUIRED_CASE_KEYS = ("id", "title", "clauses", "steps")
CASE_KEYS = set(REQUIRED_CASE_KEYS) | {"timeout"}

# op -> (required keys, optional keys), "op" itself excluded.
PROC_OPS = {
    "new": ({"proc"}, {"target", "run", "class", "name", "daemon",
                       "capture_stderr", "args", "kwargs", "group"}),
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
    "wait": ({"procs"}, {"timeout"}),
    "stderr": ({"proc"}, set()),
    "send_signal": ({"proc", "signal"}, set()),
}
OTHER_OPS = {
    "notify": ({"event"}, set()),
    "await": ({"event"}, set()),
    "active_children": (set(), set()),
    "parent_is_none": (set(), set()),
    "target_args": (set(), set()),
    "ignore_signal": ({"signal"}, set()),
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
# The keys of "new" that hold a steps list run in the child.
NESTED_KEYS = ("target", "run")

GET_ATTRS = ("name", "daemon", "pid", "ident", "exitcode", "authkey", "sentinel")
SET_ATTRS = ("name", "daemon", "authkey")
RAISE_TYPES = ("RuntimeError", "ValueError", "TypeError", "Exception",
               "KeyboardInterrupt")


class CaseError(Exception):
    """The case file is malformed; ``where`` locates the offending part."""

    def __init__(self, where, message):
        super().__init__("%s: %s" % (where, message) if where else message)
        self.where = where
        self.message = message


class Unsupported(Exception):
    """The case is well formed but asks for something this platform lacks."""


def q(value):
    """``value`` as it is written in a case file, for messages."""
    return json.dumps(value, ensure_ascii=False)


class _DuplicateKey(ValueError):
    pass


def _not_json(constant):
    # Python's json reads NaN and Infinity, which JSON does not have.
    raise ValueError("%s is not JSON" % constant)


def _no_duplicates(pairs):
    # json keeps the last of duplicate keys; a duplicated "op" or "proc"
    # would silently change a step's meaning, so it is an error here.
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey("duplicate key %s" % q(key))
        obj[key] = value
    return obj


def read(path):
    """The JSON document in the file at ``path``, not yet checked."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CaseError("", "cannot read: %s" % e)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates,
                          parse_constant=_not_json)
    except _DuplicateKey as e:
        raise CaseError("", str(e))
    except RecursionError:
        raise CaseError("", "nested too deeply")
    except ValueError as e:
        raise CaseError("", "not valid JSON: %s" % e)


def load(path):
    """Read and check the case at ``path``; return it as a dict."""
    case = read(path)
    check_case(case)
    return case


def check_case(case):
    """Raise CaseError for the first problem of ``case``, or Unsupported."""
    found = problems(case)
    if found:
        raise CaseError(*found[0])
    reason = unsupported(case)
    if reason:
        e = Unsupported(reason)
        e.case_id = case["id"]
        raise e


def problems(case):
    """Every way ``case`` breaks the schema, as (JSON path, message) pairs."""
    checker = _Checker()
    checker.check_case(case)
    return checker.found


def unsupported(case):
    """Why this platform cannot run the well-formed ``case``, or None."""
    for where, step in walk(case["steps"]):
        if step.get("op") in SIGNAL_OPS:
            name = step["signal"]
            if signal_number(name) is None:
                return ("%s: signal %s does not exist on this platform"
                        % (where, name))
    return None


def walk(steps, where="steps"):
    """(path, step) for every element of ``steps`` and of the steps lists
    nested in them, depth-first in step order. Nothing is checked: an element
    may be any JSON value, and what is not a list is not entered."""
    if not isinstance(steps, list):
        return
    for i, step in enumerate(steps):
        w = "%s[%d]" % (where, i)
        yield w, step
        if isinstance(step, dict):
            for key in NESTED_KEYS:
                if key in step:
                    for item in walk(step[key], "%s.%s" % (w, key)):
                        yield item


def events(steps):
    """Every event name used anywhere in ``steps``, nested lists included."""
    return {step["event"] for _, step in walk(steps)
            if isinstance(step, dict) and step.get("op") in ("notify", "await")}


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Checker:
    """Checks one case document; ``found`` collects (JSON path, message)."""

    def __init__(self):
        self.found = []
        self.outer = []  # stack: see check_steps

    def problem(self, where, message):
        self.found.append((where, message))

    # -- §2 ---------------------------------------------------------------
    def check_case(self, case):
        if not isinstance(case, dict):
            self.problem("", "a case is a JSON object")
            return
        for key in sorted(set(case) - CASE_KEYS):
            self.problem(key, "unknown key %s" % q(key))
        for key in REQUIRED_CASE_KEYS:
            if key not in case:
                self.problem("", "missing key %s" % q(key))
        if "id" in case:
            cid = case["id"]
            if not isinstance(cid, str) or not CASE_ID.match(cid):
                self.problem("id", "must be a string of four or more digits")
        if "title" in case:
            t = case["title"]
            if not isinstance(t, str) or not t.strip():
                self.problem("title", "must be a non-empty string")
            elif "\n" in t:
                self.problem("title", "must be one line")
        if "clauses" in case:
            cl = case["clauses"]
            if not isinstance(cl, list) or not cl:
                self.problem("clauses", "must be a non-empty array of clause ids")
            else:
                for i, c in enumerate(cl):
                    if not isinstance(c, str) or not CLAUSE_ID.match(c):
                        self.problem("clauses[%d]" % i, "%s is not a clause id "
                                     "like \"MP-001\"" % q(c))
        if "timeout" in case:
            t = case["timeout"]
            if not _is_number(t) or not 0 < t <= MAX_CASE_TIMEOUT:
                self.problem("timeout", "must be a number of seconds above 0 and at "
                             "most %d" % MAX_CASE_TIMEOUT)
        if "steps" in case:
            self.check_steps(case["steps"], "steps", in_main=True)

    # -- §3, §4 -----------------------------------------------------------
    def check_steps(self, steps, where, in_main, outer=None):
        """``outer``: the names the creating list had bound before the
        ``new`` of the process running these steps (what ``^name`` may
        name: the child's fork-time copies of them)."""
        if not isinstance(steps, list):
            self.problem(where, "must be an array of steps")
            return
        bound = {}  # local name -> whether its "new" captures stderr
        self.outer.append(outer)
        for i, step in enumerate(steps):
            self.check_step(step, "%s[%d]" % (where, i), bound, in_main)
        self.outer.pop()

    def check_step(self, step, where, bound, in_main):
        if not isinstance(step, dict):
            self.problem(where, "a step is a JSON object")
            return
        if "op" not in step:
            self.problem(where, "missing key \"op\"")
            return
        op = step["op"]
        if not isinstance(op, str) or op not in OPS:
            self.problem(where, "unknown op %s" % q(op))
            return
        required, optional = OPS[op]
        keys = set(step) - {"op"}
        for key in sorted(required - keys):
            self.problem(where, "op %s needs key %s" % (q(op), q(key)))
        for key in sorted(keys - required - optional):
            self.problem("%s.%s" % (where, key),
                         "unknown key %s for op %s" % (q(key), q(op)))
        if op in ENDING_OPS and in_main:
            # The main process is the driver itself: ending it would leave
            # nobody to print the protocol document (§5).
            self.problem(where, "op %s ends the process running it; it may "
                         "only be used in a target or run list (the main "
                         "process is the driver, §5)" % q(op))
        if op == "target_args" and in_main:
            self.problem(where, "op \"target_args\" reports what a target "
                         "received; the main process has no target")
        if "proc" in step and "proc" in required:
            self.check_proc(step, where, bound)
        checker = getattr(self, "op_" + op, None)
        if checker is not None:
            checker(step, where, bound)

    def check_proc(self, step, where, bound):
        proc = step["proc"]
        w = where + ".proc"
        if step["op"] == "new":
            if self.local_name(proc, w):
                if proc in bound:
                    self.problem(w, "%s is already bound by an earlier \"new\" "
                                 "of this steps list; names must be unique"
                                 % q(proc))
                else:
                    bound[proc] = step.get("capture_stderr") is True
        elif step["op"] == "stderr":
            if self.bound_name(proc, w, bound) and not bound[proc]:
                self.problem(w, "%s was not created with \"capture_stderr\": "
                             "true, so it has no stderr to read" % q(proc))
        elif isinstance(proc, str) and proc.startswith("^"):
            outer = self.outer[-1]
            if outer is None:
                self.problem(w, "%s names an object of the creating process; "
                             "only a target or run list has one" % q(proc))
            else:
                self.bound_name(proc[1:], w, outer)
        elif proc not in SPECIAL_PROCS:
            self.bound_name(proc, w, bound, "%s is neither a local name nor "
                            "@current/@parent/^name")

    def local_name(self, name, where,
                   message="%s is not a local name ([a-z][a-z0-9_]*)"):
        if not isinstance(name, str):
            self.problem(where, "must be a string")
            return False
        if not PROC_NAME.match(name):
            self.problem(where, message % q(name))
            return False
        return True

    def bound_name(self, name, where, bound, *message):
        """True if ``name`` is a local name bound earlier in this list."""
        if not self.local_name(name, where, *message):
            return False
        if name not in bound:
            self.problem(where, "%s is not bound by an earlier \"new\" of this "
                         "steps list" % q(name))
            return False
        return True

    # -- per-op checks ----------------------------------------------------
    def op_new(self, step, where, bound):
        if "target" in step and "run" in step:
            self.problem(where, "\"target\" and \"run\" are exclusive")
        for key in NESTED_KEYS:
            if key in step:
                self.check_steps(step[key], "%s.%s" % (where, key),
                                 in_main=False, outer=dict(bound))
        if ("args" in step or "kwargs" in step) and "target" not in step:
            self.problem(where, "\"args\" and \"kwargs\" are passed to a "
                         "target: they need \"target\"")
        if "args" in step and not isinstance(step["args"], list):
            self.problem(where + ".args", "must be an array")
        if "kwargs" in step and not (
                isinstance(step["kwargs"], dict)
                and all(IDENTIFIER.match(k) for k in step["kwargs"])):
            self.problem(where + ".kwargs",
                         "must be an object whose keys are identifiers")
        if "class" in step:
            c = step["class"]
            if not isinstance(c, str) or not IDENTIFIER.match(c):
                self.problem(where + ".class",
                             "must be a class name (an identifier)")
        if "name" in step and not isinstance(step["name"], str):
            self.problem(where + ".name", "must be a string")
        if "daemon" in step and step["daemon"] is not None \
                and not isinstance(step["daemon"], bool):
            self.problem(where + ".daemon", "must be true, false or null")
        if "capture_stderr" in step:
            capture = step["capture_stderr"]
            if not isinstance(capture, bool):
                self.problem(where + ".capture_stderr", "must be true or false")
            elif capture and not any(key in step for key in NESTED_KEYS):
                self.problem(where + ".capture_stderr", "true needs \"target\" or "
                             "\"run\"")

    def op_join(self, step, where, bound):
        if "timeout" in step and step["timeout"] is not None \
                and not _is_number(step["timeout"]):
            self.problem(where + ".timeout", "must be a number or null")

    def op_sentinel_ready(self, step, where, bound):
        if "timeout" in step and not _is_number(step["timeout"]):
            self.problem(where + ".timeout", "must be a number")

    def op_wait(self, step, where, bound):
        if "procs" in step:
            procs = step["procs"]
            w = where + ".procs"
            if not isinstance(procs, list) or not procs:
                self.problem(w, "must be a non-empty array of local names")
            else:
                seen = set()
                for i, name in enumerate(procs):
                    wi = "%s[%d]" % (w, i)
                    if self.bound_name(name, wi, bound):
                        if name in seen:
                            self.problem(wi, "%s is listed twice" % q(name))
                        seen.add(name)
        self.op_join(step, where, bound)

    def op_get(self, step, where, bound):
        if "attr" in step and step["attr"] not in GET_ATTRS:
            self.problem(where + ".attr", "unknown attr %s for get (one of %s)"
                         % (q(step["attr"]), ", ".join(GET_ATTRS)))

    def op_set(self, step, where, bound):
        if "attr" in step and step["attr"] not in SET_ATTRS:
            self.problem(where + ".attr", "unknown attr %s for set (one of %s)"
                         % (q(step["attr"]), ", ".join(SET_ATTRS)))
        if "value" in step:
            self.check_value(step["value"], where + ".value")

    def check_value(self, value, where):
        """A step value: JSON where the only object is {"bytes": "<hex>"}."""
        if isinstance(value, list):
            for i, v in enumerate(value):
                self.check_value(v, "%s[%d]" % (where, i))
        elif isinstance(value, dict):
            if set(value) != {"bytes"} or not isinstance(value["bytes"], str):
                self.problem(where, "the only object allowed in a value is "
                             "{\"bytes\": \"<hex>\"}")
            elif not HEX.match(value["bytes"]):
                self.problem(where + ".bytes", "%s is not an even-length hex "
                             "string" % q(value["bytes"]))

    def op_notify(self, step, where, bound):
        e = step.get("event")
        if not isinstance(e, str) or not e:
            self.problem(where + ".event", "must be a non-empty string")

    op_await = op_notify

    def op_exit(self, step, where, bound):
        if "code" in step:
            c = step["code"]
            if c is not None and not isinstance(c, (int, str)):
                self.problem(where + ".code", "must be null, an integer, a "
                             "boolean or a string")

    def op_raise(self, step, where, bound):
        if "type" in step and step["type"] not in RAISE_TYPES:
            self.problem(where + ".type", "unknown exception type %s (one of "
                         "%s)" % (q(step["type"]), ", ".join(RAISE_TYPES)))
        if "message" in step and not isinstance(step["message"], str):
            self.problem(where + ".message", "must be a string")

    def op_os_exit(self, step, where, bound):
        if "code" in step and not _is_int(step["code"]):
            self.problem(where + ".code", "must be an integer")

    def op_send_signal(self, step, where, bound):
        self.op_signal_self(step, where, bound)

    def op_ignore_signal(self, step, where, bound):
        self.op_signal_self(step, where, bound)
        if step.get("signal") in ("SIGKILL", "SIGSTOP"):
            self.problem(where + ".signal", "%s cannot be ignored" % q(step["signal"]))

    def op_signal_self(self, step, where, bound):
        if "signal" in step:
            s = step["signal"]
            if not is_signal_name(s):
                self.problem(where + ".signal", "%s is not a signal name (%s)"
                             % (q(s), SIGNAL_NAME_HELP))
