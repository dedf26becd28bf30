"""Runs every case's reproducer (oracle/reproducer.py) under this Python and
checks that it prints exactly the expected observations.

    python3 oracle/check_reproducers.py [-j N] [--expected DIR] [CASE ...]

Each program runs as the harness runs a driver: in a scratch directory of
its own, with the environment of spec/protocol.md §5.1 and nothing else, its
own process group, the case's timeout. Its output is read back into a protocol document
(reproducer.parse_output; the program normalises it itself, §6) and
compared with the streams of conformance/expected/<id>.json. A case this machine cannot run (a "requires"
it lacks: casefile.unsupported) is listed as UNSUPPORTED with the reason, not
a failure; one that cannot be a program (reproducer.NOT_EXPRESSIBLE) is
listed with its reason. Exit status 1 if any case differs.
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import casefile
import generate
import reproducer

ROOT = reproducer.ROOT


def check_one(path, expected_dir, python, helper):
    """(case id, outcome, detail) with outcome PASS, FAIL, UNSUPPORTED or
    NOT-EXPRESSIBLE."""
    case = casefile.read(path)
    cid = case["id"]
    reason = casefile.unsupported(case)
    if reason:
        return cid, "UNSUPPORTED", reason
    if cid in reproducer.NOT_EXPRESSIBLE:
        return cid, "NOT-EXPRESSIBLE", reproducer.NOT_EXPRESSIBLE[cid]
    with open(os.path.join(expected_dir, cid + ".json")) as f:
        expected = json.load(f)["streams"]
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="pyproc-repro-"))
    try:
        program = os.path.join(tmp, "..", os.path.basename(tmp) + ".py")
        program = os.path.realpath(program)
        try:
            text = reproducer.generate(case, helper)
        except Exception as e:  # a generator bug: this case fails, the rest go on
            return cid, "FAIL", "cannot generate: %s: %s" % (type(e).__name__, e)
        with open(program, "w") as f:
            f.write(text)
        env = case_environment(tmp, helper)
        proc = subprocess.Popen([python, "-S", program], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, cwd=tmp, env=env)
        timeout = case.get("timeout", generate.DEFAULT_TIMEOUT)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, err = proc.communicate()
            return cid, "FAIL", "timed out after %g s%s" % (timeout, tail(err))
        if proc.returncode != 0:
            return cid, "FAIL", "exit status %d%s" % (proc.returncode, tail(err))
        try:
            raw = reproducer.parse_output(out.decode("utf-8"))
        except ValueError as e:
            return cid, "FAIL", "%s%s" % (e, tail(err))
        got = raw["streams"]  # the program's normalised output (§6)
        if got != expected:
            return cid, "FAIL", "observations differ:\n  expected %s\n  got      %s%s" % (
                json.dumps(expected, sort_keys=True), json.dumps(got, sort_keys=True),
                tail(err))
        return cid, "PASS", ""
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            os.unlink(program)
        except (OSError, UnboundLocalError):
            pass


def case_environment(tmp, helper):
    """The environment spec/protocol.md §5.1 gives a driver, and nothing
    else of ours: an inherited PATH with a directory this user cannot search
    would turn ENOENT into EACCES."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "TZ": "UTC", "HOME": tmp, "TMPDIR": tmp, "PYPROC_HELPER": helper,
           "PYPROC_CASE_TMP": tmp}
    for name in ("PYENV_ROOT", "PYENV_VERSION"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def tail(err):
    lines = err.decode("utf-8", "replace").rstrip().splitlines()
    return "" if not lines else "\n  stderr:\n" + "\n".join("    " + l for l in lines[-15:])


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cases", nargs="*", metavar="CASE")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--expected", default=os.path.join(ROOT, "conformance", "expected"))
    p.add_argument("--cases", dest="cases_dir", default=reproducer.DEFAULT_CASES)
    p.add_argument("--helper", default=os.environ.get("PYPROC_HELPER") or generate.BUILT_HELPER)
    args = p.parse_args(argv[1:])
    if not os.path.exists(args.helper):
        sys.stderr.write("check_reproducers.py: no helper program at %s (set "
                         "PYPROC_HELPER or build it)\n" % args.helper)
        return 2
    paths = [reproducer.case_path(c, args.cases_dir) for c in args.cases] or sorted(
        os.path.join(args.cases_dir, n) for n in os.listdir(args.cases_dir)
        if n.endswith(".json"))
    counts = {}
    failed = False
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(check_one, path, args.expected, sys.executable, args.helper)
                   for path in paths]
        for fut in futures:
            cid, outcome, detail = fut.result()
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome != "PASS":
                print("%s %s %s" % (cid, outcome, detail))
                failed = failed or outcome == "FAIL"
    print("reproducers: %s of %d cases" % (
        ", ".join("%d %s" % (n, o) for o, n in sorted(counts.items())), len(paths)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
