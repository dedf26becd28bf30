#!/usr/bin/env python3
"""Fails when a pyproc public header defines or undefines a foreign macro.

A public header may only #define its own PYPROC_* macros, and must #undef
each again before its end, so that including pyproc changes no macro of the
user's (issue 20: the W*, EX_* and si_* macros of the C headers were
#undef'd). Runs the compiler command given after `--`, which must print the
preprocessed translation unit with its directives (-E -dD), and reads it:
linemarkers say which file each #define/#undef comes from.

usage: check_own_macros.py --include-root DIR -- COMPILER ARGS... -E -dD TU
Exits 1 listing each offending directive, 0 when there is none.
"""

import argparse
import os
import re
import subprocess
import sys

LINEMARKER = re.compile(r'^# \d+ "([^"]*)"')
DIRECTIVE = re.compile(r"^#\s*(define|undef)\s+([A-Za-z_][A-Za-z0-9_]*)")


def offences(preprocessed, pyproc_dir):
    """(file, directive, name) of every foreign or leaked macro."""
    found = []
    defined = {}  # PYPROC_* macro -> the header that defined it
    current = ""
    for line in preprocessed.splitlines():
        marker = LINEMARKER.match(line)
        if marker:
            current = os.path.realpath(marker.group(1)) if marker.group(1)[:1] == "/" else ""
            continue
        directive = DIRECTIVE.match(line)
        if not directive or not current.startswith(pyproc_dir):
            continue
        kind, name = directive.groups()
        if not name.startswith("PYPROC_"):
            found.append((current, kind, name))
        elif kind == "define":
            defined[name] = current
        else:
            defined.pop(name, None)
    found += [(header, "define (never #undef'd)", name) for name, header in defined.items()]
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--include-root", required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    run = subprocess.run(args.command, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        return 1
    pyproc_dir = os.path.join(os.path.realpath(args.include_root), "pyproc") + os.sep
    found = offences(run.stdout, pyproc_dir)
    for header, kind, name in found:
        print(f"{header}: #{kind} {name}: a public header leaves the user's macros alone")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
