"""pyproc-driver and steps marked "setup": true (spec/protocol.md §2): it
runs them as unmarked ones (the mark only changes the harness's verdict, §7),
at any depth, and refuses a mark other than true as malformed.

    PYPROC_DRIVER=build/default/conformance/pyproc-driver \\
        python3 -m unittest discover -s conformance/driver/tests

Standard library only.
"""

import copy
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_driver_cli import DriverTest, Run  # noqa: E402
from support import SETUP_STEPS as STEPS, case, marked  # noqa: E402 (on sys.path)


class SetupStepTest(DriverTest):
    def test_a_marked_step_runs_as_an_unmarked_one(self):
        plain = Run(case(STEPS)).document()["streams"]
        self.assertEqual(Run(case(marked(STEPS))).document()["streams"], plain)
        self.assertEqual(plain["main"][3:], [{"value": True}, {"value": None},
                                             {"value": None}, {"value": 3}, {"value": 3}])

    def test_only_true_marks_a_step(self):
        for mark in (False, None, 1, "yes"):
            with self.subTest(mark=mark):
                steps = copy.deepcopy(STEPS)
                steps[0]["target"][1]["setup"] = mark
                self.assertMalformed(Run(case(steps)), "steps[0].target[1].setup",
                                     "must be true")


if __name__ == "__main__":
    unittest.main()
