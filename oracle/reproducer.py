"""A standalone Python program per case: its steps without the harness.

    python3 oracle/reproducer.py 0007            print case 0007's program
    python3 oracle/reproducer.py --out DIR       write DIR/<id>.py for every case
    python3 oracle/reproducer.py --out DIR 0007 0400 conformance/cases/0123.json

The program is what an implementer attaches to a bug report: plain Python
(standard library only) whose steps are the calls they are
(``p = multiprocessing.Process(target=p_target)``, ``p.start()``,
``s.observe(p.exitcode)``), child targets as nested functions, with a small
embedded helper that prints, once every process of the case has ended, one
line per observation, normalised as the harness normalises (spec/protocol.md
§6: the first pid seen is "pid#1", fds "fd#1", this machine's paths
"<tmp>"), stream after stream:

    main[3] {"value": 0}                         stream main, step 3
    main[4] {"value": "pid#2"}
    p[0] {"raised": {"bases": ["Exception", "BaseException"], "class": "ValueError", ...}}
    # stream q (no observations)

so that running it under CPython and under another implementation and
diffing the two outputs shows exactly where they differ. ``--live`` prints
the raw lines as they happen instead (values encoded as the driver encodes
them, {"pid": 4242}, with "# pid N" and "# stream p" lines), which shows how
far a program that hangs got. ``parse_output`` reads either back; the ctest
``oracle.reproducers`` compares them with conformance/expected.

The helper does what the driver does around the steps, and no more: fd 1 and
2 become capture files (§4.10) with the real standard output kept for the
report, events are pipes (§4.2), the main process waits at the end until
every process of the case has ended (the report pipe's end of file), and
prints what the case wrote to its stderr. The helper program of the suite is $PYPROC_HELPER (default: the one
this generator found); scratch files go to $PYPROC_CASE_TMP (default: the
current directory).

The semantics are not written twice: the encoding of values, the tags, the
capture files, hooks and path-like objects are the oracle's own code
(values.py, programs.py, driver.py), copied into the program by inspect; the
translation of each op follows driver.py's op_* methods one for one.
"""

import argparse
import functools
import inspect
import json
import os
import sys
import textwrap

ORACLE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, ORACLE)

import casefile  # noqa: E402
import channel  # noqa: E402
import driver  # noqa: E402
import normalize  # noqa: E402
import programs  # noqa: E402
import values  # noqa: E402

ROOT = os.path.dirname(ORACLE)
DEFAULT_CASES = os.path.join(ROOT, "conformance", "cases")
BUILT_HELPER = os.path.join(ROOT, "build", "default", "conformance", "helper",
                            "pyproc-helper")

# Cases that cannot be written as a standalone program, with the reason. Empty:
# every op of protocols 1-3 has its translation below.
NOT_EXPRESSIBLE = {}


class ReproducerError(Exception):
    """A case the generator cannot translate; the message says where."""


def _source(obj):
    return inspect.getsource(obj).rstrip() + "\n"


def _values_source():
    """values.py without its module docstring."""
    text = inspect.getsource(values)
    start = text.index('"""', 3) + 3
    return text[start:].strip() + "\n"


RUNTIME_HEAD = '''\
# ---------------------------------------------------------------------------
# The observe/print helper (the same code as pyproc's oracle driver).
# ---------------------------------------------------------------------------
import builtins
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import resource
import select
import signal
import subprocess
import sys
import time
import traceback
import warnings

HELPER = os.environ.get("PYPROC_HELPER") or %(helper)r
HELPER_DIR = os.path.dirname(HELPER)
TMP = os.environ.get("PYPROC_CASE_TMP") or os.getcwd()
EXCEPTIONS = vars(builtins)
UNDER_TEST = (("os", os), ("subprocess", subprocess), ("multiprocessing", multiprocessing))
READ_CHUNK = 1 << 16
_BIG_PIPE = 1 << 20
MAIN_LINES = []

'''

