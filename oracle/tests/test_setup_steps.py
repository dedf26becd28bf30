"""Steps marked "setup": true (spec/protocol.md §2): the CPython driver runs
them exactly as unmarked ones (the mark only changes the harness's verdict,
§7), at any depth; a mark other than true makes the case malformed."""

import copy
import unittest

from support import SETUP_STEPS as STEPS, case, marked, run_driver, run_driver_raw


class SetupStepsTest(unittest.TestCase):
    def test_a_marked_step_runs_as_an_unmarked_one(self):
        plain = run_driver(case(STEPS))["streams"]
        self.assertEqual(run_driver(case(marked(STEPS)))["streams"], plain)
        self.assertEqual(plain["main"][3:], [{"value": True}, {"value": None},
                                             {"value": None}, {"value": 3}, {"value": 3}])

    def test_only_true_marks_a_step(self):
        for mark in (False, None, 1, "yes"):
            with self.subTest(mark=mark):
                steps = copy.deepcopy(STEPS)
                steps[0]["target"][1]["setup"] = mark
                status, out, err = run_driver_raw(case(steps))
                self.assertEqual(status, 2, err)
                self.assertEqual(out, "")
                self.assertIn("steps[0].target[1].setup", err)
                self.assertIn("must be true", err)


if __name__ == "__main__":
    unittest.main()
