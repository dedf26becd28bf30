"""Malformed cases: exit status 2 and a message naming the file and the step.

Names in messages are quoted as in the case file (JSON), the way
conformance/tools/lint_cases.py reports them: it reports casefile's problems.
"""

import unittest

from support import case, run_driver_raw


def nested(step):
    return case([{"op": "new", "proc": "p", "target": [
        {"op": "parent_is_none"}, step]}])


class MalformedTest(unittest.TestCase):
    def assertMalformed(self, doc, *fragments):
        status, out, err = run_driver_raw(doc)
        self.assertEqual(status, 2, err)
        self.assertEqual(out, "")
        self.assertIn("case.json", err)
        for fragment in fragments:
            self.assertIn(fragment, err)

    def test_unknown_op_names_the_nested_step(self):
        self.assertMalformed(nested({"op": "frobnicate"}),
                             "steps[0].target[1]", 'unknown op "frobnicate"')

    def test_unknown_key(self):
        self.assertMalformed(nested({"op": "start", "proc": "@current",
                                     "when": 1}),
                             "steps[0].target[1]", '"when"')

    def test_missing_key(self):
        self.assertMalformed(case([{"op": "get", "proc": "@current"}]),
                             "steps[0]", '"attr"')

    def test_unbound_proc(self):
        self.assertMalformed(case([{"op": "start", "proc": "p"}]),
                             "steps[0].proc", "not bound")

    def test_name_bound_twice(self):
        self.assertMalformed(case([{"op": "new", "proc": "p"},
                                   {"op": "new", "proc": "p"}]),
                             "steps[1].proc", "already bound")

    def test_ending_op_in_main(self):
        self.assertMalformed(case([{"op": "block"}]), "steps[0]", '"block"')

    def test_target_and_run(self):
        self.assertMalformed(case([{"op": "new", "proc": "p", "target": [],
                                    "run": []}]), "steps[0]", "exclusive")

    def test_bad_attr(self):
        self.assertMalformed(case([{"op": "set", "proc": "@current",
                                    "attr": "pid", "value": 1}]),
                             "steps[0].attr")

    def test_bad_value_object(self):
        self.assertMalformed(nested({"op": "set", "proc": "@current",
                                     "attr": "daemon", "value": {"x": 1}}),
                             "steps[0].target[1].value")

    def test_unknown_signal(self):
        self.assertMalformed(nested({"op": "signal_self", "signal": "SIGFOO"}),
                             "steps[0].target[1].signal")

    def test_signal_name_of_another_platform(self):
        # SIGINFO is a BSD name: not one a case may use (spec/protocol.md §4.4).
        self.assertMalformed(case([{"op": "new", "proc": "p"},
                                   {"op": "send_signal", "proc": "p",
                                    "signal": "SIGINFO"}]),
                             "steps[1].signal", '"SIGINFO" is not a signal name')

    def test_real_time_offset_out_of_range(self):
        self.assertMalformed(nested({"op": "signal_self",
                                     "signal": "SIGRTMAX-31"}),
                             "steps[0].target[1].signal")

    def test_stderr_without_capture(self):
        self.assertMalformed(case([{"op": "new", "proc": "p", "target": []},
                                   {"op": "stderr", "proc": "p"}]),
                             "steps[1].proc", '"capture_stderr": true')

    def test_stderr_of_unbound_proc(self):
        self.assertMalformed(nested({"op": "stderr", "proc": "p"}),
                             "steps[0].target[1].proc", "not bound")

    def test_wait_with_empty_procs(self):
        self.assertMalformed(case([{"op": "wait", "procs": []}]),
                             "steps[0].procs", "non-empty array")

    def test_wait_on_unbound_proc(self):
        self.assertMalformed(case([{"op": "new", "proc": "p"},
                                   {"op": "wait", "procs": ["p", "q"]}]),
                             "steps[1].procs[1]", "not bound")

    def test_unknown_top_level_key(self):
        self.assertMalformed(case([], extra=True), 'unknown key "extra"')

    def test_duplicate_key(self):
        self.assertMalformed('{"id": "0001", "id": "0002", "title": "t", '
                             '"clauses": ["MP-001"], "steps": []}',
                             'duplicate key "id"')

    def test_not_json(self):
        self.assertMalformed('{"id": ', "not valid JSON")


if __name__ == "__main__":
    unittest.main()