RUNTIME_TAIL = '''

def pid_result(r):
    """os.wait*'s result: its pid tagged."""
    return (pid(r[0]),) + r[1:] if type(r) is tuple else r


def fd_pair(r):
    return (Fd(r[0]), Fd(r[1]))


def report(line):
    """One observation line. With --live it goes to the real standard output
    at once; else the main process keeps its own and the others send theirs
    through the report pipe (one write each), and finish() prints them all,
    normalised, at the end."""
    data = (line + "\\n").encode("ascii")
    if LIVE:
        fd = REAL_STDOUT
    elif os.getpid() == MAIN_PID:
        MAIN_LINES.append(line)
        return
    else:
        fd = REPORT[1]
    while data:
        data = data[os.write(fd, data):]


def note_pid(n):
    """A process id this case met (pids in strings are normalised by it)."""
    report("# pid %d" % int(n))


def note_pids(r):
    for n in pids_in(r):
        note_pid(n)


def type_name(r):
    # A tagged int is an int to the case (the tag is this program's).
    return "int" if isinstance(r, (Pid, Fd, Uid, Gid)) else type(r).__name__


class step:
    """One step of stream ``where``: prints "<where>[<index>] <observation>",
    the value given to observe() or the exception the step raised."""

    def __init__(self, where, index, attrs=None):
        self.where, self.index, self.attrs = where, index, attrs
        self.value = None
        self.pid = os.getpid()

    def __enter__(self):
        return self

    def observe(self, value):
        self.value = value

    def __exit__(self, kind, e, tb):
        if os.getpid() != self.pid:
            # start() returned (or raised) in the child: it ends there, as
            # an uncaught exception ends a program.
            if e is not None:
                traceback.print_exception(kind, e, tb)
            sys.stderr.flush()
            os._exit(1)
        if isinstance(e, DriverError):
            return False
        if e is None:
            obs = {"value": encode(self.value)}
        else:
            obs = raised(e, self.attrs, UNDER_TEST)
        self.value = None
        report("%s[%d] %s" % (self.where, self.index,
                                json.dumps(obs, sort_keys=True, ensure_ascii=True)))
        return True


def done(where, index):
    """A step that observes nothing (None)."""
    with step(where, index):
        pass


def begin(where, has_steps, stderr_fd=None, files=None):
    """The first thing a child does: its capture files on fd 1 and 2, its
    pid and its stream announced."""
    if files:
        os.dup2(files["stdout"], 1)
        os.dup2(files["stderr"], 2)
    if stderr_fd is not None:
        sys.stderr.flush()
        os.dup2(stderr_fd, 2)
    note_pid(os.getpid())
    if has_steps:
        report("# stream %s" % where)


def run_forked(where, body, files):
    """The child of os.fork(): its steps, then os._exit(0)."""
    try:
        if files:
            os.dup2(files["stdout"], 1)
            os.dup2(files["stderr"], 2)
        note_pid(os.getpid())
        body()
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


def forked(child, where, has_steps):
    """In the parent after os.fork(): the child's pid noted, its stream."""
    note_pid(child)
    if has_steps:
        report("# stream %s" % where)
    return Pid(child)


def capture_files(name):
    """Capture files for a child (its fd 1 and 2), readable by its parent."""
    return {s: os.memfd_create("%s-%s" % (s, name)) for s in ("stdout", "stderr")}


def close_all(fds):
    for fd in (fds or {}).values():
        os.close(fd)


def notify(event):
    try:
        os.write(EVENTS[event][1], b"x")
    except OSError as e:
        raise DriverError("event %r: cannot post: %s" % (event, e))


def await_event(event):
    fd = EVENTS[event][0]
    while True:
        try:
            data = os.read(fd, 1)
        except InterruptedError:
            continue
        if data:
            return None
        raise DriverError("event %r: unexpected end of file" % event)


def event_fd(event, end):
    """One end of an event's pipe, inheritable, as a command-line argument."""
    fd = EVENTS[event][0 if end == "read" else 1]
    os.set_inheritable(fd, True)
    return str(fd)


def environ(set=(), unset=()):
    env = dict(os.environ)
    env.update(dict(set))
    for k in unset:
        env.pop(k, None)
    return env


HOOK_LOG = []
HOOK_READ = [0]


def hook(name, raises=None):
    return Hook(HOOK_LOG, name, raises)


def hook_log():
    """The hooks this process ran since the last hook_log()."""
    me = os.getpid()
    names = [name for who, name in HOOK_LOG[HOOK_READ[0]:] if who == me]
    HOOK_READ[0] = len(HOOK_LOG)
    return names


READ_POS = {}


def output(stream, files=None, lines=False):
    """What was written to a capture file since the last look."""
    fd = files[stream] if files else (1 if stream == "stdout" else 2)
    st = os.fstat(fd)
    key = (st.st_dev, st.st_ino)
    position = READ_POS.get(key, 0)
    data = read_from(fd, position)
    READ_POS[key] = position + len(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return unindented_lines(text) if lines else text


def stderr_lines(fd):
    text = os.pread(fd, 1 << 20, 0).decode("utf-8", "replace")
    return [line for line in text.splitlines()
            if not line.startswith((" ", "\\t"))]


def ready_names(procs, timeout=None):
    """multiprocessing.connection.wait() on the processes' sentinels: the
    names of those that are ready."""
    by_sentinel = {p.sentinel: name for name, p in procs.items()}
    ready = multiprocessing.connection.wait(list(by_sentinel), timeout)
    return sorted(by_sentinel[s] for s in ready)


def setup(requires):
    """What the driver does before the first step."""
    global CAPTURE, REAL_STDOUT, REPORT, EVENTS, MAIN_PID, LIVE
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    wanted = hard if "core-dumps" in requires else 0
    if soft != wanted:
        resource.setrlimit(resource.RLIMIT_CORE, (wanted, hard))
    warnings.filterwarnings("ignore", category=ResourceWarning)
    multiprocessing.set_start_method("fork")
    LIVE = "--live" in sys.argv[1:]
    MAIN_PID = os.getpid()
    CAPTURE = Capture()             # fd 1 and 2 are capture files from here on
    REAL_STDOUT = CAPTURE.real_stdout
    REPORT = os.pipe()              # held by every process of the case
    _enlarge(REPORT[1])
    EVENTS = {name: os.pipe() for name in EVENT_NAMES}
    note_pid(os.getpid())


def finish():
    """Waits until every process of the case has ended (the last one
    closes the report pipe), prints the observations (unless --live printed
    them already) and what the case wrote to its stderr."""
    os.close(REPORT[1])
    chunks = []
    while True:
        try:
            data = os.read(REPORT[0], 65536)
        except InterruptedError:
            continue
        if not data:
            break
        chunks.append(data)
    sys.stdout.flush()
    sys.stderr.flush()
    diagnostics = CAPTURE.diagnostics()
    if diagnostics:
        os.write(CAPTURE.real_stderr, diagnostics)
    if LIVE:
        return
    lines = MAIN_LINES + b"".join(chunks).decode("ascii").splitlines()
    data = "".join(line + "\\n" for line in normalized(lines)).encode("ascii")
    while data:
        data = data[os.write(REAL_STDOUT, data):]


def normalized(lines):
    """The observation lines with pids, fds, uids, gids, authkeys and this
    machine's paths made portable (spec/protocol.md §6: pid#1 is the first
    pid seen, ...), each stream in order: two runs, under two
    implementations, compare with diff."""
    pids, streams = [], {}
    for line in lines:
        if line.startswith("# pid "):
            pids.append(int(line[6:]))
        elif line.startswith("# stream "):
            streams.setdefault(line[9:], {})
        else:
            where, _, obs = line.partition(" ")
            path, _, index = where[:-1].partition("[")
            streams.setdefault(path, {})[int(index)] = json.loads(obs)
    first = pids[0]
    norm = _Normalizer([first] + sorted(set(pids) - {first}), LITERALS,
                       {"tmp": TMP, "helper": HELPER, "helper_dir": HELPER_DIR})
    out = []
    for path in stream_order(streams):
        by_index = streams[path]
        if not by_index:
            out.append("# stream %s (no observations)" % path)
        for i in sorted(by_index):
            out.append("%s[%d] %s" % (path, i, json.dumps(
                norm.value(by_index[i]), sort_keys=True, ensure_ascii=True)))
    return out
'''


