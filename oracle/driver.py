"""The CPython driver of spec/protocol.md §5, for every Python implementation.

    python3 oracle/driver.py [--module M] [--start-method S] [--preload P]
                             [--os-module O] [--subprocess-module B] CASE_FILE

runs the case with module M (multiprocessing, the default; any importable
module that copies its API: billiard, multiprocess, ...) and start method S
(fork, the default; spawn or forkserver), under whatever interpreter runs it
(CPython 3.8-3.13, PyPy), and prints the raw protocol document on stdout; its
"implementation" says which interpreter, module and start method produced it.
Exit status 2: the case is malformed (the message on stderr names the file
and the step) or the options are wrong; 1: the driver itself failed.

P (MOD or MOD:CALLABLE, e.g. gevent.monkey:patch_all) is imported, and the
callable called with no arguments, before the driver imports anything else,
as a program's first line would; the identity says "patched_by". O and B name
the os and subprocess modules the case's "call", "hasattr" and "const" steps
and its "fork" step use: a module (gevent.subprocess, eventlet.green.os),
whose missing names come from the standard module, or MOD:NAME,NAME (psutil:
Popen), where only those names come from MOD.

Under spawn and forkserver a child is a new interpreter that receives its
Process object pickled: targets are module-level functions bound with
functools.partial, the driver's state crosses over through __getstate__
(descriptors duplicated into the child by the module's own DupFd), and a case
that needs what only a fork-time copy gives ("fork-inheritance", §2) is
reported unsupported. Under fork nothing is pickled: a child shares the
objects of its creator's memory, as before.
"""

import os
import sys


# The standard modules the driver and its own modules import: imported before
# the driver's own modules, each with its own bytecode (see OwnBytecode).
STANDARD_MODULES = (
    "builtins", "functools", "importlib", "io", "itertools", "json", "multiprocessing",
    "multiprocessing.connection", "operator", "platform", "re", "resource", "select",
    "signal", "subprocess", "time", "traceback", "warnings")


def own_bytecode_dir():
    """Where the bytecode of the driver's own modules is kept: the user's
    cache directory ($XDG_CACHE_HOME, else ~/.cache), never the source tree.
    Under a harness HOME is the case's scratch directory (spec/protocol.md
    §5.1), which is removed after the case: then the home directory the
    password database gives, else nowhere (None)."""
    cache = os.environ.get("XDG_CACHE_HOME")
    if not cache:
        home = os.environ.get("HOME")
        if not home or home == os.environ.get("PYPROC_CASE_TMP"):
            try:
                import pwd
                home = pwd.getpwuid(os.getuid()).pw_dir
            except (ImportError, KeyError):
                return None
        cache = os.path.join(home, ".cache")
    return os.path.join(cache, "pyproc", "pycache")


class OwnBytecode:
    """While it is entered, bytecode is read from and written to
    own_bytecode_dir(): compiling the driver's own modules (casefile,
    programs, …) from source again for every case cost more than most cases
    take where PYTHONDONTWRITEBYTECODE is set (it keeps .pyc files out of
    source trees) or the source tree is read-only. Only the driver's own
    modules are imported inside: a standard or preloaded module keeps its
    own __pycache__ (a cache of its own would compile the standard library
    and gevent again wherever the cache directory is new). Nothing of this
    reaches a child's environment."""

    def __enter__(self):
        self.saved = (getattr(sys, "pycache_prefix", None), sys.dont_write_bytecode)
        where = own_bytecode_dir()
        if where is not None and hasattr(sys, "pycache_prefix"):  # Python >= 3.8
            sys.pycache_prefix = where
            sys.dont_write_bytecode = False

    def __exit__(self, *exc):
        if hasattr(sys, "pycache_prefix"):
            sys.pycache_prefix = self.saved[0]
        sys.dont_write_bytecode = self.saved[1]


