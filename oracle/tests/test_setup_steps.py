"""Steps marked "setup": true (spec/protocol.md §2): the CPython driver runs
them exactly as unmarked ones (the mark only changes the harness's verdict,
§7), at any depth; a mark other than true makes the case malformed."""

import copy
import unittest

from support import case, new, op, run_driver, run_driver_raw


def marked(steps):
    """A deep copy of ``steps`` with every step, nested ones too, marked."""
    steps = copy.deepcopy(steps)
    for step in steps:
        step["setup"] = True
        for key in ("target", "run", "child"):
            if key in step:
                step[key] = marked(step[key])
    return steps


STEPS = [new("p", target=[op("notify", event="ready"), op("await", event="go"),
                          op("exit", code=3)]),
         op("start", "p"), op("await", event="ready"), op("is_alive", "p"),
         op("notify", event="go"), op("join", "p"), op("get", "p", attr="exitcode"),
         op("call", function="os.WEXITSTATUS", args=[768])]


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