def runtime(helper, literals):
    return (RUNTIME_HEAD % {"helper": helper} + _shared_runtime()
            + "\n# Byte strings the case itself writes (an authkey equal to one is shown).\n"
            "LITERALS = set(%r)\n" % (sorted(literals),) + RUNTIME_TAIL)


@functools.lru_cache(maxsize=None)
def _shared_runtime():
    """The oracle's code every program embeds, read once (inspect reads the
    source files again: once keeps every program of a run the same)."""
    parts = [_values_source(), "\n"]
    for obj in (driver.tag_attr, programs.FakePath, programs.Hook,
                programs.standard_streams, programs.capture_file, programs.Capture,
                programs.read_from,
                programs.unindented_lines, channel._enlarge, normalize._Numbering,
                normalize._is_int, normalize._Normalizer, normalize.stream_order):
        parts.append("\n" + _source(obj) + "\n")
    parts.append("\n_DIGITS = re.compile(%r)\n" % normalize._DIGITS.pattern)
    return "".join(parts)


# --- translation -----------------------------------------------------------

# How a function's result is tagged (programs.tag_result, §4.11); the test
# pins this table to tag_result itself.
def result_tagger(name, args):
    if name in programs.PID_RESULTS:
        return "pid"
    if name in programs.WAIT_RESULTS:
        return "pid_result"
    if name in casefile.SPAWN_FUNCTIONS and args and _static_value(args[0]) == os.P_NOWAIT:
        return "pid"
    if name in ("os.getuid", "os.geteuid"):
        return "Uid"
    if name in ("os.getgid", "os.getegid"):
        return "Gid"
    if name in ("os.open", "os.dup", "os.dup2"):
        return "Fd"
    if name == "os.pipe":
        return "fd_pair"
    return None


def _static_value(e):
    """The value of a constant expression, or a marker that it has none."""
    if isinstance(e, dict) and set(e) == {"const"}:
        module, attr = e["const"].split(".", 1)
        return getattr(programs.MODULES[module], attr, object())
    if isinstance(e, int) and not isinstance(e, bool):
        return e
    return object()


def literal(value):
    """A JSON value of a case (with {"bytes": hex}) as a Python literal."""
    if isinstance(value, dict) and set(value) == {"bytes"}:
        return repr(bytes.fromhex(value["bytes"]))
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join("%r: %s" % (k, literal(v)) for k, v in value.items()) + "}"
    return repr(value)


def signal_expr(name):
    offset = casefile._rt_offset(name)
    if offset:
        base, delta = offset
        return "signal.%s %s %d" % (base, "+" if delta > 0 else "-", abs(delta))
    return "signal." + name


class Scope:
    """One steps list: its process objects (local name -> Python name), the
    creator's (for ^name), its stream, whether it runs in a target."""

    def __init__(self, path, outer=None, received=None, depth=0):
        self.path = path
        self.procs = {}
        self.outer = outer
        self.received = received  # Python expression of what the target got
        self.depth = depth
        self.files = {}   # local name -> Python name of its capture files
        self.stderr = {}  # local name -> Python name of its stderr capture