def preload(spec):
    """--preload: imports MOD of ``spec`` (MOD or MOD:CALLABLE) and calls
    CALLABLE (a dotted attribute of MOD) with no arguments; None, or why
    it failed."""
    import importlib
    name, _, attr = spec.partition(":")
    try:
        target = importlib.import_module(name)
        for part in attr.split(".") if attr else ():
            target = getattr(target, part)
        if attr:
            target()
    except BaseException as e:  # noqa: B902 - any failure of foreign code
        return "%s: %s" % (type(e).__name__, e)
    return None


def preload_option(argv):
    """The value of the last --preload in ``argv`` (options only: before the
    case file), or None; read before argparse, which runs after it."""
    found = None
    for i, word in enumerate(argv):
        if word == "--preload" and i + 1 < len(argv):
            found = argv[i + 1]
        elif word.startswith("--preload="):
            found = word[len("--preload="):]
    return found


if __name__ == "__main__":
    # Run as the module "driver", not as "__main__": what spawn and
    # forkserver pickle is then found by that name in the child, whatever
    # the child's own __main__ is (billiard's spawned child runs its own).
    # The preload first: before the driver imports multiprocessing,
    # subprocess or anything else, as a program's first line would run it.
    _spec = preload_option(sys.argv[1:])
    _why = preload(_spec) if _spec else None
    if _why:
        sys.stderr.write("driver.py: --preload %s: %s\n" % (_spec, _why))
        sys.exit(2)
    import importlib
    for _name in STANDARD_MODULES:
        importlib.import_module(_name)
    with OwnBytecode():
        import driver
    sys.exit(driver.main(sys.argv, preloaded=_spec))


import functools
import importlib
import json
import multiprocessing
import multiprocessing.connection
import platform
import resource
import signal
import traceback
import warnings

# The driver's own modules, with their bytecode in the user's cache.
with OwnBytecode():
    import casefile  # noqa: E402
    import programs  # noqa: E402
    from channel import Channel  # noqa: E402
    from programs import (EXCEPTIONS, Capture, ProgramOps, capture_file,  # noqa: E402
                          standard_streams)
    from values import Authkey, DriverError, Fd, Pid, encode, raised  # noqa: E402

PROTOCOL = 4
# The modules the matrix knows to copy multiprocessing's API; --module takes
# any importable one that has what the driver calls (COMPATIBLE).
MODULES = ("multiprocessing", "billiard", "multiprocess")
COMPATIBLE = ("Process", "current_process", "active_children",
              "get_all_start_methods", "set_start_method")
START_METHODS = ("fork", "spawn", "forkserver")
OPTIONS = ("--module", "--start-method", "--preload", "--os-module",
           "--subprocess-module")

# The module under test and its start method, chosen by main(); a spawned
# child learns them from the driver state it unpickles (Driver.__setstate__).
MP = multiprocessing
START_METHOD = "fork"
# What else is under test, as the options named it (None: the standard
# module, nothing preloaded); a spawned child learns them too.
CHOICES = {"preload": None, "os": None, "subprocess": None}


def under_test():
    """The modules under test by their standard names, where an exception's
    class is looked up (spec/protocol.md §4.6)."""
    return (("os", programs.MODULES["os"]), ("subprocess", programs.MODULES["subprocess"]),
            ("multiprocessing", MP))


class UsageError(Exception):
    """An option that names what cannot be used (exit status 2)."""


def use_module(name, start_method):
    global MP, START_METHOD
    MP = importlib.import_module(name)
    missing = [attr for attr in COMPATIBLE if not hasattr(MP, attr)]
    if missing:
        raise UsageError("%s is not a multiprocessing-compatible module: it has no %s"
                         % (name, ", ".join(missing)))
    try:
        importlib.import_module(name + ".connection")
    except ImportError as e:
        raise UsageError("%s is not a multiprocessing-compatible module: "
                         "no %s.connection (%s)" % (name, name, e))
    START_METHOD = start_method


