"""The matrix report in a real browser: runs conformance/matrix/run.py on a
few cases for two implementations (pyproc's C++ driver and CPython 3.8,
which differs from 3.11 on case 0100), then loads the front page and a case
page in headless Chromium (Debian's `chromium`) and checks what it rendered:
the DOM it built (--dump-dom) and a screenshot of the front page that is not
blank.

    python3 conformance/matrix/tests/browser_check.py --out DIR [--runner R --cpp-driver D]

Chromium is installed with install-debian-packages when missing; if that is
not possible the check is skipped with exit status 77 (ctest's
SKIP_RETURN_CODE) and says why. The screenshot stays in DIR/front.png.
"""

import argparse
import html.parser
import os
import shutil
import struct
import subprocess
import sys
import zlib

MATRIX = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(MATRIX))
CASES = ["0001", "0007", "0100", "0246"]
IMPLEMENTATIONS = ["pyproc-cpp", "cpython-3.8"]
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
    run = [sys.executable, os.path.join(MATRIX, "run.py"), "--no-install", "--out", out,
           "--implementations", ",".join(IMPLEMENTATIONS), "--only", *CASES]
    if args.runner:
        run += ["--runner", args.runner]
    if args.cpp_driver:
        run += ["--cpp-driver", args.cpp_driver]
    subprocess.run(run, check=True, stdin=subprocess.DEVNULL)
    report = os.path.join(out, "report")

    front = Dom(browse(browser, out, "--dump-dom", "file://" + os.path.join(report, "index.html")))
    rows = front.find("tr", "case")
    check([r[1]["id"] for r in rows] == ["case-" + c for c in sorted(CASES)],
          "the table's case rows: %r" % [r[1].get("id") for r in rows])
    cells = front.find("td", "outcome")
    check(len(cells) == len(CASES) * len(IMPLEMENTATIONS),
          "%d outcome cells for %d cases x %d implementations"
          % (len(cells), len(CASES), len(IMPLEMENTATIONS)))
    links = [a[1].get("href") for a in front.find("a") if "cases/" in a[1].get("href", "")]
    check("cases/0100.html#impl-cpython-3-8" in links, "no link to 0100 for CPython 3.8")
    check(front.find("tr", "area") and front.find("tr", "clause"),
          "the table has no area or clause rows")
    summary = front.find("table", id="summary")
    check(summary and "CPython 3.8 (fork)" in summary[0][2], "no summary row for CPython 3.8")
    fail = [c for c in cells if "o-FAIL" in c[1]["class"]]
    check(fail and fail[0][2].strip() == "FAIL", "no FAIL cell (CPython 3.8 on 0100)")

    page = Dom(browse(browser, out, "--dump-dom",
                      "file://" + os.path.join(report, "cases", "0100.html")))
    check('"id": "0100"' in page.find("pre", id="case")[0][2], "the case is not shown")
    check(page.find("section", id="impl-pyproc-cpp"), "no section for pyproc-cpp")
    section = page.find("section", id="impl-cpython-3-8")
    check(section and "FAIL" in section[0][2], "no FAIL section for CPython 3.8")
    diffs = page.find("tr", "diff")
    check(len(diffs) == 1 and '{"value": 1}' in diffs[0][2] and '{"value": 0}' in diffs[0][2],
          "the differing observation of 0100 under 3.8: %r" % [d[2] for d in diffs])

    png = os.path.join(out, "front.png")
    browse(browser, out, "--screenshot=" + png, "--window-size=1400,1000",
           "file://" + os.path.join(report, "index.html"))
    width, height, distinct = png_facts(png)
    check((width, height) == (1400, 1000), "screenshot is %dx%d" % (width, height))
    check(distinct > 16, "the screenshot looks blank (%d distinct byte values)" % distinct)
    print("report rendered: %d case rows, %d cells, %d differing row(s) on 0100; "
          "screenshot %s" % (len(rows), len(cells), len(diffs), png))
    return 0


if __name__ == "__main__":
    sys.exit(main())
