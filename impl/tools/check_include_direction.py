#!/usr/bin/env python3
"""Checks that #include lines point one way (README "Layout").

impl/ is split by the system each file implements: core (what all three
share), multiprocessing, os, subprocess, in impl/src/<family>/ and the public
headers impl/include/pyproc/<family>/ (core's public headers are the ones at
the top of pyproc/, beside the umbrella headers). A family may include:

    core             core
    multiprocessing  core, multiprocessing
    os               core, os
    subprocess       core, os, subprocess

A public header never includes a private one, and only pyproc/pyproc.hpp
includes every family. The C++ driver (conformance/driver/) is split the same
way around its interpreter core: driver/core includes no driver family (it
may use every public header of pyproc: it interprets all of them); a driver
family includes the driver's core, its own folder, the families the table
above allows, and pyproc's public headers of those families; main.cpp and
families.* at the top of the driver wire the families in and may include all.

Every quoted include must name a file that exists. Exits 1 listing each line
that breaks a rule, 0 when there is none.

usage: check_include_direction.py [--root DIR]
"""

import argparse
import os
import re
import sys

FAMILIES = ("core", "multiprocessing", "os", "subprocess")
ALLOWED = {
    "core": {"core"},
    "multiprocessing": {"core", "multiprocessing"},
    "os": {"core", "os"},
    "subprocess": {"core", "os", "subprocess"},
}
# Public headers at the top of impl/include/pyproc/.
CORE_PUBLIC = {"exceptions.hpp", "py_repr.hpp"}
UMBRELLA = "pyproc.hpp"
# Test helpers and tools are not part of the layout.
INCLUDE_LINE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def public_family(target):
    """The family of a public header named as "pyproc/...", or None."""
    rest = target[len("pyproc/"):]
    first = rest.split("/", 1)[0]
    if "/" in rest:
        return first if first in FAMILIES and first != "core" else None
    if rest in CORE_PUBLIC:
        return "core"
    if rest == UMBRELLA:
        return "umbrella"
    stem = rest[:-len(".hpp")] if rest.endswith(".hpp") else rest
    return stem if stem in FAMILIES and stem != "core" else None


def includes(path):
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            match = INCLUDE_LINE.match(line)
            if match:
                yield number, match.group(1)


def sources(folder):
    for directory, _, names in os.walk(folder):
        if os.path.basename(directory) == "tests" or "/tests/" in directory + "/":
            continue
        for name in sorted(names):
            if name.endswith((".cpp", ".hpp")):
                yield os.path.join(directory, name)


def check_impl(root, problems):
    include_dir = os.path.join(root, "impl", "include")
    src_dir = os.path.join(root, "impl", "src")
    for path in sources(os.path.join(include_dir, "pyproc")):
        relative = os.path.relpath(path, include_dir)
        family = public_family(relative)
        if family is None:
            problems.append(f"{relative}: a public header outside the families {FAMILIES}")
            continue
        for number, target in includes(path):
            where = f"impl/include/{relative}:{number}"
            if not target.startswith("pyproc/"):
                problems.append(f'{where}: public header includes private "{target}"')
                continue
            if not os.path.exists(os.path.join(include_dir, target)):
                problems.append(f'{where}: "{target}" does not exist')
                continue
            to = public_family(target)
            if family == "umbrella":
                continue
            if to == "umbrella" or to not in ALLOWED[family]:
                problems.append(f'{where}: {family} includes {to} ("{target}")')
    for path in sources(src_dir):
        relative = os.path.relpath(path, src_dir)
        family = relative.split("/", 1)[0]
        if family not in FAMILIES or "/" not in relative:
            problems.append(f"impl/src/{relative}: outside the family folders {FAMILIES}")
            continue
        for number, target in includes(path):
            where = f"impl/src/{relative}:{number}"
            if target.startswith("pyproc/"):
                exists = os.path.exists(os.path.join(include_dir, target))
                to = public_family(target)
            else:
                exists = os.path.exists(os.path.join(src_dir, target))
                to = target.split("/", 1)[0] if "/" in target else None
            if not exists:
                problems.append(f'{where}: "{target}" does not exist (private headers are '
                                f'named from impl/src, public ones from impl/include)')
            elif to == "umbrella" or to not in ALLOWED[family]:
                problems.append(f'{where}: {family} includes {to} ("{target}")')


def check_driver(root, problems):
    driver_dir = os.path.join(root, "conformance", "driver")
    include_dir = os.path.join(root, "impl", "include")
    if not os.path.isdir(driver_dir):
        return
    for path in sources(driver_dir):
        relative = os.path.relpath(path, driver_dir)
        family = relative.split("/", 1)[0] if "/" in relative else None  # None: the wiring
        if family is not None and family not in FAMILIES:
            problems.append(f"conformance/driver/{relative}: outside the folders {FAMILIES}")
            continue
        for number, target in includes(path):
            where = f"conformance/driver/{relative}:{number}"
            if target.startswith("pyproc/"):
                if not os.path.exists(os.path.join(include_dir, target)):
                    problems.append(f'{where}: "{target}" does not exist')
                    continue
                to = public_family(target)
                if family in (None, "core"):
                    continue
                if to == "umbrella" or to not in ALLOWED[family]:
                    problems.append(f'{where}: driver {family} uses pyproc {to} ("{target}")')
                continue
            if not os.path.exists(os.path.join(driver_dir, target)):
                problems.append(f'{where}: "{target}" does not exist (named from '
                                f'conformance/driver)')
                continue
            to = target.split("/", 1)[0] if "/" in target else "wiring"
            if family is None:
                continue
            if to == "wiring" or to not in ALLOWED[family] | {family}:
                problems.append(f'{where}: driver {family} includes driver {to} ("{target}")')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."),
                        help="the repository root (default: this checkout)")
    args = parser.parse_args(argv)
    problems = []
    check_impl(args.root, problems)
    check_driver(args.root, problems)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} include(s) against the layout (README \"Layout\")")
        return 1
    print("includes point one way")
    return 0


if __name__ == "__main__":
    sys.exit(main())
