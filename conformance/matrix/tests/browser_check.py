"""The matrix report in a real browser: runs conformance/matrix/run.py on a
few cases for two implementations (pyproc's C++ driver, and CPython 3.8 in a
row of its own data file that declares Python 3.11, so that it is judged
against 3.11's expected files and differs on case 0100, as CPython 3.8 does), then loads the front page and a case
page in headless Chromium (Debian's `chromium`) and checks what it rendered:
the DOM it built (--dump-dom, after the page's script ran) and screenshots
that are not blank. It checks the parts that explain: the pass fractions,
the root causes, the filters (given in the URL, applied by the page's own
script), the failing implementation first on a case page with the clause's
text and the case's program, and the comparison with a previous run: the
same results rendered again with --previous pointing at a copy in which
CPython 3.8 passed 0100 and pyproc-cpp hung on 0246 (made-up rows, to have a
new failure, a fix and a HUNG page with its stderr to look at).

    python3 conformance/matrix/tests/browser_check.py --out DIR [--runner R --cpp-driver D]

Chromium is installed with install-debian-packages when missing; if that is
not possible the check is skipped with exit status 77 (ctest's
SKIP_RETURN_CODE) and says why. The screenshots stay in DIR: front.png, filtered.png, case.png, previous.png.
"""

import argparse
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

MATRIX = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(MATRIX))
CASES = ["0001", "0007", "0100", "0246"]
IMPLEMENTATIONS = ["pyproc-cpp", "cpython-3.8-as-3.11"]
# A row as an implementer adds one (README: "An implementation is one file").
AS_311 = {"id": "cpython-3.8-as-3.11", "label": "CPython 3.8 judged as 3.11 (fork)",
          "interpreter": {"pyenv": "3.8"}, "start_method": "fork", "python_version": "3.11",
          "notes": "browser_check.py: CPython 3.8 against 3.11's expectations"}
SKIP = 77


class Dom(html.parser.HTMLParser):
    """The elements of a page: (tag, attributes, text inside it)."""

    def __init__(self, text):
        super().__init__()
        self.elements, self.open = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        element = [tag, dict(attrs), ""]
        self.elements.append(element)
        if tag not in ("meta", "br", "img", "link"):
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for element in self.open:
            element[2] += data

    def find(self, tag, cls=None, **attrs):
        return [e for e in self.elements if e[0] == tag
                and (cls is None or cls in e[1].get("class", "").split())
                and all(e[1].get(k) == v for k, v in attrs.items())]