class Generator:
    def __init__(self, case, helper):
        self.case = case
        self.helper = helper
        self.lines = []
        self.var_names = set()
        self.tagged_vars = set()
        for _, st in casefile.walk(case["steps"]):
            if "bind" in st:
                self.var_names.add(st["bind"])
            if st.get("op") == "fork":
                self.var_names.add(st["proc"])
        # Variables are module globals (a process's variables, which fork
        # copies, §4.9); one named like a helper name gets a "_".
        self.var_ident = {v: v + "_" if v in PYTHON_NAMES else v for v in self.var_names}
        self.used = set(self.var_ident.values())
        # (process path, step index) -> the lines that step became; a nested
        # function's lines belong to its own steps, not to the "new" or
        # "fork" step that defines it.
        self.current = None
        self.step_lines = {}

    def var(self, name):
        return self.var_ident.get(name, name)

    # --- output -----------------------------------------------------------
    def emit(self, indent, text):
        self.lines.append("    " * indent + text if text else "")
        if self.current is not None:
            self.step_lines.setdefault(self.current, []).append(self.lines[-1])

    def ident(self, base):
        """A Python name not used yet in this program."""
        name = base
        n = 2
        while name in self.used or name in PYTHON_NAMES:
            name = "%s_%d" % (base, n)
            n += 1
        self.used.add(name)
        return name

    # --- expressions (programs.ProgramOps.eval_*) -------------------------
    def expr(self, e, arg=False):
        """``e`` as Python. ``arg``: as an argument of a call, untagged
        (ProgramOps.arguments applies plain())."""
        if isinstance(e, list):
            return "[" + ", ".join(self.expr(v, arg) for v in e) + "]"
        if not isinstance(e, dict):
            return repr(e)
        kind = (set(e) & set(casefile.EXPRESSIONS)).pop()
        if kind == "bytes":
            return repr(bytes.fromhex(e["bytes"]))
        if kind == "tuple":
            items = [self.expr(v, arg) for v in e["tuple"]]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if kind == "dict":
            return "{" + ", ".join("%r: %s" % (k, self.expr(v, arg))
                                   for k, v in e["dict"].items()) + "}"
        if kind == "path":
            return {"helper": "HELPER", "helper_dir": "HELPER_DIR", "tmp": "TMP"}[e["path"]]
        if kind == "text":
            return self.text(e["text"])
        if kind == "const":
            return e["const"]
        if kind == "or":
            return "(" + " | ".join(self.expr(v, arg) for v in e["or"]) + ")"
        if kind == "neg":
            return "-int(%s)" % self.expr(e["neg"], arg)
        if kind == "var":
            name = self.var(e["var"])
            if "index" in e:
                x = "%s[%d]" % (name, e["index"])
                return "plain(%s)" % x if arg and name in self.tagged_vars else x
            if "attr" in e:
                x = "%s.%s" % (name, e["attr"])
                if not arg and e["attr"] in values._ATTR_TAGS:
                    return "tag_attribute(%r, %s)" % (e["attr"], x)
                return x
            return "plain(%s)" % name if arg and name in self.tagged_vars else name
        if kind == "environ":
            env = e["environ"]
            parts = []
            if env.get("set"):
                parts.append("set={%s}" % ", ".join(
                    "%r: %s" % (k, self.expr(v, arg)) for k, v in env["set"].items()))
            if env.get("unset"):
                parts.append("unset=%r" % (list(env["unset"]),))
            return "environ(%s)" % ", ".join(parts)
        if kind == "hook":
            if e.get("raise"):
                return "hook(%r, raises=%r)" % (e["hook"], e["raise"])
            return "hook(%r)" % e["hook"]
        if kind == "pathlike":
            return "FakePath(%s)" % self.expr(e["pathlike"], arg)
        if kind == "event_fd":
            return "event_fd(%r, %r)" % (e["event_fd"], e["end"])
        raise ReproducerError("unknown expression %r" % kind)

    def text(self, text):
        """A {"text": ...} string: its placeholders as Python names."""
        pieces = []
        rest = text
        import re
        token = re.compile(r"\{(helper_dir|helper|tmp)\}|" + casefile.TEXT_EVENT_FD.pattern)
        pos = 0
        for m in token.finditer(rest):
            if m.start() > pos:
                pieces.append(repr(rest[pos:m.start()]))
            if m.group(1):
                pieces.append({"helper": "HELPER", "helper_dir": "HELPER_DIR",
                               "tmp": "TMP"}[m.group(1)])
            else:
                pieces.append("event_fd(%r, %r)" % (m.group(2), m.group(3)))
            pos = m.end()
        if pos < len(rest) or not pieces:
            pieces.append(repr(rest[pos:]))
        return " + ".join(pieces)

    def call_args(self, step):
        args = [self.expr(a, arg=True) for a in step.get("args", [])]
        args += ["%s=%s" % (k, self.expr(v, arg=True))
                 for k, v in step.get("kwargs", {}).items()]
        return ", ".join(args)

    def views(self, r, views):
        out = []
        for v in views:
            if v == "value":
                out.append(r)
            elif v.get("type"):
                out.append("type_name(%s)" % r)
            elif v.get("len"):
                out.append("len(%s)" % r)
            elif v.get("repr"):
                out.append("repr(%s)" % r)
            elif v.get("str"):
                out.append("str(%s)" % r)
            else:
                x = r
                if "attr" in v:
                    x = "%s.%s" % (r, v["attr"])
                    if v["attr"] in values._ATTR_TAGS:
                        x = "tag_attribute(%r, %s)" % (v["attr"], x)
                elif "index" in v:
                    x = "%s[%d]" % (r, v["index"])
                if "compare" in v:
                    op, e = v["compare"]
                    x = "bool(%s %s %s)" % (x, op, self.expr(e))
                out.append(x)
        return "[" + ", ".join(out) + "]"

    # --- process objects ----------------------------------------------------
    def proc(self, name, scope):
        if name == "@current":
            return "multiprocessing.current_process()"
        if name == "@parent":
            return "multiprocessing.parent_process()"
        if name.startswith("^"):
            return scope.outer.procs[name[1:]]
        return scope.procs[name]

    # --- steps lists ----------------------------------------------------------
    def steps(self, steps, scope, indent):
        if not steps:
            return
        for index, st in enumerate(steps):
            translate = getattr(self, "op_" + str(st.get("op")), None)
            if translate is None:
                raise ReproducerError("process %s, step %d: op %r has no translation to "
                                      "Python in oracle/reproducer.py"
                                      % (scope.path, index, st.get("op")))
            self.current = (scope.path, index)
            translate(st, index, scope, indent)
            self.current = None

    def head(self, scope, index, step=None):
        attrs = step.get("exception_attrs") if step else None
        if attrs is not None:
            return "with step(%r, %d, attrs=%r) as s:" % (scope.path, index, attrs)
        return "with step(%r, %d) as s:" % (scope.path, index)

    def globals_of(self, steps):
        """The variables a steps list binds or deletes (module globals: the
        variables of a process, which fork copies, §4.9)."""
        names = set()
        for st in steps:
            if "bind" in st:
                names.add(st["bind"])
            if st["op"] in ("fork", "del"):
                names.add(st.get("proc") or st.get("var"))
        return sorted(self.var(n) for n in names)

    def function(self, indent, signature, steps, scope, prologue, doc):
        outer, self.current = self.current, None
        self.emit(indent, "def %s:" % signature)
        self.emit(indent + 1, '"""%s"""' % doc)
        names = self.globals_of(steps)
        if names:
            self.emit(indent + 1, "global " + ", ".join(names))
        for line in prologue:
            self.emit(indent + 1, line)
        self.steps(steps, scope, indent + 1)
        if not steps and not prologue:
            self.emit(indent + 1, "pass")
        self.current = outer

    def child_path(self, scope, name):
        return name if scope.path == "main" else scope.path + "/" + name

    # --- §4.1 -----------------------------------------------------------------
    def op_new(self, st, index, scope, indent):
        name = st["proc"]
        py = self.ident(name)
        path = self.child_path(scope, name)
        kwargs = []
        for key in ("name", "daemon", "group"):
            if key in st:
                kwargs.append("%s=%r" % (key, st[key]))
        if "args" in st:
            kwargs.append("args=" + literal(st["args"]))
        if "kwargs" in st:
            kwargs.append("kwargs=" + literal(st["kwargs"]))
        scope.procs[name] = py  # ^name in its own target may name it (§3)
        prologue_args = []
        body = st.get("target", st.get("run"))
        if st.get("capture_stderr"):
            scope.stderr[name] = self.ident(name + "_stderr")
            prologue_args.append("stderr_fd=" + scope.stderr[name])
        if st.get("capture"):
            scope.files[name] = self.ident(name + "_files")
            prologue_args.append("files=" + scope.files[name])
        prologue = ["begin(%s)" % ", ".join([repr(path), repr(bool(body))] + prologue_args)]
        cls = None
        if body is not None:
            inner = Scope(path, outer=scope, depth=scope.depth + 1)
            if "target" in st:
                fn = self.ident(name + "_target")
                inner.received = "[list(args), [[k, kwargs[k]] for k in sorted(kwargs)]]"
                self.function(indent, "%s(*args, **kwargs)" % fn, body, inner, prologue,
                              "The target of %s: runs in the child." % name)
                kwargs.insert(0, "target=" + fn)
            else:
                fn = self.ident(name + "_run")
                inner.received = "None"
                self.function(indent, "%s()" % fn, body, inner, prologue,
                              "The run() of %s: runs in the child." % name)
        if "run" in st or "class" in st:
            cls = self.ident(st.get("class", "Worker"))
            self.emit(indent, "class %s(multiprocessing.Process):" % cls)
            if "run" in st:
                self.emit(indent + 1, "def run(self):")
                self.emit(indent + 2, "%s()" % fn)
            else:
                self.emit(indent + 1, "pass")
            if cls != st.get("class", "Worker"):
                self.emit(indent, "%s.__name__ = %s.__qualname__ = %r"
                          % (cls, cls, st.get("class", "Worker")))
        self.emit(indent, self.head(scope, index))
        if name in scope.stderr:
            self.emit(indent + 1, "%s = os.memfd_create(%r)" % (scope.stderr[name], "stderr-" + name))
        if name in scope.files:
            self.emit(indent + 1, "%s = capture_files(%r)" % (scope.files[name], name))
        self.emit(indent + 1, "%s = %s(%s)" % (py, cls or "multiprocessing.Process",
                                             ", ".join(kwargs)))
        scope.procs[name] = py

    def simple(self, indent, scope, index, expr, step=None):
        self.emit(indent, self.head(scope, index, step))
        self.emit(indent + 1, "s.observe(%s)" % expr)

    def op_start(self, st, index, scope, indent):
        p = self.proc(st["proc"], scope)
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "%s.start()" % p)
        self.emit(indent + 1, "note_pid(%s.pid)" % p)

    def op_join(self, st, index, scope, indent):
        p = self.proc(st["proc"], scope)
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "%s.join(%s)" % (p, repr(st["timeout"]) if "timeout" in st else ""))

    def op_is_alive(self, st, index, scope, indent):
        self.simple(indent, scope, index, "%s.is_alive()" % self.proc(st["proc"], scope))

    def _method0(method):
        def op(self, st, index, scope, indent):
            self.simple(indent, scope, index, "%s.%s()" % (self.proc(st["proc"], scope), method))
        return op

    op_terminate = _method0("terminate")
    op_kill = _method0("kill")
    op_close = _method0("close")

    def op_get(self, st, index, scope, indent):
        x = "%s.%s" % (self.proc(st["proc"], scope), st["attr"])
        if st["attr"] in ("pid", "ident", "sentinel", "authkey"):
            x = "tag_attr(%r, %s)" % (st["attr"], x)
        self.simple(indent, scope, index, x)

    def op_set(self, st, index, scope, indent):
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "%s.%s = %s" % (self.proc(st["proc"], scope), st["attr"],
                                            literal(st["value"])))

    def op_repr(self, st, index, scope, indent):
        text = "repr(%s)" % self.proc(st["proc"], scope)
        if "contains" in st:
            text = "[part in %s for part in %r]" % (text, st["contains"])
        self.simple(indent, scope, index, text)

    def op_sentinel_ready(self, st, index, scope, indent):
        self.simple(indent, scope, index, "bool(multiprocessing.connection.wait([%s.sentinel], %r))"
                    % (self.proc(st["proc"], scope), st["timeout"]))

    def op_wait(self, st, index, scope, indent):
        procs = "{" + ", ".join("%r: %s" % (n, scope.procs[n]) for n in st["procs"]) + "}"
        extra = ", %r" % st["timeout"] if "timeout" in st else ""
        self.simple(indent, scope, index, "ready_names(%s%s)" % (procs, extra))

    def op_stderr(self, st, index, scope, indent):
        self.simple(indent, scope, index, "stderr_lines(%s)" % scope.stderr[st["proc"]])

    def op_send_signal(self, st, index, scope, indent):
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "os.kill(%s.pid, %s)" % (self.proc(st["proc"], scope),
                                                     signal_expr(st["signal"])))

    def op_ignore_signal(self, st, index, scope, indent):
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "signal.signal(%s, signal.SIG_IGN)" % signal_expr(st["signal"]))

    def op_target_args(self, st, index, scope, indent):
        self.simple(indent, scope, index, scope.received or "None")

    # --- §4.2 -----------------------------------------------------------------
    def op_notify(self, st, index, scope, indent):
        # Observed before the token is posted (driver.run_steps).
        self.emit(indent, "done(%r, %d)" % (scope.path, index))
        self.emit(indent, "notify(%r)" % st["event"])

    def op_await(self, st, index, scope, indent):
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "await_event(%r)" % st["event"])

    # --- §4.3 -----------------------------------------------------------------
    def op_active_children(self, st, index, scope, indent):
        self.simple(indent, scope, index,
                    "sorted(p.name for p in multiprocessing.active_children())")

    def op_parent_is_none(self, st, index, scope, indent):
        self.simple(indent, scope, index, "multiprocessing.parent_process() is None")

    # --- §4.4: never caught ---------------------------------------------------
    def op_exit(self, st, index, scope, indent):
        self.emit(indent, "sys.exit(%s)" % (literal(st["code"]) if "code" in st else ""))

    def op_raise(self, st, index, scope, indent):
        self.emit(indent, "raise %s(%r)" % (st["type"], st["message"]))

    def op_os_exit(self, st, index, scope, indent):
        self.emit(indent, "os._exit(%s)" % literal(st["code"]))

    def op_abort(self, st, index, scope, indent):
        self.emit(indent, "os.abort()")

    def op_signal_self(self, st, index, scope, indent):
        self.emit(indent, "os.kill(os.getpid(), %s)" % signal_expr(st["signal"]))
        self.emit(indent, "signal.pthread_sigmask(signal.SIG_BLOCK, [])"
                  "  # runs a Python handler now")
        self.emit(indent, "done(%r, %d)" % (scope.path, index))

    def op_block(self, st, index, scope, indent):
        self.emit(indent, "while True:")
        self.emit(indent + 1, "signal.pause()")

    # --- §4.9-§4.12 -------------------------------------------------------------
    def result(self, st, index, scope, indent, value, tagger, tagged, popen=False):
        """A call, method or value step: binds, notes pids, observes."""
        self.emit(indent, self.head(scope, index, st))
        if tagger:
            value = "%s(%s)" % (tagger, value)
        bind = st.get("bind") and self.var(st["bind"])
        target = bind or ("r" if "observe" in st else None)
        if target is None:
            if tagged or popen:
                self.emit(indent + 1, "r = " + value)
                target = "r"
                temp = True
            else:
                self.emit(indent + 1, "s.observe(%s)" % value)
                return
        else:
            temp = bind is None
            self.emit(indent + 1, "%s = %s" % (target, value))
        if popen:
            self.emit(indent + 1, "note_pid(%s.pid)" % target)
        if tagged:
            self.emit(indent + 1, "note_pids(%s)" % target)
        if "observe" in st:
            self.emit(indent + 1, "s.observe(%s)" % self.views(target, st["observe"]))
        else:
            self.emit(indent + 1, "s.observe(%s)" % target)
        if temp:
            self.emit(indent + 1, "del r")
        if bind:
            if tagged:
                self.tagged_vars.add(bind)
            else:
                self.tagged_vars.discard(bind)

    def op_call(self, st, index, scope, indent):
        name = st["function"]
        tagger = result_tagger(name, st.get("args", []))
        self.result(st, index, scope, indent, "%s(%s)" % (name, self.call_args(st)),
                    tagger, tagger is not None, popen=name == "subprocess.Popen")

    def op_method(self, st, index, scope, indent):
        var = self.var(st["var"])
        self.result(st, index, scope, indent, "%s.%s(%s)" % (var, st["method"],
                                                            self.call_args(st)), None, False)

    def op_del(self, st, index, scope, indent):
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "del %s" % self.var(st["var"]))

    def op_value(self, st, index, scope, indent):
        e = st["of"]
        tagged = _mentions_tagged(e, {raw for raw, py in self.var_ident.items()
                                      if py in self.tagged_vars})
        self.result(st, index, scope, indent, self.expr(e), None, tagged)

    def op_clock(self, st, index, scope, indent):
        """§4.13: time.monotonic(), or the seconds since a time bound before;
        seen only through comparisons."""
        now = "time.monotonic()"
        if "since" in st:
            now = "time.monotonic() - %s" % self.var(st["since"])
        target = self.var(st["bind"]) if "bind" in st else "r"
        self.emit(indent, self.head(scope, index))
        if "bind" not in st and "observe" not in st:
            self.emit(indent + 1, now)
            return
        self.emit(indent + 1, "%s = %s" % (target, now))
        if "observe" in st:
            self.emit(indent + 1, "s.observe(%s)" % self.views(target, st["observe"]))
        if "bind" not in st:
            self.emit(indent + 1, "del r")
        else:
            self.tagged_vars.discard(target)

    def op_hasattr(self, st, index, scope, indent):
        module, attr = st["name"].split(".", 1)
        self.simple(indent, scope, index, "hasattr(%s, %r)" % (module, attr))

    def op_setenv(self, st, index, scope, indent):
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "os.environ[%r] = %s" % (st["name"], self.expr(st["value"], arg=True)))

    def op_unsetenv(self, st, index, scope, indent):
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "del os.environ[%r]" % st["name"])

    def op_write(self, st, index, scope, indent):
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "sys.%s.write(%r)" % (st["stream"], st["text"]))

    def op_flush(self, st, index, scope, indent):
        self.emit(indent, self.head(scope, index))
        self.emit(indent + 1, "sys.%s.flush()" % st["stream"])

    def op_hook_log(self, st, index, scope, indent):
        self.simple(indent, scope, index, "hook_log()")

    def op_output(self, st, index, scope, indent):
        args = [repr(st["stream"])]
        if "proc" in st:
            args.append(scope.files[st["proc"]])
        if st.get("lines"):
            args.append("lines=True")
        self.simple(indent, scope, index, "output(%s)" % ", ".join(args))

    def op_fork(self, st, index, scope, indent):
        path = self.child_path(scope, st["proc"])
        name = self.var(st["proc"])
        body = self.ident(name + "_child")
        inner = Scope(path, outer=None, received=scope.received, depth=scope.depth + 1)
        self.function(indent, "%s()" % body, st["child"], inner, [],
                      "The steps of the child of fork %s." % name)
        self.emit(indent, self.head(scope, index))
        files = "None"
        if st.get("capture"):
            scope.files[st["proc"]] = files = self.ident(st["proc"] + "_files")
            self.emit(indent + 1, "%s = capture_files(%r)" % (files, st["proc"]))
        elif st.get("pty"):
            files = "saved"
            self.emit(indent + 1, "saved = {\"stdout\": os.dup(1), \"stderr\": os.dup(2)}"
                      "  # forkpty takes fd 1 and 2 of the child")
        has_steps = bool(st["child"])
        if st.get("pty"):
            self.emit(indent + 1, "%s, master = os.forkpty()" % name)
            self.emit(indent + 1, "if %s == 0:" % name)
            self.emit(indent + 2, "%s = (0, master)" % name)
            self.emit(indent + 2, "run_forked(%r, %s, %s)" % (path, body, files))
            if files == "saved":
                self.emit(indent + 1, "close_all(saved)")
            self.emit(indent + 1, "%s = (forked(%s, %r, %r), Fd(master))"
                      % (name, name, path, has_steps))
        else:
            self.emit(indent + 1, "%s = os.fork()" % name)
            self.emit(indent + 1, "if %s == 0:" % name)
            self.emit(indent + 2, "run_forked(%r, %s, %s)" % (path, body, files))
            self.emit(indent + 1, "%s = forked(%s, %r, %r)" % (name, name, path, has_steps))
        self.emit(indent + 1, "s.observe(%s)" % name)
        self.tagged_vars.add(name)

    # --- the program --------------------------------------------------------------
    def program(self, source_name):
        case = self.case
        events = sorted(casefile.events(case["steps"]))
        out = [
            "#!/usr/bin/env python3",
            '"""pyproc case %s: %s' % (case["id"], case["title"].replace('"""', "'''")),
            "",
            "Clauses: %s. Generated by oracle/reproducer.py from %s." % (
                ", ".join(case["clauses"]), source_name),
            "Standard library only; run it under CPython and under another",
            "implementation and compare the outputs: each line is one observation",
            "(\"<process>[<step>] <value or exception>\"), normalised (pid#1 is the",
            "first pid seen); --live prints them raw as they happen.",
            "",
            "Reading it: main() at the end holds the steps. Each `with step(process, n)",
            "as s:` block is step n of that process; s.observe(x) is what it observes",
            "(an exception raised in the block is observed instead). pid(), Fd(), Uid()",
            "and Gid() mark a value as a process id, descriptor, ... (printed as pid#1,",
            "fd#1, the same from run to run); plain() is the plain int again; note_pid()",
            "records a process id so that it is recognised inside strings too. Everything",
            "above main() is that helper (the same code as pyproc's oracle driver).",
            '"""',
            "",
        ]
        scope = Scope("main")
        self.emit(0, "def main():")
        self.emit(1, '"""The case\'s steps in the main process."""')
        names = self.globals_of(case["steps"])
        if names:
            self.emit(1, "global " + ", ".join(names))
        self.steps(case["steps"], scope, 1)
        if not case["steps"]:
            self.emit(1, "pass")
        body = "\n".join(self.lines)
        tail = [
            "",
            "",
            "EVENT_NAMES = %r" % (events,),
            "",
            'if __name__ == "__main__":',
            "    setup(%r)" % (case.get("requires", []),),
            "    main()",
            "    finish()",
            "",
        ]
        return "\n".join(out) + runtime(self.helper, normalize.literal_bytes(case)) \
            + "\n\n" + body + "\n" + "\n".join(tail)


