"""Writes conformance/expected/<id>.json by running the CPython driver (§7).

    python3 oracle/generate.py [CASE ...]          regenerate (all cases by default)
    python3 oracle/generate.py --check [CASE ...]  drift check: exit 1 if any file differs
    options: --outdir DIR  --cases DIR  --python PATH  --helper PATH  -j N
             --check [--runs N]
             --module M  --start-method S  --base DIR

With --start-method spawn (or forkserver) and --base conformance/expected,
the files are an overlay (conformance/expected-spawn/): a case gets a file
only where its streams under that start method differ from the base's, so
that the base overlaid with it is the whole expectation (oracle/overlay.py
makes that directory); the drift check then also fails on an overlay file
whose case no longer differs.

A CASE is an id (0007) or the path of a case file. Each driver runs in its own
process group with the case's timeout, in a scratch directory of its own, with
PYPROC_CASE_TMP and PYPROC_HELPER set as the harness sets them
(spec/protocol.md §5.1); a failing case is reported and the others go on; the
exit status is non-zero if any case failed.
"""

import argparse
import concurrent.futures
import difflib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import normalize

ORACLE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(ORACLE)
DRIVER = os.path.join(ORACLE, "driver.py")
DEFAULT_CASES = os.path.join(ROOT, "conformance", "cases")
DEFAULT_OUTDIR = os.path.join(ROOT, "conformance", "expected")
DEFAULT_TIMEOUT = 30
# The helper program as the default CMake build makes it.
BUILT_HELPER = os.path.join(ROOT, "build", "default", "conformance", "helper",
                            "pyproc-helper")
STDERR_TAIL_LINES = 20


class Failure(Exception):
    """One case could not be generated; the message says why."""


