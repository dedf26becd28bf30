"""A case that hangs shows what it did, in both drivers (spec/protocol.md §5
and §7 HUNG, issue 18's "blind when it hangs").

The harness shows what a driver had printed on stdout when its case hung, and
the files left in the case's scratch directory, but both drivers printed
their document only at the end and kept every capture file in memory: a hung
case showed no observation and no stderr. Now each prints the document as it
goes (the main process's observations as soon as they are made) and keeps its
capture files in the scratch directory. Here a case observes a few values,
writes to stderr in the main process and in a child, then hangs joining that
child: before the driver is killed, its stdout must already be the beginning
of the document with every observation so far, and the scratch directory
must hold what both processes wrote to fd 2.

    PYPROC_DRIVER=build/default/conformance/pyproc-driver \\
        python3 -m unittest conformance/driver/tests/test_driver_hang.py

Standard library only.
"""

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
DRIVER = os.environ.get("PYPROC_DRIVER", "")
ORACLE = os.path.join(ROOT, "oracle", "driver.py")

CASE = {"id": "9210", "title": "hangs joining a child", "clauses": ["MP-001"], "steps": [
    {"op": "value", "of": 1180591620717411303424},
    {"op": "write", "stream": "stderr", "text": "main: about to hang\n"},
    {"op": "new", "proc": "p", "capture_stderr": True, "target": [
        {"op": "write", "stream": "stderr", "text": "p: here\n"},
        {"op": "flush", "stream": "stderr"},
        {"op": "notify", "event": "ready"},
        {"op": "block"}]},
    {"op": "start", "proc": "p"},
    {"op": "await", "event": "ready"},
    {"op": "join", "proc": "p"}]}
# What the main process observes before join(): every step but the last.
BEFORE_THE_HANG = [{"value": 1180591620717411303424}] + [{"value": None}] * 4
DEADLINE = 60  # seconds for the driver to get as far as the join


def observed_so_far(out):
    """The main stream of a document printed up to the middle of "main", or
    None while it is not that far."""
    try:
        return json.loads(out.decode("ascii") + "]}}")["streams"]["main"]
    except ValueError:
        return None


class HungCase:
    command = None

    def test_what_a_hung_case_observed_and_wrote_is_there_before_it_is_killed(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "9210.json")
            with open(path, "w") as f:
                json.dump(CASE, f)
            scratch = os.path.join(tmp, "scratch")
            os.mkdir(scratch)
            driver = subprocess.Popen(
                self.command + [path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, cwd=scratch, start_new_session=True,
                env=dict(os.environ, PYPROC_CASE_TMP=scratch))
            try:
                out = b""
                deadline = time.monotonic() + DEADLINE
                while observed_so_far(out) != BEFORE_THE_HANG:
                    left = deadline - time.monotonic()
                    self.assertGreater(left, 0, "the driver printed only %r" % out)
                    if select.select([driver.stdout], [], [], left)[0]:
                        chunk = os.read(driver.stdout.fileno(), 65536)
                        self.assertTrue(chunk, "the driver ended: %r" % out)
                        out += chunk
                # It hangs in join(): nothing more comes, and it is still there.
                self.assertEqual(select.select([driver.stdout], [], [], 0.2)[0], [])
                self.assertIsNone(driver.poll())
                files = {}
                for name in os.listdir(scratch):
                    with open(os.path.join(scratch, name), "rb") as f:
                        files[name] = f.read()
            finally:
                os.killpg(driver.pid, signal.SIGKILL)
                driver.communicate()
        self.assertTrue(out.startswith(b"{"), out)
        self.assertEqual(files.get("main-stderr"), b"main: about to hang\n", files)
        self.assertEqual(files.get("p-stderr"), b"p: here\n", files)


@unittest.skipUnless(DRIVER, "set PYPROC_DRIVER to the C++ driver (ctest does)")
class CppDriver(HungCase, unittest.TestCase):
    command = [DRIVER]


class OracleDriver(HungCase, unittest.TestCase):
    command = [sys.executable, ORACLE]


if __name__ == "__main__":
    unittest.main()