class Layered:
    """The os or subprocess module under test (--os-module, --subprocess-
    module) seen through the standard one: a name comes from ``module`` when
    ``names`` is None and ``module`` has it, or when ``names`` lists it;
    every other name from ``standard``."""

    def __init__(self, spec, module, names, standard):
        self._spec, self._module, self._names = spec, module, names
        self._standard = standard

    def __getattr__(self, attr):
        if attr.startswith("__") or (self._names is not None and attr not in self._names):
            return getattr(self._standard, attr)
        try:
            return getattr(self._module, attr)
        except AttributeError:
            if self._names is not None:
                raise
            return getattr(self._standard, attr)

    def __repr__(self):
        return "<%s over %s>" % (self._spec, self._standard.__name__)


def use_system_module(system, spec):
    """Makes ``spec`` (MOD or MOD:NAME,NAME) the ``system`` module ("os" or
    "subprocess") of the case's steps (programs.MODULES)."""
    name, colon, listed = spec.partition(":")
    names = [n for n in listed.split(",") if n] if colon else None
    if colon and not names:
        raise UsageError("--%s-module %s: no name after the colon" % (system, spec))
    try:
        module = importlib.import_module(name)
    except ImportError as e:
        raise UsageError("--%s-module %s: cannot import %s: %s" % (system, spec, name, e))
    absent = [n for n in names or () if not hasattr(module, n)]
    if absent:
        raise UsageError("--%s-module %s: %s has no %s" % (system, spec, name, ", ".join(absent)))
    standard = importlib.import_module(system)
    programs.MODULES[system] = (module if module is standard and names is None
                                else Layered(spec, module, names, standard))
    CHOICES[system] = spec


def use_choices(choices):
    """The --preload, --os-module and --subprocess-module of the parent, in a
    spawned child (its own interpreter): preloaded again, as a program's
    first lines run again in a spawned child that imports its main module."""
    if choices["preload"] and CHOICES["preload"] is None:
        why = preload(choices["preload"])
        if why:
            raise DriverError("--preload %s in a child: %s" % (choices["preload"], why))
        CHOICES["preload"] = choices["preload"]
    for system in ("os", "subprocess"):
        if choices[system] and CHOICES[system] is None:
            use_system_module(system, choices[system])


class PassFd(int):
    """A descriptor a child needs. A fork child simply has it; when the module
    pickles it for a spawn or forkserver child, it is duplicated into that
    child by the module's own DupFd, perhaps under another number."""

    def __reduce__(self):
        return _rebuild_fd, (MP.reduction.DupFd(int(self)),)


def _rebuild_fd(dup):
    return PassFd(dup.detach())


def pass_fds(fds):
    """A dict of descriptors (or None) with each one a PassFd."""
    return None if fds is None else {k: PassFd(v) for k, v in fds.items()}


def run_target(driver, path, steps, stderr_fd, outer, files, /, *args, **kwargs):
    """The target of every case process: a module-level function, so that
    spawn and forkserver can pickle it (bound with functools.partial). Its
    own parameters are positional-only: a case's keyword arguments may use
    any name."""
    driver.run_child(path, steps, stderr_fd, outer, [list(args), kwargs], files)


def run_body(driver, path, steps, stderr_fd, outer, files):
    """The body of an overridden run() (received: None)."""
    driver.run_child(path, steps, stderr_fd, outer, None, files)


def _run_method(self):
    self._pyproc_body()


def _reduce_worker(self):
    # A class made at run time cannot be found by name in a spawned child;
    # it is made again there from its name (worker_class), and the state set.
    # Its module is named: the child may not have chosen one yet.
    cls = type(self)
    return (_new_worker, (MP.__name__, cls.__name__, cls.run is _run_method),
            self.__dict__)


def _new_worker(module, name, runs_steps):
    cls = worker_class(importlib.import_module(module), name, runs_steps)
    return cls.__new__(cls)


_WORKER_CLASSES = {}


def worker_class(module, name, runs_steps):
    """The subclass of ``module``.Process a "new" step with "class" or "run"
    makes, named ``name``; its run() runs the instance's _pyproc_body when
    ``runs_steps``."""
    key = (module.__name__, name, runs_steps)
    if key not in _WORKER_CLASSES:
        body = {"__reduce__": _reduce_worker}
        if runs_steps:
            body["run"] = _run_method
        _WORKER_CLASSES[key] = type(name, (module.Process,), body)
    return _WORKER_CLASSES[key]


