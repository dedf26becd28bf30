"""The implementations the matrix runs the suite against (conformance/matrix/
run.py): one JSON file of data each, conformance/matrix/implementations/
ID.json (and any file given with run.py --implementation PATH). The format is
README.md's "An implementation is one file"; a file that breaks it is refused
with its path and the field.

Each file becomes an Implementation: the driver command for pyproc-conform
(python-driver with the interpreter, modules, preload and start method it
names, or a driver command of its own), the expected files it is judged
against (the fork set, or the fork set overlaid with a start method's own,
oracle/overlay.py), its deviations file, how to tell whether this machine has
it, and the Debian packages that install it.
"""

import fnmatch
import json
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "implementations")
PYTHON_DRIVER = "conformance/drivers/python-driver"
DEFAULT_BUILD = "build/default"

START_METHODS = ("fork", "spawn", "forkserver")
SYSTEMS = ("multiprocessing", "os", "subprocess")
FIELDS = {"id", "label", "order", "interpreter", "driver", "debian", "modules", "preload",
          "start_method", "python_version", "deviations", "probe", "notes"}
ID = re.compile(r"[a-z0-9][a-z0-9._+-]*\Z")
MODULE = r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*"
PRELOAD = re.compile(r"%s(:%s)?\Z" % (MODULE, MODULE))
SYSTEM_MODULE = re.compile(r"%s(:[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*)?\Z" % MODULE)
PLAIN_MODULE = re.compile(MODULE + r"\Z")
PYTHON_VERSION = re.compile(r"[0-9]+\.[0-9]+\Z")
DEBIAN_PACKAGE = re.compile(r"[a-z0-9][a-z0-9.+-]+\Z")


class FormatError(ValueError):
    """A file that is not an implementation: its path, the field, why."""

    def __init__(self, path, field, why):
        super().__init__("%s: %s: %s" % (path, field, why) if field else "%s: %s" % (path, why))


class Implementation:
    def __init__(self, ident, label, command, start_method="fork",
                 deviations=None, probe=None, apt=(), pyenv=None, module="multiprocessing",
                 python_version=None, preload=None, modules=None, order=1000, notes="",
                 source=None):
        self.id = ident
        self.label = label
        self.command = command          # driver words, relative to the root
        self.start_method = start_method  # which expected files judge it
        self.deviations = deviations
        self.probe = probe              # argv that exits 0 when it is here
        self.module = module            # the multiprocessing module under test
        self.apt = tuple(apt)           # Debian packages that install it
        self.pyenv = pyenv              # a pyenv version prefix ("3.12")
        self.python_version = python_version  # the Python it declares it implements
        self.preload = preload
        self.modules = dict(modules or {})
        self.order = order
        self.notes = notes
        self.source = source            # the file it was read from

    def missing(self, root):
        """Why this machine cannot run it now, or None."""
        probe = self.probe
        if self.pyenv:
            python = pyenv_python(self.pyenv)
            if python is None:
                return ("pyenv has no CPython %s installed (`pyenv install %s` adds "
                        "it where python.org is reachable)" % (self.pyenv, self.pyenv))
            probe = python_probe(python, self.module, self.start_method,
                                 self.preload, self.modules)
        if probe is None:
            driver = os.path.join(root, self.command[0])
            if not os.access(driver, os.X_OK):
                return ("%s is not there or not executable (build the project: cmake "
                        "--preset default && cmake --build --preset default, or run.py "
                        "--build DIR)" % self.command[0])
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

    def describe(self):
        """The data a report shows beside the results."""
        return {"python_version": self.python_version, "preload": self.preload,
                "modules": self.modules, "notes": self.notes, "source": self.source,
                "debian": list(self.apt)}


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


def python_probe(python, module="multiprocessing", start_method="fork", preload=None,
                 modules=None):
    """A command that exits 0 when ``python`` can run the driver with these
    modules (each imported; the preload only imported, not called)."""
    imports = "".join("; import %s" % spec.partition(":")[0].split(",")[0]
                      for spec in [preload] + [(modules or {}).get(s) for s in ("os", "subprocess")]
                      if spec)
    return [python, "-c", "import sys, %s; assert sys.version_info >= (3, 8), "
            "'the driver needs Python 3.8 or later'; import %s as m; "
            "assert %r in m.get_all_start_methods()%s" % (module, module, start_method, imports)]


