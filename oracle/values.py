"""Observed values as spec/protocol.md §4.5 prints them.

The tag classes mark what a step returned (inside its try) so that encoding
happens outside it: a failure to encode is a driver bug, never an
observation. They subclass int, so a tagged value still works as an argument
(os.waitpid(pid, 0) with a Pid).
"""

import builtins
import importlib


class DriverError(Exception):
    """The driver itself failed (never an observation)."""


class Pid(int):
    pass


class Fd(int):
    pass


class Uid(int):
    pass


class Gid(int):
    pass


class Authkey(bytes):
    pass


_TAGS = ((Pid, "pid"), (Fd, "fd"), (Uid, "uid"), (Gid, "gid"))


def pid(n):
    """``n`` tagged as a process id; 0 and negative numbers are not process
    ids (waitpid(..., WNOHANG) returns pid 0), so they stay plain."""
    return Pid(n) if isinstance(n, int) and not isinstance(n, bool) and n > 0 else n


# Attributes whose value is a process id or a user id wherever they appear
# (a Process's pid, waitid's si_pid and si_uid): §4.11.
_ATTR_TAGS = {"pid": pid, "ident": pid, "si_pid": pid,
              "si_uid": lambda n: Uid(n) if type(n) is int else n}


def tag_attribute(attr, value):
    """``value`` read as attribute ``attr`` of a result, tagged."""
    tag = _ATTR_TAGS.get(attr)
    return tag(value) if tag else value


def encode(value):
    for cls, key in _TAGS:
        if isinstance(value, cls):
            return {key: int(value)}
    if isinstance(value, Authkey):
        return {"authkey": bytes(value).hex()}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    # Lists and tuples themselves, not tuple-like result objects
    # (os.times(), waitid's result): those are objects seen through views.
    if type(value) in (list, tuple):
        return [encode(v) for v in value]
    return {"object": type(value).__name__}


def plain(value):
    """``value`` without tags, as an argument of a function of the Python
    API: a tag must never show (``execv(fd)`` names the argument's type)."""
    for cls, _ in _TAGS:
        if isinstance(value, cls):
            return int(value)
    if type(value) in (list, tuple):
        return type(value)(plain(v) for v in value)
    if type(value) is dict:
        return {k: plain(v) for k, v in value.items()}
    return value


def pids_in(value):
    """Every Pid in a result (a tuple holds the pid of wait())."""
    if isinstance(value, Pid):
        return [int(value)]
    if type(value) in (list, tuple):
        return [p for v in value for p in pids_in(v)]
    return []


# Where user code names an exception class from, after builtins and the
# modules under test (spec/protocol.md §4.6): io.UnsupportedOperation,
# pickle.PicklingError, queue.Empty.
STANDARD_EXCEPTION_MODULES = ("io", "pickle", "queue")


def catchable_name(cls, under_test):
    """The name by which user code catches ``cls`` (§4.6): ``N`` for a builtin,
    ``subprocess.N`` when the module under test called subprocess has ``N``
    and it is ``cls`` (the same for os and multiprocessing), ``io.N`` and the
    like for the standard modules above; None when no such name reaches it.
    ``under_test`` is a sequence of (standard name, module) pairs."""
    name = cls.__name__
    if getattr(builtins, name, None) is cls:
        return name
    for prefix, module in under_test:
        if getattr(module, name, None) is cls:
            return prefix + "." + name
    for prefix in STANDARD_EXCEPTION_MODULES:
        if getattr(importlib.import_module(prefix), name, None) is cls:
            return prefix + "." + name
    return None


def raised(e, attrs, under_test):
    """The observation of exception ``e`` (§4.6): its type name, message, the
    name its class is caught by (its module and qualified name when no
    standard name reaches it: an implementation's own class) and the
    catchable classes it derives from, in method resolution order; with the
    attributes ``attrs`` names (None: none asked for)."""
    cls = type(e)
    observation = {
        "type": cls.__name__,
        "message": str(e),
        "class": (catchable_name(cls, under_test)
                  or "%s.%s" % (cls.__module__, cls.__qualname__)),
        "bases": [name for name in (catchable_name(base, under_test)
                                    for base in cls.__mro__[1:] if base is not object)
                  if name is not None],
    }
    if attrs is not None:
        observation["attrs"] = [[a, encode(tag_attribute(a, getattr(e, a, None)))]
                                for a in attrs]
    return {"raised": observation}
