"""Sharded matrix runs merge into the unsharded run (ctest matrix.shards):
runs conformance/matrix/run.py on a few cases for pyproc's C++ driver and
CPython 3.11 once whole and once as three shards, each shard a separate
run.py process (all three at once, as three CI jobs would run), merges the
shards (run.py --merge) and checks that the merged results are the whole
run's: the same JSON lines per implementation (less the seconds each case
took), the same run.json entries (less wall times) and the same outcome
cells in the report. Then a merge with a shard left out must be refused.

    python3 conformance/matrix/tests/shard_check.py --build BUILD_DIR --out DIR
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MATRIX = os.path.dirname(HERE)
RUN = os.path.join(MATRIX, "run.py")
IMPLEMENTATIONS = "pyproc-cpp,cpython-3.11"
# Multiprocessing, os and subprocess cases, a failing one included (an
# unsharded run and its shards must agree on failures too).
CASES = ["0001-0009", "0100", "0200", "0300-0303", "0600"]
SHARDS = 3
VOLATILE_LINE = ("seconds",)
VOLATILE_ENTRY = ("wall_seconds", "shard_wall_seconds")


def run_py(args, common, **kw):
    return subprocess.Popen([sys.executable, RUN, *common, *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def finish(proc, what):
    out, err = proc.communicate(timeout=1200)
    if proc.returncode != 0:
        sys.exit("shard_check: %s exited %d:\n%s" % (what, proc.returncode,
                                                       err.decode(errors="replace")[-3000:]))
    return out.decode(errors="replace")


def results(out):
    with open(os.path.join(out, "results", "run.json")) as f:
        meta = json.load(f)
    entries, lines = [], {}
    for entry in meta["implementations"]:
        entries.append({k: v for k, v in entry.items() if k not in VOLATILE_ENTRY})
        if entry["status"] == "ran":
            with open(os.path.join(out, "results", entry["results"])) as f:
                lines[entry["id"]] = [{k: v for k, v in json.loads(t).items()
                                       if k not in VOLATILE_LINE} for t in f]
    with open(os.path.join(out, "report", "index.html")) as f:
        cells = re.findall(r'<td class="outcome [^"]*"><a href="[^"]*">[^<]*</a>', f.read())
    return meta, entries, lines, cells


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    common = ["--no-install", "--build", args.build, "--implementations", IMPLEMENTATIONS,
              "--jobs", "1"]
    only = ["--only", *CASES]
    whole = os.path.join(args.out, "whole")
    parts = [os.path.join(args.out, "shard-%d" % k) for k in range(1, SHARDS + 1)]
    procs = [run_py(only + ["--out", whole], common)]
    procs += [run_py(only + ["--shard", "%d/%d" % (k, SHARDS), "--out", part], common)
              for k, part in enumerate(parts, 1)]
    for proc, what in zip(procs, ["the whole run"] + ["shard %d" % k for k in range(1, 4)]):
        finish(proc, what)
    merged = os.path.join(args.out, "merged")
    finish(run_py(["--merge", *parts, "--out", merged], []), "run.py --merge")

    w_meta, w_entries, w_lines, w_cells = results(whole)
    m_meta, m_entries, m_lines, m_cells = results(merged)
    problems = []
    if m_meta["selection"] != w_meta["selection"]:
        problems.append("selections differ: %s / %s" % (m_meta["selection"],
                                                          w_meta["selection"]))
    if len(w_entries) != len(m_entries):
        problems.append("%d implementations whole, %d merged" % (len(w_entries),
                                                                 len(m_entries)))
    for (w, m) in zip(w_entries, m_entries):
        if w != m:
            problems.append("run.json entries differ:\n  whole  %s\n  merged %s" % (w, m))
    for impl in sorted(set(w_lines) | set(m_lines)):
        w, m = w_lines.get(impl), m_lines.get(impl)
        if w != m:
            problems.append("%s: JSON lines differ: whole %s / merged %s" % (
                impl, [(x["id"], x["outcome"]) for x in w or []],
                [(x["id"], x["outcome"]) for x in m or []]))
    if w_cells != m_cells:
        problems.append("the report's outcome cells differ")
    ran = [e["id"] for e in w_entries if e["status"] == "ran"]
    if "pyproc-cpp" not in ran:
        problems.append("pyproc-cpp did not run: %s" % w_entries[0].get("reason"))
    sizes = []
    for part in parts:
        with open(os.path.join(part, "results", "run.json")) as f:
            sizes.append(len(json.load(f)["shard"]["cases"]))
    if sum(sizes) != len(w_meta["selection"]) or max(sizes) - min(sizes) > 1:
        problems.append("shard sizes %s for %d cases" % (sizes, len(w_meta["selection"])))

    # A shard left out is an error, not a smaller report.
    refused = run_py(["--merge", parts[0], parts[2], "--out",
                      os.path.join(args.out, "refused")], [])
    out, err = refused.communicate(timeout=300)
    if refused.returncode != 2 or b"shard 2/3 of 3 is missing" not in err:
        problems.append("a merge without shard 2 gave exit %d: %s" % (
            refused.returncode, err.decode(errors="replace")))
    if problems:
        sys.exit("shard_check: the merged run is not the whole run:\n" + "\n".join(problems))
    print("shard_check: %d shards (%s cases each) of %d cases x %s merged into the whole run "
          "(%d outcome cells)" % (SHARDS, "/".join(map(str, sizes)), len(w_meta["selection"]),
                                  ", ".join(ran), len(w_cells)))


if __name__ == "__main__":
    main()