# ------------------------------------------------------------------ the files
def _expect(cond, path, field, why):
    if not cond:
        raise FormatError(path, field, why)


def _string(doc, path, field, pattern=None, what="a string"):
    value = doc.get(field)
    _expect(isinstance(value, str) and value and (pattern is None or pattern.match(value)),
            path, field, "must be %s, not %s" % (what, json.dumps(value)))
    return value


def _words(value, path, field):
    _expect(isinstance(value, list) and value and all(isinstance(w, str) and w for w in value),
            path, field, "must be a non-empty list of non-empty strings (command words), "
            "not %s" % json.dumps(value))
    return value


def _substituted(words, build):
    return [w.replace("{build}", build) for w in words]


def from_data(doc, path, build=DEFAULT_BUILD):
    """The Implementation of one file's data ``doc`` (read from ``path``);
    FormatError naming the file and the field if it is not one. ``build``:
    what "{build}" in a command stands for."""
    _expect(isinstance(doc, dict), path, None, "must hold one JSON object")
    unknown = sorted(set(doc) - FIELDS)
    _expect(not unknown, path, unknown[0] if unknown else None,
            "unknown field (the fields: %s)" % ", ".join(sorted(FIELDS)))
    ident = _string(doc, path, "id", ID, "an id of lower-case letters, digits and ._+-")
    label = _string(doc, path, "label")
    version = _string(doc, path, "python_version", PYTHON_VERSION,
                      "the Python version it implements, as \"3.11\"")
    start_method = doc.get("start_method", "fork")
    _expect(start_method in START_METHODS, path, "start_method",
            "must be one of %s, not %s" % (", ".join(START_METHODS), json.dumps(start_method)))
    order = doc.get("order", 1000)
    _expect(isinstance(order, int) and not isinstance(order, bool), path, "order",
            "must be an integer (rows are shown by order, then id)")
    notes = doc.get("notes", "")
    _expect(isinstance(notes, str), path, "notes", "must be a string")
    debian = doc.get("debian", [])
    _expect(isinstance(debian, list) and all(isinstance(p, str) and DEBIAN_PACKAGE.match(p)
                                             for p in debian),
            path, "debian", "must be a list of Debian package names, not %s" % json.dumps(debian))
    deviations = doc.get("deviations")
    _expect(deviations is None or (isinstance(deviations, str) and deviations), path,
            "deviations", "must be a path (relative to the repository root) or null")
    probe = doc.get("probe")
    if probe is not None:
        probe = _substituted(_words(probe, path, "probe"), build)
    has_interpreter, has_driver = "interpreter" in doc, "driver" in doc
    _expect(has_interpreter != has_driver, path, "interpreter",
            "exactly one of \"interpreter\" (a Python run through python-driver) and "
            "\"driver\" (a driver command of its own) is required")
    if has_driver:
        for field in ("modules", "preload"):
            _expect(field not in doc, path, field,
                    "only for an \"interpreter\" (a driver of its own takes its own options)")
        command = _substituted(_words(doc["driver"], path, "driver"), build)
        return Implementation(ident, label, command, start_method, deviations, probe,
                              debian, python_version=version, order=order, notes=notes,
                              source=path)

    interpreter = doc["interpreter"]
    _expect(isinstance(interpreter, dict) and len(interpreter) == 1
            and set(interpreter) <= {"pyenv", "python"}, path, "interpreter",
            "must be {\"pyenv\": \"3.12\"} (a pyenv version prefix) or {\"python\": CMD} "
            "(a command or path), not %s" % json.dumps(interpreter))
    (kind, value), = interpreter.items()
    _expect(isinstance(value, str) and value, path, "interpreter." + kind,
            "must be a non-empty string")
    if kind == "pyenv":
        _expect(re.match(r"[0-9]+(\.[0-9]+)*\Z", value), path, "interpreter.pyenv",
                "must be a version or a prefix of one (3.12, 3.12.1), not %s" % json.dumps(value))
    modules = doc.get("modules", {})
    _expect(isinstance(modules, dict), path, "modules",
            "must be an object: {\"multiprocessing\": M, \"os\": M, \"subprocess\": M}")
    for system, spec in modules.items():
        _expect(system in SYSTEMS, path, "modules." + system,
                "unknown system (one of %s)" % ", ".join(SYSTEMS))
        pattern = PLAIN_MODULE if system == "multiprocessing" else SYSTEM_MODULE
        _expect(isinstance(spec, str) and pattern.match(spec), path, "modules." + system,
                "must name a module%s, not %s" % (
                    "" if system == "multiprocessing" else
                    " (MOD, or MOD:NAME,NAME for only those names)", json.dumps(spec)))
    preload = doc.get("preload")
    _expect(preload is None or (isinstance(preload, str) and PRELOAD.match(preload)), path,
            "preload", "must be MOD or MOD:CALLABLE (gevent.monkey:patch_all), not %s"
            % json.dumps(preload))
    module = modules.get("multiprocessing", "multiprocessing")
    command = [PYTHON_DRIVER, "--pyenv" if kind == "pyenv" else "--python", value]
    if module != "multiprocessing":
        command += ["--module", module]
    if start_method != "fork":
        command += ["--start-method", start_method]
    if preload:
        command += ["--preload", preload]
    for system in ("os", "subprocess"):
        if modules.get(system, system) != system:
            command += ["--%s-module" % system, modules[system]]
    if probe is None and kind == "python":
        probe = python_probe(value, module, start_method, preload, modules)
    return Implementation(ident, label, command, start_method, deviations, probe, debian,
                          pyenv=value if kind == "pyenv" else None, module=module,
                          python_version=version, preload=preload, modules=modules,
                          order=order, notes=notes, source=path)


