"""The implementations the matrix runs the suite against (conformance/matrix/
run.py), how to tell whether this machine has each, and what installs it.

Each is a driver command for pyproc-conform, the expected files it is judged
against (the fork set, or the fork set overlaid with a start method's own,
oracle/overlay.py) and, for pyproc's C++ driver, its deviations file.
"""

import fnmatch
import os
import re
import subprocess

PYTHON_DRIVER = "conformance/drivers/python-driver"
CPP_DRIVER = "build/default/conformance/pyproc-driver"
# Debian's python3 (the one billiard and multiprocess are packaged for).
SYSTEM_PYTHON = "/usr/bin/python3"


class Implementation:
    def __init__(self, ident, label, command, start_method="fork",
                 deviations=None, probe=None, apt=(), pyenv=None, module="multiprocessing"):
        self.id = ident
        self.label = label
        self.command = command          # driver words, relative to the root
        self.start_method = start_method  # which expected files judge it
        self.deviations = deviations
        self.probe = probe              # argv that exits 0 when it is here
        self.module = module
        self.apt = tuple(apt)           # Debian packages that install it
        self.pyenv = pyenv              # a pyenv version prefix ("3.12")

    def missing(self, root):
        """Why this machine cannot run it now, or None."""
        probe = self.probe
        if self.pyenv:
            python = pyenv_python(self.pyenv)
            if python is None:
                return ("pyenv has no CPython %s installed (`pyenv install %s` adds "
                        "it where python.org is reachable)" % (self.pyenv, self.pyenv))
            probe = python_probe(python, self.module, self.start_method)
        if self.id == "pyproc-cpp":
            driver = os.path.join(root, self.command[0])
            if not os.access(driver, os.X_OK):
                return ("%s is not built (cmake --preset default && cmake "
                        "--build --preset default)" % self.command[0])
            return None
        try:
            done = subprocess.run(probe, cwd=root, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            return "%s: %s" % (probe[0], e)
        if done.returncode != 0:
            last = done.stdout.decode("utf-8", "replace").strip().splitlines()
            return "%s fails: %s" % (" ".join(probe),
                                     last[-1] if last else "exit %d" % done.returncode)
        return None


def pyenv_python(prefix):
    """The python3 binary of pyenv_version(prefix), or None."""
    version = pyenv_version(prefix)
    if version is None:
        return None
    try:
        root = subprocess.run(["pyenv", "prefix", version], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=60).stdout.decode().strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return os.path.join(root, "bin", "python3") if root else None


def pyenv_version(prefix):
    """The newest installed pyenv version that is ``prefix`` or starts with
    ``prefix.``; None without pyenv or such a version."""
    try:
        out = subprocess.run(["pyenv", "versions", "--bare"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=60).stdout.decode()
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = [v for v in out.split() if v == prefix or v.startswith(prefix + ".")]
    found = [v for v in found if re.match(r"[0-9.]+\Z", v)]
    return max(found, key=lambda v: [int(p) for p in v.split(".")]) if found else None


def python_probe(python, module="multiprocessing", start_method="fork"):
    return [python, "-c", "import sys, %s; assert sys.version_info >= (3, 8), "
            "'the driver needs Python 3.8 or later'; import %s as m; "
            "assert %r in m.get_all_start_methods()" % (module, module, start_method)]


def cpython(version, start_method="fork"):
    suffix = "" if start_method == "fork" else "-" + start_method
    options = [] if start_method == "fork" else ["--start-method", start_method]
    return Implementation(
        "cpython-%s%s" % (version, suffix), "CPython %s (%s)" % (version, start_method),
        [PYTHON_DRIVER, "--pyenv", version] + options, start_method,
        pyenv=version)


def module_on_system_python(module, package):
    return Implementation(
        module, "%s on Debian's CPython (fork)" % module,
        [PYTHON_DRIVER, "--python", SYSTEM_PYTHON, "--module", module],
        probe=python_probe(SYSTEM_PYTHON, module), apt=[package], module=module)


ALL = (
    [Implementation("pyproc-cpp", "pyproc C++ (fork)", [CPP_DRIVER],
                    deviations="conformance/deviations/cpp.json")]
    + [cpython(v) for v in ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")]
    + [cpython("3.11", "spawn"), cpython("3.11", "forkserver")]
    + [Implementation("pypy3", "PyPy 3 (fork)", [PYTHON_DRIVER, "--python", "pypy3"],
                      probe=python_probe("pypy3"), apt=["pypy3"]),
       module_on_system_python("billiard", "python3-billiard"),
       module_on_system_python("multiprocess", "python3-multiprocess")])


def select(patterns):
    """The implementations whose id matches one of the glob ``patterns``
    (all of them for none), in the order of ALL; raises ValueError for a
    pattern that matches nothing."""
    if not patterns:
        return list(ALL)
    for p in patterns:
        if not any(fnmatch.fnmatchcase(i.id, p) for i in ALL):
            raise ValueError("no implementation matches %r (one of %s)"
                             % (p, ", ".join(i.id for i in ALL)))
    return [i for i in ALL if any(fnmatch.fnmatchcase(i.id, p) for p in patterns)]