PYTHON_NAMES = frozenset("""main step done begin run_forked forked capture_files
    close_all notify await_event event_fd environ hook hook_log output stderr_lines
    ready_names setup finish report note_pid note_pids type_name pid_result fd_pair
    Pid Fd Uid Gid Authkey pid plain encode pids_in tag_attribute tag_attr
    FakePath Hook capture_file Capture read_from unindented_lines standard_streams HELPER
    HELPER_DIR TMP EXCEPTIONS EVENTS EVENT_NAMES REPORT REAL_STDOUT CAPTURE HOOK_LOG
    MAIN_PID MAIN_LINES LIVE LITERALS normalized stream_order re select _DIGITS
    _Numbering _Normalizer _is_int _enlarge _BIG_PIPE
    HOOK_READ READ_POS READ_CHUNK DriverError s r saved master os sys signal time
    subprocess multiprocessing json io builtins resource traceback warnings
    args kwargs self""".split())


def _mentions_tagged(e, tagged):
    if isinstance(e, list):
        return any(_mentions_tagged(v, tagged) for v in e)
    if isinstance(e, dict):
        if "var" in e:
            return e["var"] in tagged or e.get("attr") in values._ATTR_TAGS
        return any(_mentions_tagged(v, tagged) for v in e.values())
    return False


