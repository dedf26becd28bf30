"""Protocols 2 and 3 in the CPython driver (spec/protocol.md §4.9-§4.12):
value expressions, the call/method/value/hasattr/fork/output/write/flush/
setenv/unsetenv/hook_log/del ops, observe views, exception attributes, and the
capture files on fd 1 and 2 of every process of a case.

``ProgramOps`` is a mixin of driver.Driver: its state (variables, hook log,
read positions) lives in the driver object, so every fork copies it, which is
exactly what "the variables of this process" means (§4.9).
"""

import builtins
import io
import operator
import os
import re
import signal
import subprocess
import sys
import time
import traceback

import casefile
from values import (DriverError, Fd, Gid, Pid, Uid, pid, pids_in, plain,
                    tag_attribute)

# The modules of a step's "os.", "signal." and "subprocess." names; the driver
# puts the os and subprocess modules under test here (driver.py --os-module,
# --subprocess-module).
MODULES = {"os": os, "signal": signal, "subprocess": subprocess}
EXCEPTIONS = {name: getattr(builtins, name) for name in casefile.RAISE_TYPES}
COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt,
           "<=": operator.le, ">": operator.gt, ">=": operator.ge}

# §4.11: how results are tagged.
PID_RESULTS = ("os.getpid", "os.getppid", "os.getpgrp", "os.getpgid", "os.getsid")
WAIT_RESULTS = ("os.wait", "os.waitpid", "os.wait3", "os.wait4")
# The largest read of a capture file one "output" makes.
READ_CHUNK = 1 << 16


def tag_result(name, result, args):
    """``result`` of function ``name`` with its pids, fds, uids and gids
    tagged (§4.11)."""
    if name in PID_RESULTS:
        return pid(result)
    if name in WAIT_RESULTS and type(result) is tuple:
        return (pid(result[0]),) + result[1:]
    if name in casefile.SPAWN_FUNCTIONS and args and args[0] == os.P_NOWAIT:
        # P_NOWAITO is the same number on POSIX.
        return pid(result)
    if name in ("os.getuid", "os.geteuid"):
        return Uid(result)
    if name in ("os.getgid", "os.getegid"):
        return Gid(result)
    if name in ("os.open", "os.dup", "os.dup2"):
        return Fd(result)
    if name == "os.pipe":
        return (Fd(result[0]), Fd(result[1]))
    return result


class FakePath:
    """The object of a {"pathlike": e} expression: a path-like object
    (os.PathLike) whose __fspath__ returns the value of e, as CPython's own
    tests make one (test.support.os_helper.FakePath)."""

    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return self.path

    def __repr__(self):
        return "<FakePath %r>" % (self.path,)


class Hook:
    """The callable of a {"hook": name} expression: appends ``name`` to the
    running process's hook log, then raises if asked to. Also usable as a
    signal handler (it ignores its arguments). Its repr is fixed, because
    CPython prints it when a fork hook raises."""

    def __init__(self, log, name, exception):
        self._log = log
        self.name = name
        self.exception = exception

    def __call__(self, *args):
        self._log.append((os.getpid(), self.name))
        if self.exception:
            raise EXCEPTIONS[self.exception](self.name)

    def __repr__(self):
        return "<hook %s>" % self.name


def standard_streams():
    """sys.stdout and sys.stderr on fd 1 and 2 as a program has them when its
    stdout is not a terminal, whatever the environment says
    (PYTHONUNBUFFERED, -u): stdout block-buffered, stderr line-buffered."""
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
        encoding="utf-8", errors="strict", line_buffering=False)
    sys.stderr = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
        encoding="utf-8", errors="backslashreplace", line_buffering=True)


def capture_file(label):
    """A new capture file (§4.10), named ``label``: a file in the case's
    scratch directory ($PYPROC_CASE_TMP), so that what a case wrote there
    is still there to show if the case hangs (§7, HUNG); a memory file when
    there is no such directory (the driver run by hand) or it cannot be
    written. Like a memory file it never fills up, and it can be read after
    its writer has ended, even if a grandchild still holds it."""
    tmp = os.environ.get("PYPROC_CASE_TMP")
    if tmp:
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
        for n in range(100):
            name = label if n == 0 else "%s.%d" % (label, n)
            try:
                return os.open(os.path.join(tmp, name), flags, 0o600)
            except FileExistsError:
                continue
            except OSError:
                break
    return os.memfd_create(label)


class Capture:
    """The capture files of the main process (§4.10): fd 1 and 2 become
    capture_file()s; the real standard output and error are kept for the
    protocol document and the driver's own diagnostics."""

    def __init__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.real_stdout = os.dup(1)  # non-inheritable, as os.dup makes it
        self.real_stderr = os.dup(2)
        self.files = {"stdout": capture_file("main-stdout"),
                      "stderr": capture_file("main-stderr")}
        os.dup2(self.files["stdout"], 1)
        os.dup2(self.files["stderr"], 2)
        standard_streams()

    def diagnostics(self, limit=1 << 16):
        """The end of what the case wrote to the main capture stderr."""
        fd = self.files["stderr"]
        size = os.fstat(fd).st_size
        return os.pread(fd, limit, max(0, size - limit))


