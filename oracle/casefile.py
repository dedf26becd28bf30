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
CASE_KEYS = set(REQUIRED_CASE_KEYS) | {"timeout", "requires"}
# §2 "requires": what the machine must offer for the case to run; a driver
# reports the case unsupported when one is missing (see unsupported()).
REQUIREMENTS = ("root", "non-root", "core-dumps", "fork-inheritance",
                "exit-closes-sentinel")
# What a child made by "new" has only when the start method is fork: the
# objects (^name) and variables of its creator, as fork copied them (§2).
FORK_INHERITANCE = "fork-inheritance"

# §4.1: a repr step checks at most this many parts of the text.
MAX_REPR_PARTS = 16

# op -> (required keys, optional keys), "op" itself excluded.
PROC_OPS = {
    "new": ({"proc"}, {"target", "run", "class", "name", "daemon",
                       "capture_stderr", "args", "kwargs", "group", "capture"}),
    "start": ({"proc"}, set()),
    "join": ({"proc"}, {"timeout"}),
    "is_alive": ({"proc"}, set()),
    "terminate": ({"proc"}, set()),
    "kill": ({"proc"}, set()),
    "close": ({"proc"}, set()),
    "get": ({"proc", "attr"}, set()),
    "set": ({"proc", "attr", "value"}, set()),
    "repr": ({"proc"}, {"contains"}),
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
# §4.9: protocol 2.
CALL_KEYS = {"args", "kwargs", "bind", "observe", "exception_attrs"}
PROGRAM_OPS = {
    "call": ({"function"}, CALL_KEYS),
    "method": ({"var", "method"}, CALL_KEYS),
    "value": ({"of"}, {"observe", "bind"}),
    "hasattr": ({"name"}, set()),
    "fork": ({"proc", "child"}, {"pty", "capture"}),
    "output": ({"stream"}, {"proc", "lines"}),
    "write": ({"stream", "text"}, set()),
    "flush": ({"stream"}, set()),
    "setenv": ({"name", "value"}, set()),
    "unsetenv": ({"name"}, set()),
    "hook_log": (set(), set()),
}
# §4.12: protocol 3.
PROGRAM_OPS["del"] = ({"var"}, set())
# §4.13: the monotonic clock, seen only through comparisons.
PROGRAM_OPS["clock"] = (set(), {"since", "bind", "observe"})
OTHER_OPS.update(PROGRAM_OPS)
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
# Any step may say "setup": true: it only sets the case up, and a case that
# first differs there is UNRESOLVED, not a FAIL of its clauses (§2, §7).
# Drivers run the step as if the key were absent.
SETUP_KEY = "setup"
# The keys of "new" (and "fork") that hold a steps list run in the child.
NESTED_KEYS = ("target", "run", "child")
# Ending ops that would unwind a Python exception through the driver: in a
# "fork" child there is no multiprocessing bootstrap to catch it (§4.9).
UNWINDING_OPS = ("exit", "raise")

# §4.11: the functions "call" may name. Those that replace or end the
# process may not run in the main process (it is the driver); os.fork and
# os.forkpty only run through the "fork" op.
EXEC_FUNCTIONS = tuple("os.exec" + v for v in
                       ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe"))
SPAWN_FUNCTIONS = tuple("os.spawn" + v for v in
                        ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe"))
ENDING_FUNCTIONS = EXEC_FUNCTIONS + ("os._exit", "os.abort")
FORK_FUNCTIONS = ("os.fork", "os.forkpty")
FUNCTIONS = frozenset(EXEC_FUNCTIONS + SPAWN_FUNCTIONS + ENDING_FUNCTIONS
                      + FORK_FUNCTIONS + tuple("""
    os.system os.popen os.wait os.waitpid os.wait3 os.wait4 os.waitid
    os.waitstatus_to_exitcode os.WCOREDUMP os.WIFCONTINUED os.WIFSTOPPED
    os.WIFSIGNALED os.WIFEXITED os.WEXITSTATUS os.WSTOPSIG os.WTERMSIG
    os.kill os.killpg os.nice os.times os.register_at_fork
    os.getpid os.getppid os.getpgrp os.getpgid os.getsid
    os.setpgid os.setsid os.chdir os.getcwd
    os.getuid os.geteuid os.getgid os.getegid os.setuid
    os.open os.close os.plock os.startfile signal.signal
    os.dup os.dup2 os.pipe os.set_inheritable os.get_inheritable os.umask
    subprocess.call subprocess.check_call subprocess.check_output
    subprocess.getoutput subprocess.getstatusoutput subprocess.run
    subprocess.Popen
    """.split()))
# The methods "method" may call: those of the file object os.popen returns
# (§4.11), of a Popen and of the file objects of its pipes (§4.12). The
# schema does not know the type of a variable: a method its object lacks is
# observed as CPython's AttributeError.
POPEN_METHODS = ("poll", "wait", "communicate", "send_signal", "terminate",
                 "kill", "__enter__", "__exit__")
PIPE_METHODS = ("write", "flush", "close", "read", "readline", "readlines",
                "__iter__", "__next__")
METHODS = ("read", "write", "close", "__enter__", "__exit__") + tuple(
    m for m in PIPE_METHODS + POPEN_METHODS
    if m not in ("read", "write", "close", "__enter__", "__exit__"))
# Modules a "const" or "hasattr" name may come from.
CONST_MODULES = ("os", "signal", "subprocess")
DOTTED = re.compile(r"(os|signal|subprocess)\.([A-Za-z_][A-Za-z0-9_]*)\Z")
PATH_NAMES = ("helper", "helper_dir", "tmp")
STREAMS = ("stdout", "stderr")
EVENT_ENDS = ("read", "write")
# A placeholder in a "text" expression: {helper}, {helper_dir}, {tmp} or
# {event_fd:NAME:read|write}.
TEXT_EVENT_FD = re.compile(r"\{event_fd:([^:{}]+):(read|write)\}")
COMPARE_OPS = ("==", "!=", "<", "<=", ">", ">=")
SIMPLE_VIEWS = ("type", "len", "repr", "str")

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


def load(path, start_method="fork"):
    """Read and check the case at ``path``; return it as a dict."""
    case = read(path)
    check_case(case, start_method)
    return case


def check_case(case, start_method="fork"):
    """Raise CaseError for the first problem of ``case``, or Unsupported
    (for a driver whose multiprocessing uses ``start_method``)."""
    found = problems(case)
    if found:
        raise CaseError(*found[0])
    reason = unsupported(case, start_method)
    if reason:
        e = Unsupported(reason)
        e.case_id = case["id"]
        raise e


def problems(case):
    """Every way ``case`` breaks the schema, as (JSON path, message) pairs."""
    checker = _Checker()
    checker.check_case(case)
    return checker.found


def unsupported(case, start_method="fork"):
    """Why this platform cannot run the well-formed ``case``, or None."""
    for name in case.get("requires", []):
        reason = missing_requirement(name, start_method)
        if reason:
            return "requires %s: %s" % (name, reason)
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


def core_pattern():
    """/proc/sys/kernel/core_pattern, or None where it cannot be read."""
    try:
        with open("/proc/sys/kernel/core_pattern") as f:
            return f.read().strip()
    except OSError:
        return None


def missing_requirement(name, start_method="fork"):
    """Why this machine, or a driver using ``start_method``, lacks
    requirement ``name`` (§2), or None."""
    import os
    if name == FORK_INHERITANCE:
        return None if start_method == "fork" else (
            "the %s start method gives a child a new interpreter, not a "
            "fork-time copy of its creator's objects and variables"
            % start_method)
    if name == "exit-closes-sentinel":
        return None if start_method != "forkserver" else (
            "the forkserver sends a child's exit status down its sentinel and "
            "closes it a moment later, so right after join() the sentinel may "
            "not be ready yet")
    if name == "root":
        return None if os.geteuid() == 0 else "the driver does not run as root"
    if name == "non-root":
        return "the driver runs as root" if os.geteuid() == 0 else None
    if name == "core-dumps":
        import resource
        if resource.getrlimit(resource.RLIMIT_CORE)[1] == 0:
            return "the hard limit RLIMIT_CORE is 0"
        pattern = core_pattern()
        if not pattern or pattern.startswith(("|", "/")):
            return ("core_pattern %s does not name a file in the working "
                    "directory" % q(pattern))
        return None
    return "unknown requirement"


def expression_events(node):
    """(event, end) for every event descriptor an expression in ``node``
    (a step, a value, anything) names: {"event_fd": ...} and the
    {event_fd:NAME:END} placeholders of "text" expressions."""
    found = set()
    if isinstance(node, dict):
        if isinstance(node.get("event_fd"), str) and node.get("end") in EVENT_ENDS:
            found.add((node["event_fd"], node["end"]))
        if set(node) == {"text"} and isinstance(node["text"], str):
            found.update(TEXT_EVENT_FD.findall(node["text"]))
        for value in node.values():
            found |= expression_events(value)
    elif isinstance(node, list):
        for value in node:
            found |= expression_events(value)
    return found


def events(steps):
    """Every event name used anywhere in ``steps``, nested lists included:
    by notify/await steps and by the event descriptors of expressions."""
    names = {step["event"] for _, step in walk(steps)
             if isinstance(step, dict) and step.get("op") in ("notify", "await")}
    return names | {name for name, _ in expression_events(steps)}


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Scope(dict):
    """The local names one steps list has bound so far (name -> how: a dict
    with "kind" ("new" or "fork"), "capture_stderr" and "capture"), the
    variables (§4.9: ``bind`` and ``fork`` names) visible at the current
    step, and what kind of process runs the list."""

    def __init__(self, in_main, in_fork, variables, through_new=()):
        super().__init__()
        self.in_main = in_main
        self.in_fork = in_fork
        self.vars = set(variables)
        # Those of vars this process has only because a "new" child is a
        # fork-time copy of its creator (or descends from one through
        # "fork"), not rebound since: using one needs fork-inheritance.
        self.through_new = set(through_new)
        self.pending = None  # a variable the current step binds
        # §4.12 "del": the variables an earlier step of this very list bound
        # (what "del" may unbind), and those it unbound since.
        self.own = set()
        self.deleted = set()


class _Checker:
    """Checks one case document; ``found`` collects (JSON path, message)."""

    def __init__(self):
        self.found = []
        self.outer = []  # stack: see check_steps
        # Where a "new" child uses what only fork gives it (^name, a
        # variable of its creator): the case must require fork-inheritance.
        self.inherited = []

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
        if "requires" in case:
            self.check_requires(case["requires"])
        if "timeout" in case:
            t = case["timeout"]
            if not _is_number(t) or not 0 < t <= MAX_CASE_TIMEOUT:
                self.problem("timeout", "must be a number of seconds above 0 and at "
                             "most %d" % MAX_CASE_TIMEOUT)
        if "steps" in case:
            self.check_steps(case["steps"], "steps", in_main=True)
        requires = case.get("requires", [])
        if self.inherited and isinstance(requires, list) \
                and FORK_INHERITANCE not in requires:
            where, what = self.inherited[0]
            self.problem(where, "%s, which a \"new\" child has only as a "
                         "fork-time copy of its creator's: the case must "
                         "declare \"%s\" in \"requires\" (§2)"
                         % (what, FORK_INHERITANCE))

    def check_requires(self, requires):
        if not isinstance(requires, list):
            self.problem("requires", "must be an array of requirements (%s)"
                         % ", ".join(REQUIREMENTS))
            return
        for i, name in enumerate(requires):
            w = "requires[%d]" % i
            if not isinstance(name, str) or name not in REQUIREMENTS:
                self.problem(w, "unknown requirement %s (one of %s)"
                             % (q(name), ", ".join(REQUIREMENTS)))
            elif requires.index(name) != i:
                self.problem(w, "%s is listed twice" % q(name))
        if "root" in requires and "non-root" in requires:
            self.problem("requires", "\"root\" and \"non-root\" exclude each "
                         "other")

    # -- §3, §4 -----------------------------------------------------------
    def check_steps(self, steps, where, in_main, outer=None, variables=(),
                    in_fork=False, through_new=()):
        """``outer``: the names the creating list had bound before the
        ``new`` of the process running these steps (what ``^name`` may
        name: the child's fork-time copies of them); ``variables``: the
        variables bound before it (the child's copies of them, §4.9);
        ``in_fork``: the list is a "fork" child's; ``through_new``: the
        variables that crossed a "new" (see _Scope)."""
        if not isinstance(steps, list):
            self.problem(where, "must be an array of steps")
            return
        bound = _Scope(in_main, in_fork, variables, through_new)
        self.outer.append(outer)
        for i, step in enumerate(steps):
            bound.pending = None
            self.check_step(step, "%s[%d]" % (where, i), bound, in_main)
            if bound.pending is not None:
                bound.vars.add(bound.pending)
                bound.own.add(bound.pending)
                bound.deleted.discard(bound.pending)
                bound.through_new.discard(bound.pending)
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
        keys = set(step) - {"op", SETUP_KEY}
        if SETUP_KEY in step and step[SETUP_KEY] is not True:
            # Only true: an absent key already says "checks the clauses".
            self.problem("%s.%s" % (where, SETUP_KEY),
                         "must be true (leave it out for a step that checks "
                         "the case's clauses)")
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
        if op in UNWINDING_OPS and bound.in_fork:
            self.problem(where, "op %s would unwind through the driver in a "
                         "\"fork\" child; end it with \"os_exit\"" % q(op))
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
        if step["op"] in ("new", "fork"):
            if self.local_name(proc, w):
                if proc in bound:
                    self.problem(w, "%s is already bound by an earlier %s "
                                 "of this steps list; names must be unique"
                                 % (q(proc), q(bound[proc]["kind"])))
                else:
                    bound[proc] = {"kind": step["op"],
                                   "capture_stderr": step.get("capture_stderr") is True,
                                   "capture": step.get("capture") is True}
        elif step["op"] == "stderr":
            if self.process_object(proc, w, bound) \
                    and not bound[proc]["capture_stderr"]:
                self.problem(w, "%s was not created with \"capture_stderr\": "
                             "true, so it has no stderr to read" % q(proc))
        elif isinstance(proc, str) and proc.startswith("^"):
            outer = self.outer[-1]
            if outer is None:
                self.problem(w, "%s names an object of the creating process; "
                             "only a target or run list has one" % q(proc))
            elif self.bound_name(proc[1:], w, outer):
                self.inherited.append((w, "%s names an object of the "
                                       "creating process" % q(proc)))
        elif proc not in SPECIAL_PROCS:
            self.process_object(proc, w, bound, "%s is neither a local name "
                                "nor @current/@parent/^name")

    def process_object(self, name, where, bound, *message):
        """True if ``name`` is bound by an earlier "new" of this list."""
        if not self.bound_name(name, where, bound, *message):
            return False
        if isinstance(bound, _Scope) and bound[name]["kind"] != "new":
            self.problem(where, "%s is bound by \"fork\" to a process id, "
                         "not a Process object" % q(name))
            return False
        return True

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
        for key in ("target", "run"):
            if key in step:
                self.check_steps(step[key], "%s.%s" % (where, key),
                                 in_main=False, outer=dict(bound),
                                 variables=bound.vars, through_new=bound.vars)
        self.check_bool(step, "capture", where)
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
            elif capture and not any(key in step for key in ("target", "run")):
                self.problem(where + ".capture_stderr", "true needs \"target\" or "
                             "\"run\"")

    def op_repr(self, step, where, bound):
        # §4.1: the parts of the text the case's clause speaks of.
        parts = step.get("contains")
        if "contains" in step and not (
                isinstance(parts, list) and 1 <= len(parts) <= MAX_REPR_PARTS
                and all(isinstance(p, str) and p for p in parts)):
            self.problem(where + ".contains", "must be an array of 1 to %d non-empty strings"
                         % MAX_REPR_PARTS)

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
                    if self.process_object(name, wi, bound):
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

    # -- §4.9 protocol 2 ---------------------------------------------------
    def check_bool(self, step, key, where):
        if key in step and not isinstance(step[key], bool):
            self.problem("%s.%s" % (where, key), "must be true or false")

    def check_string(self, step, key, where, nonempty=False):
        if key in step:
            v = step[key]
            if not isinstance(v, str) or (nonempty and not v):
                self.problem("%s.%s" % (where, key), "must be a %sstring"
                             % ("non-empty " if nonempty else ""))
                return False
        return True

    def check_call_keys(self, step, where, bound):
        if "args" in step:
            if not isinstance(step["args"], list):
                self.problem(where + ".args", "must be an array of expressions")
            else:
                self.check_expr(step["args"], where + ".args", bound)
        if "kwargs" in step:
            kw = step["kwargs"]
            if not isinstance(kw, dict) or not all(IDENTIFIER.match(k) for k in kw):
                self.problem(where + ".kwargs",
                             "must be an object whose keys are identifiers")
            else:
                for k, e in kw.items():
                    self.check_expr(e, "%s.kwargs.%s" % (where, k), bound)
        if "observe" in step:
            self.check_views(step["observe"], where + ".observe", bound)
        if "exception_attrs" in step:
            attrs = step["exception_attrs"]
            if not isinstance(attrs, list) or not attrs or not all(
                    isinstance(a, str) and IDENTIFIER.match(a) for a in attrs):
                self.problem(where + ".exception_attrs", "must be a non-empty "
                             "array of attribute names")
        self.bind_name(step, where, bound)

    def bind_name(self, step, where, bound):
        """Checks "bind"; the variable is visible from the next step on."""
        if "bind" in step and self.local_name(step["bind"], where + ".bind"):
            bound.pending = step["bind"]

    def op_call(self, step, where, bound):
        f = step.get("function")
        w = where + ".function"
        if not isinstance(f, str) or f not in FUNCTIONS:
            self.problem(w, "unknown function %s (the functions of "
                         "spec/protocol.md §4.11)" % q(f))
        elif f in FORK_FUNCTIONS:
            self.problem(w, "%s runs only through the \"fork\" op" % q(f))
        elif f in ENDING_FUNCTIONS and bound.in_main:
            self.problem(w, "%s replaces or ends the process running it; the "
                         "main process is the driver (§5): call it in a child"
                         % q(f))
        self.check_call_keys(step, where, bound)

    def op_method(self, step, where, bound):
        self.check_var(step.get("var"), where + ".var", bound)
        if "method" in step and step["method"] not in METHODS:
            self.problem(where + ".method", "unknown method %s (one of %s)"
                         % (q(step["method"]), ", ".join(METHODS)))
        self.check_call_keys(step, where, bound)

    def op_del(self, step, where, bound):
        """§4.12: ``del var`` of a variable an earlier step of this list
        bound; the name is unbound from the next step on (until a later
        "bind" binds it again)."""
        name = step.get("var")
        w = where + ".var"
        if not self.local_name(name, w):
            return
        if name in bound.deleted:
            self.problem(w, "%s was already deleted by an earlier \"del\" of "
                         "this steps list" % q(name))
        elif name not in bound.own:
            self.problem(w, "%s is not a variable bound by an earlier step "
                         "(\"bind\", \"fork\") of this steps list" % q(name))
        else:
            bound.vars.discard(name)
            bound.own.discard(name)
            bound.through_new.discard(name)
            bound.deleted.add(name)

    def op_value(self, step, where, bound):
        if "of" in step:
            self.check_expr(step["of"], where + ".of", bound)
        if "observe" in step:
            self.check_views(step["observe"], where + ".observe", bound)
        self.bind_name(step, where, bound)

    def op_clock(self, step, where, bound):
        """§4.13: a time (or the seconds since a time bound earlier) is
        observed only through comparisons, never itself."""
        if "since" in step:
            self.check_var(step["since"], where + ".since", bound)
        if "observe" in step:
            views = step["observe"]
            self.check_views(views, where + ".observe", bound)
            if isinstance(views, list) and not all(
                    isinstance(v, dict) and set(v) == {"compare"} for v in views):
                self.problem(where + ".observe", "a clock is observed only through "
                             "comparisons ({\"compare\": [op, e]}): no time may reach "
                             "an expected file")
        self.bind_name(step, where, bound)

    def op_hasattr(self, step, where, bound):
        if "name" in step and not (isinstance(step["name"], str)
                                   and DOTTED.match(step["name"])):
            self.problem(where + ".name", "must name an attribute of a module "
                         "(%s) like \"os.EX_OK\"" % ", ".join(CONST_MODULES))

    def op_fork(self, step, where, bound):
        self.check_bool(step, "pty", where)
        self.check_bool(step, "capture", where)
        if "child" in step:
            name = step.get("proc")
            variables = set(bound.vars)
            if isinstance(name, str):
                variables.add(name)
            self.check_steps(step["child"], where + ".child", in_main=False,
                             outer=None, variables=variables, in_fork=True,
                             through_new=bound.through_new - {name})
        if isinstance(step.get("proc"), str):
            bound.pending = step["proc"]

    def op_output(self, step, where, bound):
        self.check_stream(step, where)
        self.check_bool(step, "lines", where)
        if "proc" in step:
            w = where + ".proc"
            proc = step["proc"]
            if self.bound_name(proc, w, bound) and not bound[proc]["capture"]:
                self.problem(w, "%s was not created with \"capture\": true, so "
                             "it has no capture files of its own" % q(proc))

    def check_stream(self, step, where):
        if "stream" in step and step["stream"] not in STREAMS:
            self.problem(where + ".stream", "must be \"stdout\" or \"stderr\"")

    def op_write(self, step, where, bound):
        self.check_stream(step, where)
        self.check_string(step, "text", where)

    def op_flush(self, step, where, bound):
        self.check_stream(step, where)

    def op_setenv(self, step, where, bound):
        self.check_string(step, "name", where, nonempty=True)
        if "value" in step:
            self.check_expr(step["value"], where + ".value", bound)

    def op_unsetenv(self, step, where, bound):
        self.check_string(step, "name", where, nonempty=True)

    # -- value expressions and views --------------------------------------
    def check_var(self, name, where, bound):
        if not self.local_name(name, where):
            return
        if name in bound.deleted:
            self.problem(where, "%s was deleted by an earlier \"del\" of this "
                         "steps list" % q(name))
        elif name not in bound.vars:
            self.problem(where, "%s is not a variable bound by an earlier "
                         "step (\"bind\", \"fork\") of this process" % q(name))
        elif name in bound.through_new:
            self.inherited.append((where, "variable %s is its creator's"
                                   % q(name)))

    def check_expr(self, e, where, bound):
        """A value expression (§4.9)."""
        if isinstance(e, list):
            for i, v in enumerate(e):
                self.check_expr(v, "%s[%d]" % (where, i), bound)
            return
        if not isinstance(e, dict):
            return  # a JSON scalar means itself
        kinds = set(e) & set(EXPRESSIONS)
        if len(kinds) != 1:
            self.problem(where, "an object in a value is an expression with "
                         "one of the keys %s" % ", ".join(EXPRESSIONS))
            return
        kind = kinds.pop()
        extra = set(e) - {kind} - EXPRESSIONS[kind]
        if extra:
            self.problem(where, "unknown key %s for expression %s"
                         % (q(sorted(extra)[0]), q(kind)))
            return
        getattr(self, "expr_" + kind)(e, where, bound)

    def expr_bytes(self, e, where, bound):
        if not isinstance(e["bytes"], str) or not HEX.match(e["bytes"]):
            self.problem(where + ".bytes", "%s is not an even-length hex "
                         "string" % q(e["bytes"]))

    def expr_tuple(self, e, where, bound):
        if not isinstance(e["tuple"], list):
            self.problem(where + ".tuple", "must be an array of expressions")
        else:
            self.check_expr(e["tuple"], where + ".tuple", bound)

    def expr_dict(self, e, where, bound):
        if not isinstance(e["dict"], dict):
            self.problem(where + ".dict", "must be an object of expressions")
        else:
            for k, v in e["dict"].items():
                self.check_expr(v, "%s.dict.%s" % (where, k), bound)

    def expr_path(self, e, where, bound):
        if e["path"] not in PATH_NAMES:
            self.problem(where + ".path", "must be one of %s" % ", ".join(PATH_NAMES))

    def expr_text(self, e, where, bound):
        if not isinstance(e["text"], str):
            self.problem(where + ".text", "must be a string")

    def expr_const(self, e, where, bound):
        if not isinstance(e["const"], str) or not DOTTED.match(e["const"]):
            self.problem(where + ".const", "must name an attribute of a module (%s) like "
                         "\"os.P_WAIT\"" % ", ".join(CONST_MODULES))

    def expr_or(self, e, where, bound):
        if not isinstance(e["or"], list) or len(e["or"]) < 2:
            self.problem(where + ".or", "must be an array of two or more "
                         "expressions")
        else:
            self.check_expr(e["or"], where + ".or", bound)

    def expr_neg(self, e, where, bound):
        self.check_expr(e["neg"], where + ".neg", bound)

    def expr_var(self, e, where, bound):
        self.check_var(e["var"], where + ".var", bound)
        if "index" in e and "attr" in e:
            self.problem(where, "\"index\" and \"attr\" exclude each other")
        if "index" in e and not _is_int(e["index"]):
            self.problem(where + ".index", "must be an integer")
        if "attr" in e and not (isinstance(e["attr"], str)
                                and IDENTIFIER.match(e["attr"])):
            self.problem(where + ".attr", "must be an attribute name")

    def expr_environ(self, e, where, bound):
        env = e["environ"]
        where += ".environ"
        if not isinstance(env, dict) or set(env) - {"set", "unset"}:
            self.problem(where, "must be an object with \"set\" and/or "
                         "\"unset\"")
            return
        if "set" in env:
            if not isinstance(env["set"], dict):
                self.problem(where + ".set", "must be an object of expressions")
            else:
                for k, v in env["set"].items():
                    self.check_expr(v, "%s.set.%s" % (where, k), bound)
        if "unset" in env and not (isinstance(env["unset"], list) and all(
                isinstance(n, str) for n in env["unset"])):
            self.problem(where + ".unset", "must be an array of names")

    def expr_hook(self, e, where, bound):
        if not isinstance(e["hook"], str) or not e["hook"]:
            self.problem(where + ".hook", "must be a non-empty string")
        if "raise" in e and e["raise"] not in RAISE_TYPES:
            self.problem(where + ".raise", "unknown exception type %s "
                         "(one of %s)" % (q(e["raise"]), ", ".join(RAISE_TYPES)))

    def expr_event_fd(self, e, where, bound):
        if not isinstance(e["event_fd"], str) or not e["event_fd"]:
            self.problem(where + ".event_fd", "must be a non-empty event name")
        if e.get("end") not in EVENT_ENDS:
            self.problem(where + ".end", "must be \"read\" or \"write\"")

    def expr_pathlike(self, e, where, bound):
        self.check_expr(e["pathlike"], where + ".pathlike", bound)

    def check_views(self, views, where, bound):
        if not isinstance(views, list) or not views:
            self.problem(where, "must be a non-empty array of views")
            return
        for i, v in enumerate(views):
            self.check_view(v, "%s[%d]" % (where, i), bound)

    def check_view(self, v, where, bound):
        if v == "value":
            return
        if not isinstance(v, dict) or not v:
            self.problem(where, "a view is \"value\" or an object (§4.9)")
            return
        simple = set(v) & set(SIMPLE_VIEWS)
        if simple:
            key = simple.pop()
            if set(v) != {key} or v[key] is not True:
                self.problem(where, "{%s: true} takes no other key" % q(key))
            return
        unknown = set(v) - {"attr", "index", "compare"}
        if unknown:
            self.problem(where, "unknown key %s in a view" % q(sorted(unknown)[0]))
            return
        if "attr" in v and "index" in v:
            self.problem(where, "\"index\" and \"attr\" exclude each other")
        if "attr" in v and not (isinstance(v["attr"], str)
                                and IDENTIFIER.match(v["attr"])):
            self.problem(where + ".attr", "must be an attribute name")
        if "index" in v and not _is_int(v["index"]):
            self.problem(where + ".index", "must be an integer")
        if "compare" in v:
            c = v["compare"]
            if not (isinstance(c, list) and len(c) == 2
                    and c[0] in COMPARE_OPS):
                self.problem(where + ".compare", "must be [OP, expression] "
                             "with OP one of %s" % " ".join(COMPARE_OPS))
            else:
                self.check_expr(c[1], where + ".compare[1]", bound)


# expression key -> the other keys it may have (§4.9)
EXPRESSIONS = {
    "bytes": set(), "tuple": set(), "dict": set(), "path": set(),
    "text": set(), "const": set(), "or": set(), "neg": set(),
    "var": {"index", "attr"},
    "environ": set(), "hook": {"raise"}, "event_fd": {"end"},
    "pathlike": set(),
}