def generate(case, helper=None, source_name=None, step_code=None):
    """The program of ``case`` (a checked case dict) as text. ``step_code``:
    a dict to fill with {(process path, step index): the Python of that
    step}, as the matrix report shows it beside each observation."""
    if case["id"] in NOT_EXPRESSIBLE:
        raise ReproducerError("case %s cannot be a standalone program: %s"
                              % (case["id"], NOT_EXPRESSIBLE[case["id"]]))
    helper = helper or os.environ.get("PYPROC_HELPER") or BUILT_HELPER
    g = Generator(case, helper)
    text = g.program(source_name or "conformance/cases/%s.json" % case["id"])
    if step_code is not None:
        for key, lines in g.step_lines.items():
            step_code[key] = textwrap.dedent("\n".join(lines)).strip("\n")
    return text


# --- the output, read back ---------------------------------------------------

def parse_output(text):
    """The lines a program printed as a protocol document's pids and streams
    (spec/protocol.md §5): {"pids": [...], "streams": {...}}; the pids are
    empty for the normalised output (no --live), whose streams are final."""
    pids, streams = [], {}
    import re
    obs_line = re.compile(r"([a-z0-9_/]+)\[([0-9]+)\] (.*)\Z")
    for line in text.splitlines():
        if line.startswith("# pid "):
            pids.append(int(line[6:]))
        elif line.startswith("# stream "):
            streams.setdefault(line[9:].split(" ")[0], {})
        else:
            m = obs_line.match(line)
            if not m:
                raise ValueError("not an observation line: %r" % line)
            streams.setdefault(m.group(1), {})[int(m.group(2))] = json.loads(m.group(3))
    first = pids[0] if pids else None
    return {"pids": ([first] if pids else []) + sorted(set(pids) - {first}),
            "streams": {path: [by[i] for i in sorted(by)] for path, by in streams.items()}}


