"""Makes the whole expectation of one start method: the fork expected files
(conformance/expected/) overlaid with that start method's own
(conformance/expected-spawn/, conformance/expected-forkserver/), which
generate.py --base writes only for the cases whose streams differ.

    python3 oracle/overlay.py --start-method spawn DEST

DEST (created, or emptied of *.json) then holds one file per case, for
pyproc-conform --expected DEST. Standard library only.
"""

import argparse
import os
import shutil
import sys

ORACLE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.join(os.path.dirname(ORACLE), "conformance")
OVERLAYS = ("spawn", "forkserver")


def overlay_dir(start_method, conformance=CONFORMANCE):
    return os.path.join(conformance, "expected-" + start_method)


def merge(base, overlay, dest):
    """Copies base/*.json into dest, then overlay/*.json over them; returns
    how many files came from the overlay."""
    os.makedirs(dest, exist_ok=True)
    for name in os.listdir(dest):
        if name.endswith(".json"):
            os.remove(os.path.join(dest, name))
    for directory in (base, overlay):
        for name in sorted(os.listdir(directory)):
            if name.endswith(".json"):
                shutil.copyfile(os.path.join(directory, name), os.path.join(dest, name))
    return sum(1 for n in os.listdir(overlay) if n.endswith(".json"))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--start-method", choices=OVERLAYS, required=True)
    p.add_argument("--conformance", default=CONFORMANCE,
                   help="the directory holding expected/ and the overlays")
    p.add_argument("dest")
    args = p.parse_args(argv)
    base = os.path.join(args.conformance, "expected")
    n = merge(base, overlay_dir(args.start_method, args.conformance), args.dest)
    sys.stderr.write("%s: %s overlaid with %d %s file(s)\n"
                     % (args.dest, base, n, args.start_method))
    return 0


if __name__ == "__main__":
    sys.exit(main())
