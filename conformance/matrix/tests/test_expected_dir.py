"""run.py's expected_dir(): each row is judged by the expectations of the
Python version it declares and of its start method (oracle/overlay.py)."""

import argparse
import filecmp
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import run  # noqa: E402
import overlay  # noqa: E402  (run.py put oracle/ on the path)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
EXPECTED = os.path.join(ROOT, "conformance", "expected")


def row(version, start_method="fork"):
    return argparse.Namespace(python_version=version, start_method=start_method)


class ExpectedDirTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.out = tmp.name

    def generated_by(self, directory, case_id):
        with open(os.path.join(ROOT, directory, case_id + ".json")) as f:
            return json.load(f)["generated_by"]

    def test_the_reference_is_the_repository_directory_itself(self):
        self.assertEqual(run.expected_dir(row("3.11"), self.out),
                         os.path.join("conformance", "expected"))
        self.assertEqual(run.expected_dir(row(None), self.out),
                         os.path.join("conformance", "expected"))

    def test_an_older_version_is_judged_by_its_own_files_where_they_differ(self):
        directory = run.expected_dir(row("3.8"), self.out)
        self.assertEqual(self.generated_by(directory, "0100")["version"][:4], "3.8.")
        self.assertEqual(self.generated_by(directory, "0001")["version"][:5], "3.11.")
        # Every other file is the reference's, byte for byte.
        self.assertEqual(len(os.listdir(os.path.join(ROOT, directory))), len(os.listdir(EXPECTED)))
        self.assertTrue(filecmp.cmp(os.path.join(ROOT, directory, "0001.json"),
                                    os.path.join(EXPECTED, "0001.json"), shallow=False))

    def test_a_version_and_a_start_method_together(self):
        directory = run.expected_dir(row("3.9", "spawn"), self.out)
        self.assertIn("3.9-spawn", directory)
        spawn = overlay.overlay_dir("spawn")
        some = sorted(os.listdir(spawn))[0][:-5]
        self.assertEqual(self.generated_by(directory, some)["start_method"], "spawn")
        self.assertEqual(self.generated_by(directory, "0616")["version"][:4], "3.9.")

    def test_a_version_without_expectations_is_refused(self):
        with self.assertRaises(overlay.OverlayError):
            run.expected_dir(row("3.14"), self.out)


if __name__ == "__main__":
    unittest.main()
