"""Tests of no_pidfd_suite.py: the deviations it derives, and that the real files agree.

    python3 -m unittest conformance/tools/test_no_pidfd_suite.py
"""

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import no_pidfd_suite  # noqa: E402


class DerivedDeviations(unittest.TestCase):
    def test_the_listed_cases_are_left_out_and_the_rest_kept_as_they_are(self):
        cpp = {"0001": "a reason", "0144": {"reason": "pidfd", "differences": []}}
        listed = {"pass_without_pidfds": {"0144": "pipe"}}
        self.assertEqual(no_pidfd_suite.derived_deviations(cpp, listed), {"0001": "a reason"})

    def test_a_case_cpp_json_does_not_declare_is_an_error(self):
        listed = {"pass_without_pidfds": {"0144": "pipe", "0999": "gone"}}
        with self.assertRaisesRegex(ValueError, "0999"):
            no_pidfd_suite.derived_deviations({"0144": "pidfd"}, listed)

    def test_the_repository_files_agree(self):
        with open(os.path.join(no_pidfd_suite.DEVIATIONS, "cpp.json"), encoding="utf-8") as f:
            cpp = json.load(f)
        with open(os.path.join(no_pidfd_suite.DEVIATIONS, "cpp-no-pidfd.json"),
                  encoding="utf-8") as f:
            listed = json.load(f)
        derived = no_pidfd_suite.derived_deviations(cpp, listed)
        self.assertEqual(set(cpp) - set(derived), set(listed["pass_without_pidfds"]))


class Probe(unittest.TestCase):
    def test_a_tool_that_does_not_refuse_is_caught(self):
        # `true` prints nothing: not the probe line the filter must produce.
        ok, _ = no_pidfd_suite.probe_ok("true", "ENOSYS")
        self.assertFalse(ok)


if __name__ == "__main__":
    unittest.main()