class Locals(dict):
    """The process objects one steps list binds, by local name; ``outer``
    is the creating list's (see run_child)."""

    def __init__(self, outer):
        super().__init__()
        self.outer = outer


def decode(value):
    """A step value: JSON with {"bytes": hex} for byte strings."""
    if isinstance(value, dict):
        return bytes.fromhex(value["bytes"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def tag_attr(attr, value):
    if attr in ("pid", "ident") and isinstance(value, int):
        return Pid(value)
    if attr == "sentinel" and isinstance(value, int):
        return Fd(value)
    if attr == "authkey" and isinstance(value, bytes):
        return Authkey(value)
    return value


def end_escaped_child():
    """Ends a child that start() returned into, in its creator's steps.

    popen_fork's child ends with os._exit(code) after _bootstrap; when that
    raises (sys.exit(2**31) in the target: OverflowError), start() raises in
    the child, which would go on with the steps of the process that created
    it, and the case would never end. A program ends there as an uncaught
    exception ends it: the traceback on stderr, exit status 1. So does this
    driver, at once: _bootstrap has already run the child's exit handlers.
    """
    if sys.exc_info()[0] is not None:
        traceback.print_exc()
    sys.stderr.flush()
    os._exit(1)


class Driver(ProgramOps):
    """State shared by every process of the case (copied by each fork)."""

    def __init__(self, case, document):
        self.case = case
        self.document = document  # the main stream goes there, as it is made
        self.channel = Channel()
        self.events = {name: os.pipe() for name in sorted(
            casefile.events(case["steps"]))}
        self.main_pid = os.getpid()
        self.pids = [self.main_pid]
        self.received = None  # what this process's target was called with
        # (path of the creating process, local name) -> captured stderr fd
        self.captures = {}
        self.init_programs(case)

    # --- crossing into a spawn or forkserver child (pickled) --------------
    def __getstate__(self):
        """What a new-interpreter child gets: the case, the ends it writes
        and reads events and reports through, and where reading left off
        (§4.10). Not the variables nor the objects of its creator: a case
        that needs those requires "fork-inheritance" (§2)."""
        return {"module": MP.__name__, "start_method": START_METHOD,
                "choices": dict(CHOICES), "case": self.case, "report": PassFd(self.channel.write_end),
                "events": {name: (PassFd(r), PassFd(w))
                           for name, (r, w) in self.events.items()},
                "main_pid": self.main_pid, "read_pos": self.read_pos,
                "paths": self.paths}

    def __setstate__(self, state):
        use_choices(state["choices"])
        use_module(state["module"], state["start_method"])
        quiet_resource_warnings()
        # The streams a driver gives every process (programs.Capture); fd 1
        # and 2 are the creator's, as a spawned child inherits them.
        standard_streams()
        self.case = state["case"]
        self.channel = Channel.writer(state["report"])
        self.events = state["events"]
        self.main_pid = state["main_pid"]
        self.pids = []
        self.document = None  # the main process alone prints it
        self.received = None
        self.captures = {}
        self.init_programs(self.case)
        self.read_pos = state["read_pos"]
        self.paths = state["paths"]

    # --- where observations go -------------------------------------------
    def in_main(self):
        return os.getpid() == self.main_pid

    def observe(self, path, index, obs):
        if self.in_main():
            self.document.observation(obs)
        else:
            self.channel.send({"kind": "obs", "path": path, "index": index,
                               "obs": obs})

    def know_pid(self, pid):
        if self.in_main():
            self.pids.append(pid)
        else:
            self.channel.send({"kind": "pid", "pid": pid})

    # --- running steps ----------------------------------------------------
    def run_child(self, path, steps, stderr_fd, outer, received=None,
                  files=None):
        """Body of a target or run(): runs inside the child process.

        ``outer`` is the creating process's dict of local objects, as this
        child's fork copied it (what ``^name`` names); ``received`` is what
        the target was called with (None for an overridden run());
        ``files``: its own capture files ("capture": true, §4.10)."""
        self.received = received
        if files:
            os.dup2(files["stdout"], 1)
            os.dup2(files["stderr"], 2)
        if stderr_fd is not None:
            # Before the first step, so that everything the child writes to
            # fd 2 from here on (its traceback included) lands in the capture.
            sys.stderr.flush()
            os.dup2(stderr_fd, 2)
        self.channel.send({"kind": "pid", "pid": os.getpid()})
        if steps:
            self.channel.send({"kind": "stream", "path": path})
        try:
            self.run_steps(path, steps, outer)
        except DriverError as e:
            self.channel.send({"kind": "error", "path": path,
                               "message": str(e)})
            os._exit(70)

    def run_steps(self, path, steps, outer=None):
        procs = Locals(outer)
        for index, step in enumerate(steps):
            op = step["op"]
            if op == "notify":
                # Recorded before the token is posted: whoever awaits it may
                # end this process at once (terminate), and the step must
                # still be in this stream. Posting cannot fail short of a
                # broken driver.
                self.observe(path, index, {"value": None})
                self.post(step["event"])
                continue
            if op in casefile.ENDING_OPS:
                # Not caught (§4.4): whatever it raises ends the process.
                value = getattr(self, "op_" + op)(step)
            else:
                try:
                    value = getattr(self, "op_" + op)(step, procs, path)
                except DriverError:
                    raise
                except BaseException as e:
                    self.observe(path, index, self.raised(step, e))
                    continue
            self.observe(path, index, {"value": encode(value)})
            # No reference outlives the step: a "del" (§4.12) must find the
            # variable's object held by the case alone.
            del value

    @staticmethod
    def raised(step, e):
        return raised(e, step.get("exception_attrs"), under_test())

    @staticmethod
    def resolve(step, procs):
        name = step["proc"]
        if name == "@current":
            return MP.current_process()
        if name == "@parent":
            return MP.parent_process()
        if name.startswith("^"):
            return procs.outer[name[1:]]
        return procs[name]

    # --- §4.1 process objects ------------------------------------------
    def op_new(self, step, procs, path):
        name = step["proc"]
        child_path = name if path == "main" else path + "/" + name
        kwargs = {"name": step.get("name"), "daemon": step.get("daemon")}
        if "group" in step:
            kwargs["group"] = step["group"]
        if "args" in step:
            kwargs["args"] = decode(step["args"])
        if "kwargs" in step:
            kwargs["kwargs"] = {k: decode(v) for k, v in step["kwargs"].items()}
        # A file, not a pipe (programs.capture_file).
        stderr_fd = (PassFd(capture_file(name + "-stderr"))
                     if step.get("capture_stderr") else None)
        self.captures[(path, name)] = stderr_fd
        files = pass_fds(self.own_capture_files(path, name)
                         if step.get("capture") else None)
        # ^name: the creator's objects, which only a fork child has (§3).
        outer = procs if START_METHOD == "fork" else None
        body = None
        if "run" in step:
            body = functools.partial(run_body, self, child_path, step["run"],
                                     stderr_fd, outer, files)
        elif "target" in step:
            kwargs["target"] = functools.partial(
                run_target, self, child_path, step["target"], stderr_fd,
                outer, files)
        if "run" in step or "class" in step:
            cls = worker_class(MP, step.get("class", "Worker"), "run" in step)
        else:
            cls = MP.Process
        procs[name] = cls(**kwargs)
        if body is not None:
            procs[name]._pyproc_body = body
        return None

    def op_start(self, step, procs, path):
        proc = self.resolve(step, procs)
        me = os.getpid()
        try:
            proc.start()
        except BaseException:
            if os.getpid() != me:
                end_escaped_child()
            raise
        if os.getpid() != me:
            end_escaped_child()
        self.know_pid(proc.pid)
        return None

    def op_join(self, step, procs, path):
        proc = self.resolve(step, procs)
        if "timeout" in step:
            proc.join(step["timeout"])
        else:
            proc.join()
        return None

    def op_is_alive(self, step, procs, path):
        return self.resolve(step, procs).is_alive()

    def op_terminate(self, step, procs, path):
        return self.resolve(step, procs).terminate()

    def op_kill(self, step, procs, path):
        return self.resolve(step, procs).kill()

    def op_close(self, step, procs, path):
        return self.resolve(step, procs).close()

    def op_get(self, step, procs, path):
        attr = step["attr"]
        return tag_attr(attr, getattr(self.resolve(step, procs), attr))

    def op_set(self, step, procs, path):
        setattr(self.resolve(step, procs), step["attr"], decode(step["value"]))
        return None

    def op_repr(self, step, procs, path):
        text = repr(self.resolve(step, procs))
        if "contains" in step:
            return [part in text for part in step["contains"]]
        return text

    def op_sentinel_ready(self, step, procs, path):
        sentinel = self.resolve(step, procs).sentinel
        return bool(MP.connection.wait([sentinel],
                                                    step["timeout"]))

    def op_wait(self, step, procs, path):
        by_sentinel = {procs[name].sentinel: name for name in step["procs"]}
        ready = MP.connection.wait(list(by_sentinel),
                                                step.get("timeout"))
        return sorted(by_sentinel[sentinel] for sentinel in ready)

    def op_stderr(self, step, procs, path):
        fd = self.captures[(path, step["proc"])]
        text = os.pread(fd, 1 << 20, 0).decode("utf-8", "replace")
        return [line for line in text.splitlines()
                if not line.startswith((" ", "\t"))]

    def op_send_signal(self, step, procs, path):
        os.kill(self.resolve(step, procs).pid,
                casefile.signal_number(step["signal"]))
        return None

    def op_ignore_signal(self, step, procs, path):
        signal.signal(casefile.signal_number(step["signal"]), signal.SIG_IGN)
        return None

    def op_target_args(self, step, procs, path):
        if self.received is None:
            return None
        args, kwargs = self.received
        # Keyword arguments as sorted [name, value] pairs, not an object: an
        # object {"pid": 5} would read as a tagged value (§4.5).
        return [args, [[k, kwargs[k]] for k in sorted(kwargs)]]

    # --- §4.2 synchronisation ------------------------------------------
    def post(self, event):
        try:
            os.write(self.events[event][1], b"x")
        except OSError as e:
            raise DriverError("event %r: cannot post: %s" % (event, e))

    def op_await(self, step, procs, path):
        fd = self.events[step["event"]][0]
        while True:
            try:
                data = os.read(fd, 1)
            except InterruptedError:
                continue
            if data:
                return None
            raise DriverError("event %r: unexpected end of file"
                              % step["event"])

    # --- §4.3 the running process and its family -----------------------
    def op_active_children(self, step, procs, path):
        return sorted(p.name for p in MP.active_children())

    def op_parent_is_none(self, step, procs, path):
        return MP.parent_process() is None

    # --- §4.4 ending the running process (never caught) -----------------
    def op_exit(self, step):
        if "code" in step:
            sys.exit(step["code"])
        sys.exit()

    def op_raise(self, step):
        raise EXCEPTIONS[step["type"]](step["message"])

    def op_os_exit(self, step):
        os._exit(step["code"])

    def op_abort(self, step):
        os.abort()

    def op_signal_self(self, step):
        os.kill(os.getpid(), casefile.signal_number(step["signal"]))
        # Run any Python-level handler now (it checks pending signals), so
        # that e.g. SIGINT's KeyboardInterrupt is raised by this very step.
        signal.pthread_sigmask(signal.SIG_BLOCK, [])
        return None

    def op_block(self, step):
        while True:
            signal.pause()

    # --- the main process ----------------------------------------------
    def run(self):
        """Runs the case; the document is printed when it returns."""
        self.run_steps("main", self.case["steps"])
        streams, errors = {}, []
        children = {}
        for msg in self.channel.collect():
            kind = msg["kind"]
            if kind == "pid":
                self.pids.append(msg["pid"])
            elif kind == "stream":
                children.setdefault(msg["path"], {})
            elif kind == "obs":
                children.setdefault(msg["path"], {})[msg["index"]] = msg["obs"]
            else:
                errors.append("%s: %s" % (msg["path"], msg["message"]))
        if errors:
            raise DriverError("; ".join(errors))
        for path in sorted(children):
            by_index = children[path]
            streams[path] = [by_index[i] for i in sorted(by_index)]
        first = self.pids[0]
        self.document.finish(streams, [first] + sorted(set(self.pids) - {first}))


class Document:
    """The protocol document (§5) printed as the case goes: its beginning and
    each observation of the main process as soon as it is made, the rest once
    the case is over. What is printed in the end is the one JSON object §5
    asks for; a case that hangs shows what its main process had observed
    (§7, HUNG), where a document printed only at the end shows nothing."""

    def __init__(self, fd, case):
        self.fd = fd
        self.has_main = bool(case["steps"])
        self.observed = 0
        head = json.dumps({"protocol": PROTOCOL, "case": case["id"],
                           "implementation": identity()})
        self.write(head[:-1] + ', "streams": {'
                   + ('"main": [' if self.has_main else ""))

    def write(self, text):
        write_all(self.fd, text.encode("ascii"))

    def observation(self, obs):
        self.write((", " if self.observed else "") + json.dumps(obs))
        self.observed += 1

    def finish(self, streams, pids):
        """The other processes' ``streams`` and the pids."""
        members = [json.dumps(path) + ": " + json.dumps(stream)
                   for path, stream in streams.items()]
        text = "]" if self.has_main else ""
        if members:
            text += (", " if self.has_main else "") + ", ".join(members)
        self.write(text + '}, "pids": ' + json.dumps(pids) + "}\n")


def quiet_resource_warnings():
    """ResourceWarning stays ignored, as CPython's default filters have it,
    whatever the environment says (PYTHONWARNINGS, -X dev): a Popen collected
    while its child runs (a "del", §4.12, or the end of the driver) and a pipe
    left open warn, and the warning would land in the capture file of fd 2
    that a case reads (§4.10) or in the diagnostics, with a pid in it."""
    warnings.filterwarnings("ignore", category=ResourceWarning)


def set_core_limit(case):
    """§2 "requires": processes of a case dump core only if it requires
    "core-dumps", so that a wait status never depends on the machine's
    ulimit (abort() gives 6, not 134)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    wanted = hard if "core-dumps" in case.get("requires", []) else 0
    if soft != wanted:
        resource.setrlimit(resource.RLIMIT_CORE, (wanted, hard))


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def identity():
    """What runs the case (§5 "implementation"): the interpreter as it says
    it is, the module under test and its start method; what was preloaded
    ("patched_by") and the os and subprocess modules when not the standard
    ones, with the versions of the packages they come from."""
    impl = {"name": platform.python_implementation(),
            "version": platform.python_version(),
            "start_method": START_METHOD, "module": MP.__name__}
    if sys.implementation.name != "cpython":
        impl["implementation_version"] = "%d.%d.%d" % sys.implementation.version[:3]
    if MP is not multiprocessing:
        impl["module_version"] = getattr(MP, "__version__", "unknown")
    packages = {}
    for key, choice in (("patched_by", "preload"), ("os_module", "os"),
                        ("subprocess_module", "subprocess")):
        spec = CHOICES[choice]
        if spec is None:
            continue
        impl[key] = spec
        top = spec.partition(":")[0].split(".")[0]
        if top not in ("os", "subprocess") and top in sys.modules:
            packages[top] = str(getattr(sys.modules[top], "__version__", "unknown"))
    if packages:
        impl["package_versions"] = packages
    return impl


def parse_args(argv):
    """The options; most runs (the harness's: every option with its value,
    then the case file) are read here without argparse, which costs more to
    import than a small case takes to run; anything else (--help, an
    abbreviation, a missing value, a wrong start method) goes to argparse,
    which gives its usual messages and exit status 2."""
    values = {"module": "multiprocessing", "start_method": "fork", "preload": None,
              "os_module": None, "subprocess_module": None, "case_file": None}
    i = 0
    while i < len(argv):
        word = argv[i]
        name, eq, given = word.partition("=")
        if name in OPTIONS and (eq or i + 1 < len(argv)):
            value = given if eq else argv[i + 1]
            if value.startswith("-") or (name == "--start-method"
                                         and value not in START_METHODS):
                break
            values[name[2:].replace("-", "_")] = value
            i += 1 if eq else 2
        elif not word.startswith("-") and values["case_file"] is None:
            values["case_file"] = word
            i += 1
        else:
            break
    else:
        if values["case_file"] is not None:
            return type("Args", (), values)
    return parse_args_fully(argv)


def parse_args_fully(argv):
    import argparse
    parser = argparse.ArgumentParser(
        prog="driver.py", description="Run one case (spec/protocol.md §5).")
    parser.add_argument("--module", default="multiprocessing",
                        help="the multiprocessing implementation under test: any "
                        "importable module with its API (%s, ...)" % ", ".join(MODULES))
    parser.add_argument("--start-method", choices=START_METHODS, default="fork")
    parser.add_argument("--preload", metavar="MOD[:CALLABLE]",
                        help="import MOD (and call CALLABLE) before anything else, "
                        "e.g. gevent.monkey:patch_all")
    parser.add_argument("--os-module", metavar="MOD[:NAME,...]",
                        help="the os module under test (names it lacks come from os)")
    parser.add_argument("--subprocess-module", metavar="MOD[:NAME,...]",
                        help="the subprocess module under test: gevent.subprocess, "
                        "eventlet.green.subprocess, psutil:Popen (names it lacks "
                        "come from subprocess)")
    parser.add_argument("case_file")
    return parser.parse_args(argv)


def main(argv, preloaded=None):
    """Runs the case of ``argv``; ``preloaded``: the --preload that the
    script's entry already ran (before importing this module)."""
    args = parse_args(argv[1:])  # exits 2 on a usage error
    try:
        if args.preload:
            why = preload(args.preload) if preloaded != args.preload else None
            if why:
                raise UsageError("--preload %s: %s" % (args.preload, why))
            CHOICES["preload"] = args.preload
        for system in ("os", "subprocess"):
            spec = getattr(args, system + "_module")
            if spec:
                use_system_module(system, spec)
        use_module(args.module, args.start_method)
    except ImportError as e:
        sys.stderr.write("driver.py: cannot import %s: %s\n" % (args.module, e))
        return 2
    except UsageError as e:
        sys.stderr.write("driver.py: %s\n" % e)
        return 2
    if args.start_method not in MP.get_all_start_methods():
        sys.stderr.write("driver.py: %s has no start method %s here\n"
                         % (args.module, args.start_method))
        return 2
    path = args.case_file
    try:
        case = casefile.load(path, start_method=args.start_method)
    except casefile.CaseError as e:
        sys.stderr.write("driver.py: %s: %s\n" % (path, e))
        return 2
    except casefile.Unsupported as e:
        print(json.dumps({"protocol": PROTOCOL, "case": e.case_id,
                          "implementation": identity(),
                          "unsupported": str(e)}))
        return 0
    set_core_limit(case)
    quiet_resource_warnings()
    MP.set_start_method(args.start_method)
    capture = Capture()
    error = None
    try:
        # It prints the document on the real stdout as it goes.
        Driver(case, Document(capture.real_stdout, case)).run()
    except DriverError as e:
        error = "driver.py: %s: internal error: %s\n" % (path, e)
    finally:
        # What the case's processes wrote to fd 2 (tracebacks included) is
        # the driver's diagnostics too.
        sys.stderr.flush()
        write_all(capture.real_stderr, capture.diagnostics())
    if error is not None:
        write_all(capture.real_stderr, error.encode("utf-8", "replace"))
        return 1
    return 0