def read_from(fd, position):
    chunks = []
    while True:
        data = os.pread(fd, READ_CHUNK, position)
        if not data:
            return b"".join(chunks)
        chunks.append(data)
        position += len(data)


def unindented_lines(text):
    """§4.7's filter: the lines that do not begin with a space or a tab."""
    return [line for line in text.splitlines()
            if not line.startswith((" ", "\t"))]


class ProgramOps:
    def init_programs(self, case):
        self.vars = {}
        self.hook_entries = []  # (pid, name), appended by hooks
        self.hook_read = 0
        self.read_pos = {}      # (st_dev, st_ino) -> offset already read
        self.outputs = {}       # (path, name) -> {"stdout": fd, "stderr": fd}
        helper = os.environ.get("PYPROC_HELPER") or os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            "build", "default", "conformance", "helper", "pyproc-helper")
        self.paths = {"helper": helper,
                      "helper_dir": os.path.dirname(helper),
                      "tmp": os.environ.get("PYPROC_CASE_TMP") or os.getcwd()}

    # --- values -----------------------------------------------------------
    def eval(self, e):
        if isinstance(e, list):
            return [self.eval(v) for v in e]
        if not isinstance(e, dict):
            return e
        kind = (set(e) & set(casefile.EXPRESSIONS)).pop()
        return getattr(self, "eval_" + kind)(e)

    def eval_bytes(self, e):
        return bytes.fromhex(e["bytes"])

    def eval_tuple(self, e):
        return tuple(self.eval(v) for v in e["tuple"])

    def eval_dict(self, e):
        return {k: self.eval(v) for k, v in e["dict"].items()}

    def eval_path(self, e):
        return self.paths[e["path"]]

    def eval_text(self, e):
        text = casefile.TEXT_EVENT_FD.sub(
            lambda m: self.event_fd(m.group(1), m.group(2)), e["text"])
        for name in ("helper_dir", "helper", "tmp"):
            text = text.replace("{%s}" % name, self.paths[name])
        return text

    def eval_const(self, e):
        module, attr = e["const"].split(".", 1)
        return getattr(MODULES[module], attr)

    def eval_or(self, e):
        result = 0
        for value in self.eval(e["or"]):
            result |= value
        return result

    def eval_neg(self, e):
        return -int(self.eval(e["neg"]))

    def eval_var(self, e):
        value = self.vars[e["var"]]
        if "index" in e:
            return value[e["index"]]
        if "attr" in e:
            return tag_attribute(e["attr"], getattr(value, e["attr"]))
        return value

    def eval_environ(self, e):
        env = dict(os.environ)
        for k, v in e["environ"].get("set", {}).items():
            env[k] = self.eval(v)
        for k in e["environ"].get("unset", []):
            env.pop(k, None)
        return env

    def eval_hook(self, e):
        return Hook(self.hook_entries, e["hook"], e.get("raise"))

    def eval_pathlike(self, e):
        return FakePath(self.eval(e["pathlike"]))

    def eval_event_fd(self, e):
        return self.event_fd(e["event_fd"], e["end"])

    def event_fd(self, event, end):
        """The descriptor of one end of an event, inheritable from now on in
        this process (so a program it runs can notify or await), as the
        decimal string a command line needs."""
        fd = self.events[event][0 if end == "read" else 1]
        os.set_inheritable(fd, True)
        return str(fd)

    # --- results ----------------------------------------------------------
    def result(self, step, r):
        """What a call/method/value step observes, after binding ``r``."""
        for p in pids_in(r):
            self.know_pid(p)
        if "bind" in step:
            self.vars[step["bind"]] = r
        if "observe" not in step:
            return r
        return [self.view(r, v) for v in step["observe"]]

    def view(self, r, v):
        if v == "value":
            return r
        if v.get("type"):
            # A tagged int is an int to the case (the tag is this driver's).
            return "int" if isinstance(r, (Pid, Fd, Uid, Gid)) else type(r).__name__
        if v.get("len"):
            return len(r)
        if v.get("repr"):
            return repr(r)
        if v.get("str"):
            return str(r)
        x = r
        if "attr" in v:
            x = tag_attribute(v["attr"], getattr(r, v["attr"]))
        elif "index" in v:
            x = r[v["index"]]
        if "compare" in v:
            op, e = v["compare"]
            return bool(COMPARE[op](x, self.eval(e)))
        return x

    def arguments(self, step):
        """The arguments of a call, untagged: CPython sees plain ints."""
        return (plain(self.eval(step.get("args", []))),
                {k: plain(self.eval(v)) for k, v in step.get("kwargs", {}).items()})

    # --- ops --------------------------------------------------------------
    def op_call(self, step, procs, path):
        name = step["function"]
        module, attr = name.split(".", 1)
        function = getattr(MODULES[module], attr)  # os.plock: AttributeError
        args, kwargs = self.arguments(step)
        r = function(*args, **kwargs)
        if name == "subprocess.Popen":
            # §4.12: every Popen's pid is in the document's pids, read or
            # not, so that one inside a message or a repr is normalised.
            self.know_pid(r.pid)
        return self.result(step, tag_result(name, r, args))

    def op_method(self, step, procs, path):
        method = getattr(self.vars[step["var"]], step["method"])
        args, kwargs = self.arguments(step)
        return self.result(step, method(*args, **kwargs))

    def op_del(self, step, procs, path):
        """§4.12: ``del var``. The driver keeps no other reference to the
        value (run_steps drops each step's result once observed), so
        CPython's reference counting collects it here when the case holds
        it nowhere else (a Popen's __del__ runs now)."""
        del self.vars[step["var"]]
        return None

    def op_value(self, step, procs, path):
        return self.result(step, self.eval(step["of"]))

    def op_clock(self, step, procs, path):
        """§4.13: r = time.monotonic(), or the seconds since the time bound
        to `since`; observed as null, or as the comparisons of `observe`."""
        now = time.monotonic()
        r = now - self.vars[step["since"]] if "since" in step else now
        if "bind" in step:
            self.vars[step["bind"]] = r
        if "observe" not in step:
            return None
        return [self.view(r, v) for v in step["observe"]]

    def op_hasattr(self, step, procs, path):
        module, attr = step["name"].split(".", 1)
        return hasattr(MODULES[module], attr)

    def op_setenv(self, step, procs, path):
        os.environ[step["name"]] = plain(self.eval(step["value"]))
        return None

    def op_unsetenv(self, step, procs, path):
        del os.environ[step["name"]]
        return None

    def op_write(self, step, procs, path):
        self.stream(step).write(step["text"])
        return None

    def op_flush(self, step, procs, path):
        self.stream(step).flush()
        return None

    @staticmethod
    def stream(step):
        return sys.stdout if step["stream"] == "stdout" else sys.stderr

    def op_hook_log(self, step, procs, path):
        me = os.getpid()
        names = [name for who, name in self.hook_entries[self.hook_read:]
                 if who == me]
        self.hook_read = len(self.hook_entries)
        return names

    def op_output(self, step, procs, path):
        if "proc" in step:
            fd = self.outputs[(path, step["proc"])][step["stream"]]
        else:
            fd = 1 if step["stream"] == "stdout" else 2
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        position = self.read_pos.get(key, 0)
        data = read_from(fd, position)
        self.read_pos[key] = position + len(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        return unindented_lines(text) if step.get("lines") else text

    def own_capture_files(self, path, name):
        """Capture files for a child whose step says "capture": true,
        created in the parent so that it can read them later."""
        files = {s: capture_file("%s-%s" % (name, s))
                 for s in casefile.STREAMS}
        self.outputs[(path, name)] = files
        return files

    def op_fork(self, step, procs, path):
        name = step["proc"]
        child_path = name if path == "main" else path + "/" + name
        files = self.own_capture_files(path, name) if step.get("capture") else None
        saved = None
        if step.get("pty") and files is None:
            # forkpty puts the terminal on 0, 1 and 2 of the child; 1 and 2
            # go back to the capture files it shares with its parent.
            saved = {"stdout": os.dup(1), "stderr": os.dup(2)}
        try:
            # The os module under test (driver.py --os-module).
            if step.get("pty"):
                child, master = MODULES["os"].forkpty()
            else:
                child, master = MODULES["os"].fork(), None
        except BaseException:
            self.close_all(saved)
            raise
        if child == 0:
            value = 0 if master is None else (0, master)
            self.run_forked(child_path, step["child"], name, value, files or saved)
        self.close_all(saved)
        self.know_pid(child)
        if step["child"]:
            # The child's stream exists from here on, even if the child is
            # killed before its first step could announce it (§4.9).
            self.channel.send({"kind": "stream", "path": child_path})
        value = Pid(child) if master is None else (Pid(child), Fd(master))
        self.vars[name] = value
        return value

    @staticmethod
    def close_all(fds):
        for fd in (fds or {}).values():
            os.close(fd)

    def run_forked(self, path, steps, name, value, files):
        """The child of a "fork" step: runs its steps, then os._exit(0).
        Never returns into the parent's steps."""
        try:
            if files:
                os.dup2(files["stdout"], 1)
                os.dup2(files["stderr"], 2)
            self.vars[name] = value
            self.channel.send({"kind": "pid", "pid": os.getpid()})
            self.run_steps(path, steps)
        except DriverError as e:
            self.channel.send({"kind": "error", "path": path, "message": str(e)})
            os._exit(70)
        except BaseException:
            # An exception a signal handler raised in an ending step: it ends
            # the child as it ends a program (its traceback, status 1).
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)
        os._exit(0)