def chromium():
    found = shutil.which("chromium")
    if found:
        return found, None
    done = subprocess.run([os.path.join(MATRIX, "install-debian-packages"), "chromium"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    found = shutil.which("chromium")
    if found:
        return found, None
    return None, done.stdout.decode("utf-8", "replace").strip()[-500:] or \
        "install-debian-packages chromium exited %d" % done.returncode


def browse(browser, out, *args):
    """Runs headless Chromium once; its stdout."""
    profile = os.path.join(out, "chromium-profile")
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           "--user-data-dir=" + profile, *args], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if done.returncode != 0:
        raise AssertionError("chromium exited %d: %s" % (
            done.returncode, done.stderr.decode("utf-8", "replace")[-2000:]))
    return done.stdout.decode("utf-8")


def png_facts(path):
    """(width, height, distinct byte values of the image data): a blank
    page is one or two values."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError("%s is not a PNG" % path)
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--runner")
    p.add_argument("--cpp-driver")
    args = p.parse_args(argv)
    browser, why = chromium()
    if browser is None:
        print("SKIPPED: the report cannot be checked in a browser: chromium is missing "
              "and could not be installed: %s" % why)
        return SKIP
    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    row_file = os.path.join(out, "cpython-3.8-as-3.11.json")
    with open(row_file, "w", encoding="utf-8") as f:
        json.dump(AS_311, f)
    run = [sys.executable, os.path.join(MATRIX, "run.py"), "--no-install", "--out", out,
           "--implementations", ",".join(IMPLEMENTATIONS), "--only", *CASES,
           "--implementation", row_file]
    if args.runner:
        run += ["--runner", args.runner]
    if args.cpp_driver:
        run += ["--cpp-driver", args.cpp_driver]
    subprocess.run(run, check=True, stdin=subprocess.DEVNULL)
    report = os.path.join(out, "report")
    with open(os.path.join(out, "results", "run.json"), encoding="utf-8") as f:
        skipped = [(i["id"], i.get("reason", "")) for i in json.load(f)["implementations"]
                   if i["status"] != "ran"]
    if skipped:
        # CPython 3.8 comes from pyenv, which a user other than its owner may
        # not reach (/root/.pyenv behind /root); without it there is no
        # difference to look at.
        print("SKIPPED: the report cannot be checked: %s" % "; ".join(
            "%s did not run: %s" % s for s in skipped))
        return SKIP

    front = Dom(browse(browser, out, "--dump-dom", "file://" + os.path.join(report, "index.html")))
    rows = front.find("tr", "case")
    check([r[1]["id"] for r in rows] == ["case-" + c for c in sorted(CASES)],
          "the table's case rows: %r" % [r[1].get("id") for r in rows])
    cells = front.find("td", "outcome")
    check(len(cells) == len(CASES) * len(IMPLEMENTATIONS),
          "%d outcome cells for %d cases x %d implementations"
          % (len(cells), len(CASES), len(IMPLEMENTATIONS)))
    links = [a[1].get("href") for a in front.find("a") if "cases/" in a[1].get("href", "")]
    check("cases/0100.html#impl-cpython-3-8-as-3-11" in links, "no link to 0100 for CPython 3.8")
    check(front.find("tr", "area") and front.find("tr", "clause"),
          "the table has no area or clause rows")
    summary = front.find("table", id="summary")
    check(summary and "CPython 3.8 judged as 3.11 (fork)" in summary[0][2], "no summary row for CPython 3.8")
    fail = [c for c in cells if "o-FAIL" in c[1]["class"]]
    check(fail and fail[0][2].strip() == "FAIL", "no FAIL cell (CPython 3.8 on 0100)")

    page = Dom(browse(browser, out, "--dump-dom",
                      "file://" + os.path.join(report, "cases", "0100.html")))
    check('"id": "0100"' in page.find("pre", id="case")[0][2], "the case is not shown")
    check(page.find("section", id="impl-pyproc-cpp"), "no section for pyproc-cpp")
    section = page.find("section", id="impl-cpython-3-8-as-3-11")
    check(section and "FAIL" in section[0][2], "no FAIL section for CPython 3.8")
    diffs = page.find("tr", "diff")
    check(len(diffs) == 1 and '{"value": 1}' in diffs[0][2] and '{"value": 0}' in diffs[0][2],
          "the differing observation of 0100 under 3.8: %r" % [d[2] for d in diffs])

    # The failing implementation first, the clause's text, the program.
    sections = [e[1]["id"] for e in page.find("section")]
    check(sections == ["impl-cpython-3-8-as-3-11", "impl-pyproc-cpp"],
          "the failing implementation is not first: %r" % sections)
    check(page.find("div", "clause-text"), "no clause text on the case page")
    program = page.find("pre", id="program")
    check(program and "sys.exit()" in program[0][2] and "def p_target" in program[0][2],
          "the case's program is not shown")
    check(os.path.exists(os.path.join(report, "cases", "0100.py")), "no cases/0100.py")
    check(any("Root cause:" in p[2] for p in page.find("p", "root-cause")),
          "no root cause on the case page")

    # The front page's explaining parts.
    check(front.find("tr", "area-fraction") and front.find("tr", "all-fraction"),
          "no pass fractions per area")
    causes = front.find("li", id="causes-impl-cpython-3-8-as-3-11")
    check(causes and "0100" in causes[0][2] and "as CPython 3.8 itself differs" in causes[0][2],
          "no root cause naming 0100 for CPython 3.8 as 3.8's own difference: %r"
          % (causes and causes[0][2]))
    check(front.find("form", id="filters"), "no filters")
    count = front.find("span", id="filter-count")
    check(count and count[0][2] == "%d of %d case(s) shown" % (len(CASES), len(CASES)),
          "the filter script did not run: %r" % (count and count[0][2]))

    # Filters from the URL, applied by the page's script.
    filtered = Dom(browse(browser, out, "--dump-dom", "file://" + os.path.join(
        report, "index.html") + "?outcome=FAIL&impl=cpython-3.8-as-3.11"))
    shown = [r[1]["id"] for r in filtered.find("tr", "case") if "hidden" not in r[1]]
    check(shown == ["case-0100"], "?outcome=FAIL&impl=cpython-3.8-as-3.11 shows %r" % shown)
    hidden_cells = [c for c in filtered.find("td", "outcome") if "hidden" in c[1]]
    check(len(hidden_cells) == len(CASES), "the other implementation's column is not hidden")
    check(filtered.find("span", id="filter-count")[0][2] == "1 of %d case(s) shown" % len(CASES),
          "filter count: %r" % filtered.find("span", id="filter-count")[0][2])

    # A previous run: made-up rows, so that there is a change of each kind.
    results = os.path.join(out, "results")
    previous = os.path.join(out, "previous-results")
    shutil.copytree(results, previous)
    edit_row(previous, "cpython-3.8-as-3.11", "0100", {"outcome": "PASS", "differences": []})
    current = os.path.join(out, "hung-results")
    shutil.copytree(results, current)
    edit_row(current, "pyproc-cpp", "0246", lambda row: {
        "outcome": "HUNG", "detail": "no answer within 30 s; its process group was killed",
        "stderr": "made up: the driver was stuck in waitpid()",
        "actual": {"main": (row.get("actual") or {}).get("main", [])[:1]}})
    edit_row(previous, "pyproc-cpp", "0001", {"outcome": "FAIL"})
    again = os.path.join(out, "report-previous")
    subprocess.run([sys.executable, os.path.join(MATRIX, "report.py"), "--previous", previous,
                    current, again], check=True, stdin=subprocess.DEVNULL)
    front2 = Dom(browse(browser, out, "--dump-dom", "file://" + os.path.join(again, "index.html")))
    changes = front2.find("ul", id="changes")
    check(changes and "new failure: 1 (0100)" in changes[0][2].replace("\n", " ")
          and "fixed: 1 (0001)" in changes[0][2],
          "the changes since the previous run: %r" % (changes and changes[0][2]))
    check(front2.find("span", "new-failure"), "no new-failure mark in the table")
    hung = Dom(browse(browser, out, "--dump-dom",
                      "file://" + os.path.join(again, "cases", "0246.html")))
    section = hung.find("section", id="impl-pyproc-cpp")
    check(section and "Before it was stopped" in section[0][2]
          and "1 of" in section[0][2] and "stuck in waitpid()" in section[0][2],
          "the HUNG page: %r" % (section and section[0][2][:600]))
    causes = front2.find("li", id="causes-impl-pyproc-cpp")
    check(causes and "HUNG in " in causes[0][2], "no HUNG root cause naming the step: %r"
          % (causes and causes[0][2]))

    shots = {}
    # The filtered page whole, table included, in a taller window (headless
    # Chromium paints nothing when a URL's #anchor scrolls a long page).
    for name, url, size in (
            ("front", os.path.join(report, "index.html"), (1400, 1000)),
            ("filtered", os.path.join(report, "index.html") + "?outcome=failing", (1400, 2400)),
            ("case", os.path.join(report, "cases", "0100.html"), (1400, 1000)),
            ("previous", os.path.join(again, "index.html"), (1400, 1000))):
        png = os.path.join(out, name + ".png")
        browse(browser, out, "--screenshot=" + png, "--window-size=%d,%d" % size,
               "file://" + url)
        width, height, distinct = png_facts(png)
        check((width, height) == size, "%s is %dx%d" % (png, width, height))
        check(distinct > 16, "%s looks blank (%d distinct byte values)" % (png, distinct))
        shots[name] = png
    print("report rendered: %d case rows, %d cells, %d differing row(s) on 0100; filters, "
          "root causes, fractions, program, previous run and HUNG page checked; "
          "screenshots %s" % (len(rows), len(cells), len(diffs), " ".join(shots.values())))
    return 0


def edit_row(results, impl_id, case_id, change):
    """Changes one row of a results directory's JSON-lines file: ``change``
    is a dict of fields, or a function of the row giving one."""
    path = os.path.join(results, impl_id + ".jsonl")
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for row in rows:
        if row["id"] == case_id:
            row.update(change(row) if callable(change) else change)
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(json.dumps(row) + "\n" for row in rows))


if __name__ == "__main__":
    sys.exit(main())
