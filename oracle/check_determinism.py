"""Generates the expected files twice and fails unless both runs are identical.

    python3 oracle/check_determinism.py [generate.py options and cases]

Expected files must not depend on pids, fds, timing or random bytes (§6);
a case that races shows up here as a difference between two runs.
"""

import os
import sys
import tempfile

import generate


def tree(directory):
    out = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            out[name] = f.read()
    return out


def main(argv=None, log=sys.stderr):
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv or "--outdir" in argv:
        log.write("check_determinism.py: --check and --outdir are "
                  "chosen by this script\n")
        return 2
    with tempfile.TemporaryDirectory(prefix="pyproc-det-") as tmp:
        runs = []
        for n in ("1", "2"):
            outdir = os.path.join(tmp, n)
            if generate.main(argv + ["--outdir", outdir], log=log) != 0:
                log.write("determinism: generation run %s failed\n" % n)
                return 1
            runs.append(tree(outdir))
    first, second = runs
    problems = sorted(name for name in set(first) | set(second)
                      if first.get(name) != second.get(name))
    for name in problems:
        log.write("not deterministic: %s\n" % name)
    log.write("determinism: %d file(s) compared, %d differ\n"
              % (len(first), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