class Unsupported(Exception):
    """The driver says the case cannot run here (spec/protocol.md §5, e.g. a
    requirement of §2 this machine lacks): no expected file is written, an
    existing one is kept, and it is not a failure."""


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cases", nargs="*", metavar="CASE",
                   help="case ids or case files (default: every case)")
    p.add_argument("--check", action="store_true",
                   help="compare with the files on disk instead of writing")
    p.add_argument("--runs", type=int, default=1,
                   help="with --check: generate this many times, check every "
                        "run and fail unless all runs are byte-identical (the "
                        "drift and the determinism check in one pass)")
    p.add_argument("--outdir", default=DEFAULT_OUTDIR)
    p.add_argument("--cases", dest="cases_dir", default=DEFAULT_CASES)
    p.add_argument("--python", default=sys.executable,
                   help="interpreter that runs the driver")
    p.add_argument("--helper", default=os.environ.get("PYPROC_HELPER") or BUILT_HELPER,
                   help="the suite's helper program (default: $PYPROC_HELPER, "
                        "else the default build's)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                   help="cases run at once (default: one per CPU)")
    p.add_argument("--module", default="multiprocessing",
                   help="driver.py --module (default: multiprocessing)")
    p.add_argument("--start-method", default="fork",
                   help="driver.py --start-method (default: fork)")
    p.add_argument("--base", help="write only the files whose streams differ "
                   "from this directory's (an overlay)")
    return p.parse_args(argv)


def driver_options(args):
    return ["--module", args.module, "--start-method", args.start_method]


def case_paths(args):
    """(case paths sorted by file name, whether they are the whole suite)."""
    if not args.cases:
        names = sorted(n for n in os.listdir(args.cases_dir)
                       if n.endswith(".json"))
        return [os.path.join(args.cases_dir, n) for n in names], True
    paths = []
    for c in args.cases:
        if os.path.isfile(c):
            paths.append(c)
        else:
            stem = c[:-5] if c.endswith(".json") else c
            paths.append(os.path.join(args.cases_dir, stem + ".json"))
    return paths, False


def load_case(path):
    # Only what generation needs; the driver checks the rest and says where.
    stem = os.path.splitext(os.path.basename(path))[0]
    try:
        with open(path, "rb") as f:
            case = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        raise Failure("cannot read the case: %s" % e)
    if not isinstance(case, dict) or case.get("id") != stem:
        raise Failure("the case's id must equal its file name %r" % stem)
    return case


def machine_paths(helper, tmp):
    """What §6 step 5 turns into symbols, for this run."""
    paths = {"tmp": tmp}
    if helper:
        paths["helper"] = helper
        paths["helper_dir"] = os.path.dirname(helper)
    return paths


def run_driver(python, path, timeout, paths, options=()):
    env = dict(os.environ, PYPROC_CASE_TMP=paths["tmp"])
    if "helper" in paths:
        env["PYPROC_HELPER"] = paths["helper"]
    # -S: no site module. The oracle is the standard library alone, so a
    # site-packages .pth hook (some import third-party packages at every
    # start-up) can neither slow nor change what a case observes.
    proc = subprocess.Popen([python, "-S", DRIVER, *options, os.path.abspath(path)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            cwd=paths["tmp"], env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        raise Failure("timed out after %g s; its process group was killed%s"
                      % (timeout, _tail(err)))
    if proc.returncode < 0:
        raise Failure("driver killed by %s%s" % (
            signal.Signals(-proc.returncode).name, _tail(err)))
    if proc.returncode != 0:
        raise Failure("driver exit status %d%s" % (proc.returncode, _tail(err)))
    try:
        return json.loads(out.decode("utf-8"))
    except ValueError as e:
        raise Failure("driver printed no protocol document (%s)%s"
                      % (e, _tail(err)))


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _tail(err):
    lines = err.decode("utf-8", "replace").rstrip().splitlines()
    if not lines:
        return ""
    return "\n  stderr (last lines):\n" + "\n".join(
        "    " + line for line in lines[-STDERR_TAIL_LINES:])


def expected_text(raw, case, platform, paths=None):
    if not isinstance(raw, dict) or raw.get("protocol") != 4:
        # The oracle's own driver speaks protocol 4: an exception without
        # "class" and "bases" (§4.6) must never reach an expected file.
        raise Failure("driver output is not a protocol 4 document")
    if raw.get("case") != case["id"]:
        raise Failure("driver reported case %r" % raw.get("case"))
    if "unsupported" in raw:
        raise Unsupported(raw["unsupported"])
    impl = raw["implementation"]
    doc = {
        "case": case["id"],
        "generated_by": {"implementation": impl["name"],
                         "version": impl["version"],
                         "start_method": impl["start_method"],
                         "platform": platform},
        "streams": normalize.normalize(raw, case, paths)["streams"],
    }
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def generate_one(python, platform, path, helper, options=()):
    case = load_case(path)
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="pyproc-case-"))
    try:
        paths = machine_paths(helper if helper and os.path.exists(helper) else None, tmp)
        raw = run_driver(python, path, case.get("timeout", DEFAULT_TIMEOUT), paths,
                         options)
        return case["id"], expected_text(raw, case, platform, paths)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def interpreter_platform(python):
    if python == sys.executable:
        return sys.platform
    return subprocess.check_output(
        [python, "-c", "import sys; print(sys.platform)"]).decode().strip()


def generate(args, log=sys.stderr):
    """Run every selected case; return ({file name: text}, failed, whole)."""
    try:
        paths, whole = case_paths(args)
    except OSError as e:
        raise Failure("cannot list the cases: %s" % e)
    platform = interpreter_platform(args.python)
    def attempt(path):
        try:
            return generate_one(args.python, platform, path, os.path.abspath(args.helper),
                                driver_options(args))
        except (Failure, Unsupported) as e:
            return e

    # Threads only wait on driver subprocesses, each in its own group.
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        results = list(pool.map(attempt, paths))
    texts, failed, unsupported = {}, [], []
    for path, result in zip(paths, results):
        stem = os.path.splitext(os.path.basename(path))[0]
        if isinstance(result, Failure):
            log.write("FAILED %s (%s): %s\n" % (stem, path, result))
            failed.append(stem)
        elif isinstance(result, Unsupported):
            log.write("UNSUPPORTED %s (%s): %s\n" % (stem, path, result))
            unsupported.append(stem)
        else:
            case_id, text = result
            texts[case_id + ".json"] = text
    return texts, failed, whole, unsupported


def streams_text(text):
    """The streams of an expected file, as text that tells 1 from 1.0 and
    from true (JSON equality in Python would not)."""
    return json.dumps(json.loads(text)["streams"], sort_keys=True)


def overlay(texts, base, log=sys.stderr):
    """The texts whose streams differ from the base file of the same name
    (or that have none there): what an overlay directory holds."""
    kept = {}
    for name, text in texts.items():
        path = os.path.join(base, name)
        if os.path.exists(path) and streams_text(read_text(path)) == streams_text(text):
            continue
        kept[name] = text
    log.write("%d of %d case(s) differ from %s\n" % (len(kept), len(texts), base))
    return kept


def on_disk(outdir):
    if not os.path.isdir(outdir):
        return set()
    return {n for n in os.listdir(outdir) if n.endswith(".json")}


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def check(args, texts, whole, failed, log=sys.stderr):
    """Compare with the files on disk; return the list of problems. A case
    in ``failed`` (unsupported ones included) keeps whatever file it has."""
    problems = []
    existing = on_disk(args.outdir)
    for name in sorted(texts):
        if name not in existing:
            problems.append("missing: %s" % name)
            continue
        old = read_text(os.path.join(args.outdir, name))
        if old != texts[name]:
            problems.append("differs: %s" % name)
            diff = difflib.unified_diff(
                old.splitlines(), texts[name].splitlines(),
                "on disk/" + name, "generated/" + name, lineterm="", n=2)
            for line in list(diff)[:40]:
                log.write("    %s\n" % line)
    if whole:
        failed_names = {s + ".json" for s in failed}
        why = ("no such case, or it no longer differs from %s" % args.base
               if args.base else "no such case")
        problems += ["stale: %s (%s)" % (n, why)
                     for n in sorted(existing - set(texts) - failed_names)]
    return problems


def write(args, texts, whole, failed, log=sys.stderr):
    """Write what changed; with the whole suite, remove the files of cases
    that are gone (not those of ``failed`` cases, unsupported included)."""
    os.makedirs(args.outdir, exist_ok=True)
    for name, text in sorted(texts.items()):
        path = os.path.join(args.outdir, name)
        if os.path.exists(path) and read_text(path) == text:
            continue
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(text.encode("utf-8"))
        os.replace(tmp, path)
        log.write("wrote %s\n" % path)
    if whole:
        # Expected files are the oracle's alone: one whose case is gone is
        # removed (a case that merely failed keeps its old file).
        failed_names = {s + ".json" for s in failed}
        for name in sorted(on_disk(args.outdir) - set(texts) - failed_names):
            os.remove(os.path.join(args.outdir, name))
            log.write("removed stale %s\n" % name)


def main(argv=None, log=sys.stderr):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.runs < 1 or (args.runs > 1 and not args.check):
        log.write("generate.py: --runs takes a count of 1 or more, and more than "
                  "one run only with --check\n")
        return 2
    status = 0
    runs = []
    for run in range(args.runs):
        try:
            texts, failed, whole, unsupported = generate(args, log)
        except Failure as e:
            log.write("generate.py: %s\n" % e)
            return 2
        if failed:
            status = 1
        kept = failed + unsupported
        generated = len(texts)
        if args.base:
            texts = overlay(texts, args.base, log)
        runs.append(texts)
        if args.check:
            problems = check(args, texts, whole, kept, log)
            for p in problems:
                log.write("%s\n" % p)
            if problems:
                log.write("drift: %d expected file(s) out of date%s; run "
                          "oracle/generate.py\n"
                          % (len(problems),
                             " in run %d" % (run + 1) if args.runs > 1 else ""))
                status = 1
        else:
            write(args, texts, whole, kept, log)
        log.write("%d case(s) generated, %d failed, %d unsupported here\n"
                  % (generated, len(failed), len(unsupported)))
    # Two runs that differ: a case that depends on timing, pids or chance (§6).
    first = runs[0]
    for other in runs[1:]:
        differ = sorted(n for n in set(first) | set(other) if first.get(n) != other.get(n))
        for name in differ:
            log.write("not deterministic: %s\n" % name)
        if differ:
            status = 1
    if len(runs) > 1:
        log.write("determinism: %d run(s) of %d file(s) compared\n"
                  % (len(runs), len(first)))
    return status


if __name__ == "__main__":
    sys.exit(main())
