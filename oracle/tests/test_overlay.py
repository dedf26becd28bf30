"""overlay.py: the whole expectation of a Python version and a start method."""

import io
import os
import shutil
import tempfile
import unittest
from contextlib import redirect_stderr

import support  # noqa: F401  (puts oracle/ on sys.path)
import overlay


class OverlayTest(unittest.TestCase):
    def setUp(self):
        self.conformance = tempfile.mkdtemp()
        self.files = {
            "expected": {"0001.json": "base 1", "0002.json": "base 2", "0003.json": "base 3"},
            "expected-py3.9": {"0001.json": "3.9 1", "0002.json": "3.9 2"},
            "expected-py3.12": {"0003.json": "3.12 3"},
            "expected-spawn": {"0002.json": "spawn 2"},
        }
        for directory, files in self.files.items():
            os.mkdir(os.path.join(self.conformance, directory))
            for name, text in files.items():
                with open(os.path.join(self.conformance, directory, name), "w") as f:
                    f.write(text)
        self.dest = os.path.join(self.conformance, "out")

    def tearDown(self):
        shutil.rmtree(self.conformance)

    def contents(self):
        out = {}
        for name in sorted(os.listdir(self.dest)):
            with open(os.path.join(self.dest, name)) as f:
                out[name] = f.read()
        return out

    def test_versions_are_the_reference_and_every_overlay_oldest_first(self):
        os.mkdir(os.path.join(self.conformance, "expected-pyjunk"))
        self.assertEqual(overlay.versions(self.conformance), ["3.9", "3.11", "3.12"])

    def test_the_reference_version_with_fork_is_the_base(self):
        self.assertEqual(overlay.expectation(self.dest, "3.11", "fork", self.conformance), [])
        self.assertEqual(self.contents(), self.files["expected"])
        overlay.expectation(self.dest, None, "fork", self.conformance)
        self.assertEqual(self.contents(), self.files["expected"])

    def test_a_version_overlays_the_base(self):
        overlay.expectation(self.dest, "3.9", "fork", self.conformance)
        self.assertEqual(self.contents(),
                         {"0001.json": "3.9 1", "0002.json": "3.9 2", "0003.json": "base 3"})

    def test_the_start_method_goes_over_the_version(self):
        used = overlay.expectation(self.dest, "3.9", "spawn", self.conformance)
        self.assertEqual([os.path.basename(d) for d in used],
                         ["expected-py3.9", "expected-spawn"])
        self.assertEqual(self.contents(),
                         {"0001.json": "3.9 1", "0002.json": "spawn 2", "0003.json": "base 3"})

    def test_what_an_earlier_expectation_left_in_dest_is_replaced(self):
        overlay.expectation(self.dest, "3.12", "fork", self.conformance)
        overlay.expectation(self.dest, "3.9", "fork", self.conformance)
        self.assertEqual(self.contents()["0003.json"], "base 3")

    def test_a_version_without_expectations_is_a_clear_error(self):
        for version in ("3.14", "3", "2.7", "3.x"):
            with self.assertRaises(overlay.OverlayError) as raised:
                overlay.expectation(self.dest, version, "fork", self.conformance)
            self.assertIn("no expectations for Python %s (there are: 3.9, 3.11, 3.12;"
                          % version, str(raised.exception))

    def test_the_command_line(self):
        err = io.StringIO()
        with redirect_stderr(err):
            status = overlay.main(["--python-version", "3.9", "--start-method", "spawn",
                                   "--conformance", self.conformance, self.dest])
        self.assertEqual(status, 0, err.getvalue())
        self.assertIn("2 file(s) of %s" % os.path.join(self.conformance, "expected-py3.9"),
                      err.getvalue())
        with redirect_stderr(io.StringIO()) as err:
            status = overlay.main(["--python-version", "3.7", "--conformance",
                                   self.conformance, self.dest])
        self.assertEqual(status, 2)
        self.assertIn("overlay.py: no expectations for Python 3.7", err.getvalue())


if __name__ == "__main__":
    unittest.main()