def case_path(arg, cases_dir=DEFAULT_CASES):
    if os.path.isfile(arg):
        return arg
    stem = arg[:-5] if arg.endswith(".json") else arg
    return os.path.join(cases_dir, stem + ".json")


def main(argv):
    p = argparse.ArgumentParser(prog="reproducer.py", description=__doc__.split("\n")[0])
    p.add_argument("cases", nargs="*", metavar="CASE",
                   help="case ids or case files (with --out, default: every case)")
    p.add_argument("--out", metavar="DIR", help="write DIR/<id>.py for each case")
    p.add_argument("--cases", dest="cases_dir", default=DEFAULT_CASES,
                   help="the case directory (default: %(default)s)")
    p.add_argument("--helper", help="the helper program the programs default to "
                   "(default: $PYPROC_HELPER, else the default build's)")
    args = p.parse_args(argv[1:])
    if not args.cases and not args.out:
        p.error("name a case, or give --out DIR to write every case's program")
    paths = [case_path(c, args.cases_dir) for c in args.cases] or sorted(
        os.path.join(args.cases_dir, n) for n in os.listdir(args.cases_dir)
        if n.endswith(".json"))
    status = 0
    for path in paths:
        try:
            case = casefile.read(path)
            found = casefile.problems(case)
            if found:
                raise casefile.CaseError(*found[0])
            text = generate(case, args.helper, os.path.relpath(path, ROOT))
        except (casefile.CaseError, ReproducerError) as e:
            sys.stderr.write("reproducer.py: %s: %s\n" % (path, e))
            status = 1
            continue
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            target = os.path.join(args.out, case["id"] + ".py")
            with open(target, "w") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