def load_file(path, build=DEFAULT_BUILD):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise FormatError(path, None, "cannot be read: %s" % e.strerror)
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise FormatError(path, None, "not JSON: %s" % e)
    return from_data(doc, path, build)


def load(extra=(), build=DEFAULT_BUILD, data_dir=DATA_DIR):
    """Every implementation of ``data_dir`` (each file named after its id)
    and of the files ``extra``, by order then id; FormatError for a file that
    is not one, or an id given twice."""
    impls, seen = [], {}
    in_tree = sorted(os.path.join(data_dir, n) for n in os.listdir(data_dir) if n.endswith(".json"))
    root = os.path.dirname(os.path.dirname(HERE))
    for path in in_tree + list(extra):
        shown = os.path.relpath(path, root) if path in in_tree else path
        try:
            impl = load_file(path, build)
        except FormatError as e:
            raise FormatError(shown, None, str(e)[len(path) + 2:]) from None
        if path in in_tree:
            _expect(os.path.basename(path) == impl.id + ".json", shown, "id",
                    "%s does not match the file's name" % json.dumps(impl.id))
        _expect(impl.id not in seen, shown, "id",
                "%s is also the id of %s" % (json.dumps(impl.id), seen.get(impl.id)))
        seen[impl.id] = shown
        impls.append(impl)
    return sorted(impls, key=lambda i: (i.order, i.id))


def __getattr__(name):
    """ALL: every implementation of the repository's files (read when
    asked for, so that a malformed file is run.py's clear error, not an
    import's traceback)."""
    if name == "ALL":
        return load()
    raise AttributeError(name)


def select(patterns, impls=None):
    """The implementations whose id matches one of the glob ``patterns``
    (all of them for none), in the order of ``impls`` (ALL); raises
    ValueError for a pattern that matches nothing."""
    impls = load() if impls is None else impls
    if not patterns:
        return list(impls)
    for p in patterns:
        if not any(fnmatch.fnmatchcase(i.id, p) for i in impls):
            raise ValueError("no implementation matches %r (one of %s)"
                             % (p, ", ".join(i.id for i in impls)))
    return [i for i in impls if any(fnmatch.fnmatchcase(i.id, p) for p in patterns)]
