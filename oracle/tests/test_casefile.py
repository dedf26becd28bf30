"""casefile.py directly: problems() finds every problem, check_case() raises
the first, and the ops of §4.1 that read a child's stderr and wait on several
sentinels are checked like the others. (test_malformed.py runs the driver.)"""

import signal
import sys
import unittest

from support import case  # puts oracle/ on sys.path
import casefile


def child(*steps):
    return list(steps) or [{"op": "parent_is_none"}]


class ProblemsTest(unittest.TestCase):
    def problems(self, steps, **extra):
        return casefile.problems(case(steps, **extra))

    def assertProblem(self, steps, where, message):
        found = self.problems(steps)
        self.assertIn((where, message), found)

    def assertClean(self, steps):
        self.assertEqual(self.problems(steps), [])
        casefile.check_case(case(steps))

    def test_every_problem_is_found(self):
        found = self.problems([{"op": "exti"}, {"op": "start", "proc": "q"},
                               {"op": "get", "proc": "@current"}],
                              extra=1, timeout=0)
        self.assertEqual(found, [
            ("extra", 'unknown key "extra"'),
            ("timeout", "must be a number of seconds above 0 and at most 600"),
            ("steps[0]", 'unknown op "exti"'),
            ("steps[1].proc", '"q" is not bound by an earlier "new" of this '
                              'steps list'),
            ("steps[2]", 'op "get" needs key "attr"'),
        ])

    def test_check_case_raises_the_first(self):
        with self.assertRaises(casefile.CaseError) as cm:
            casefile.check_case(case([{"op": "exti"}, {"op": "exto"}]))
        self.assertEqual(cm.exception.where, "steps[0]")
        self.assertEqual(cm.exception.message, 'unknown op "exti"')
        self.assertEqual(str(cm.exception), 'steps[0]: unknown op "exti"')

    def test_not_an_object(self):
        self.assertEqual(casefile.problems([]),
                         [("", "a case is a JSON object")])

    def test_unhashable_values_are_problems_not_crashes(self):
        found = self.problems([
            {"op": ["new"]},
            {"op": "new", "proc": ["p"]},
            {"op": "new", "proc": "p", "target": [
                {"op": "signal_self", "signal": ["SIGUSR1"]}]}])
        self.assertEqual([w for w, _ in found],
                         ["steps[0]", "steps[1].proc",
                          "steps[2].target[0].signal"])

    def test_missing_signal_is_unsupported_once_well_formed(self):
        missing = sorted(s for s in casefile.LINUX_SIGNALS
                         if not hasattr(signal, s))
        if not missing:
            self.skipTest("this interpreter has every Linux signal name")
        steps = [{"op": "new", "proc": "p", "target": [
            {"op": "signal_self", "signal": missing[0]}]}]
        with self.assertRaises(casefile.Unsupported) as cm:
            casefile.check_case(case(steps))
        self.assertEqual(cm.exception.case_id, "0001")
        self.assertIn("steps[0].target[0]", str(cm.exception))
        # a malformed case is malformed, whatever the platform lacks
        with self.assertRaises(casefile.CaseError):
            casefile.check_case(case(steps + [{"op": "exti"}]))

    def test_walk_and_events(self):
        steps = [{"op": "new", "proc": "p", "target": [
                     {"op": "notify", "event": "a"},
                     {"op": "new", "proc": "q", "run": [
                         {"op": "await", "event": "b"}]}]},
                 {"op": "await", "event": "a"}]
        self.assertEqual([w for w, _ in casefile.walk(steps)],
                         ["steps[0]", "steps[0].target[0]",
                          "steps[0].target[1]", "steps[0].target[1].run[0]",
                          "steps[1]"])
        self.assertEqual(casefile.events(steps), {"a", "b"})

    # -- signal names (spec/protocol.md §4.4) ----------------------------
    def signal_steps(self, name):
        return [{"op": "new", "proc": "p", "target": [
                    {"op": "ignore_signal", "signal": name},
                    {"op": "signal_self", "signal": name}]},
                {"op": "send_signal", "proc": "p", "signal": name}]

    def signal_problems(self, name):
        return [(w, m) for w, m in self.problems(self.signal_steps(name))
                if w.endswith(".signal")]

    def test_every_linux_name_and_offset_is_accepted(self):
        names = sorted(casefile.LINUX_SIGNALS - {"SIGKILL", "SIGSTOP"})
        names += ["SIGRTMIN+1", "SIGRTMIN+3", "SIGRTMIN+30", "SIGRTMAX-1",
                  "SIGRTMAX-29"]
        for name in names:
            self.assertEqual(self.signal_problems(name), [], name)

    @unittest.skipUnless(sys.platform.startswith("linux")
                         and sys.version_info >= (3, 11),
                         "the names are those of CPython 3.11+ on Linux")
    def test_linux_names_are_this_interpreters(self):
        # What multiprocessing's _exitcode_to_name is built from.
        here = {n for n in dir(signal) if n.startswith("SIG") and "_" not in n}
        self.assertEqual(casefile.LINUX_SIGNALS, here)

    def test_other_names_are_problems_with_their_location(self):
        for name in ("SIGINFO", "SIGEMT", "SIGLOST", "SIGFOO", "sigusr1",
                     "USR1", "SIG_IGN", "SIG_DFL", "SIGRTMIN+0",
                     "SIGRTMIN+31", "SIGRTMIN+03", "SIGRTMIN+", "SIGRTMIN-1",
                     "SIGRTMAX+1", "SIGRTMAX-0", "SIGRTMAX-31",
                     "SIGRTMIN +3", "SIGRTMIN+3 ", "SIGRTMIN+٣", 15, None):
            found = self.signal_problems(name)
            self.assertEqual([w for w, _ in found],
                             ["steps[0].target[0].signal",
                              "steps[0].target[1].signal",
                              "steps[1].signal"], name)
            self.assertIn("is not a signal name", found[0][1])

    def test_signal_number(self):
        self.assertEqual(casefile.signal_number("SIGIOT"), signal.SIGABRT)
        self.assertEqual(casefile.signal_number("SIGCLD"), signal.SIGCHLD)
        self.assertEqual(casefile.signal_number("SIGRTMIN"), signal.SIGRTMIN)
        self.assertEqual(casefile.signal_number("SIGRTMIN+3"),
                         signal.SIGRTMIN + 3)
        self.assertEqual(casefile.signal_number("SIGRTMAX-2"),
                         signal.SIGRTMAX - 2)
        self.assertIsNone(casefile.signal_number("SIGFOO"))

    def test_offset_beyond_this_platforms_range_is_unsupported(self):
        span = signal.SIGRTMAX - signal.SIGRTMIN
        if span >= casefile.RT_SPAN:
            self.skipTest("this platform has all %d real-time offsets"
                          % casefile.RT_SPAN)
        with self.assertRaises(casefile.Unsupported):
            casefile.check_case(case(self.signal_steps(
                "SIGRTMIN+%d" % casefile.RT_SPAN)))

    # -- repr: contains --------------------------------------------------
    def test_repr_contains_accepted(self):
        self.assertClean([{"op": "repr", "proc": "@current", "contains": ["closed"]},
                          {"op": "repr", "proc": "@parent", "contains": ["a", "b"]}])

    def test_repr_contains_must_be_non_empty_strings(self):
        for parts in ([], "closed", [""], [1], ["x"] * (casefile.MAX_REPR_PARTS + 1)):
            with self.subTest(parts=parts):
                self.assertProblem([{"op": "repr", "proc": "@current", "contains": parts}],
                                   "steps[0].contains",
                                   "must be an array of 1 to 16 non-empty strings")

    # -- new: capture_stderr ---------------------------------------------
    def test_capture_stderr_accepted(self):
        self.assertClean([
            {"op": "new", "proc": "p", "capture_stderr": True,
             "target": child()},
            {"op": "new", "proc": "q", "capture_stderr": True, "run": child()},
            {"op": "new", "proc": "r", "capture_stderr": False}])

    def test_capture_stderr_must_be_a_bool(self):
        self.assertProblem([{"op": "new", "proc": "p", "capture_stderr": 1,
                             "target": child()}],
                           "steps[0].capture_stderr", "must be true or false")

    def test_capture_stderr_needs_target_or_run(self):
        self.assertProblem([{"op": "new", "proc": "p", "capture_stderr": True}],
                           "steps[0].capture_stderr",
                           'true needs "target" or "run"')

    # -- stderr ----------------------------------------------------------
    def test_stderr_accepted(self):
        self.assertClean([
            {"op": "new", "proc": "p", "capture_stderr": True,
             "target": child()},
            {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"},
            {"op": "stderr", "proc": "p"}])

    def test_stderr_needs_proc(self):
        self.assertProblem([{"op": "stderr"}], "steps[0]",
                           'op "stderr" needs key "proc"')

    def test_stderr_takes_no_other_key(self):
        self.assertProblem([
            {"op": "new", "proc": "p", "capture_stderr": True,
             "target": child()},
            {"op": "stderr", "proc": "p", "lines": 3}],
            "steps[1].lines", 'unknown key "lines" for op "stderr"')

    def test_stderr_of_an_unbound_proc(self):
        self.assertProblem([{"op": "stderr", "proc": "p"}], "steps[0].proc",
                           '"p" is not bound by an earlier "new" of this '
                           'steps list')

    def test_stderr_of_a_proc_bound_in_another_list(self):
        self.assertProblem([
            {"op": "new", "proc": "p", "capture_stderr": True,
             "target": [{"op": "stderr", "proc": "p"}]}],
            "steps[0].target[0].proc",
            '"p" is not bound by an earlier "new" of this steps list')

    def test_stderr_without_capture(self):
        self.assertProblem([{"op": "new", "proc": "p", "target": child()},
                            {"op": "stderr", "proc": "p"}],
                           "steps[1].proc",
                           '"p" was not created with "capture_stderr": true, '
                           'so it has no stderr to read')
        self.assertProblem([{"op": "new", "proc": "p", "target": child(),
                             "capture_stderr": False},
                            {"op": "stderr", "proc": "p"}],
                           "steps[1].proc",
                           '"p" was not created with "capture_stderr": true, '
                           'so it has no stderr to read')

    def test_stderr_of_special_procs(self):
        for special in casefile.SPECIAL_PROCS:
            self.assertProblem([{"op": "stderr", "proc": special}],
                               "steps[0].proc", '"%s" is not a local name '
                               '([a-z][a-z0-9_]*)' % special)

    # -- wait ------------------------------------------------------------
    def test_wait_accepted(self):
        self.assertClean([
            {"op": "new", "proc": "p", "target": child()},
            {"op": "new", "proc": "q", "target": child()},
            {"op": "start", "proc": "p"}, {"op": "start", "proc": "q"},
            {"op": "wait", "procs": ["p", "q"]},
            {"op": "wait", "procs": ["q"], "timeout": 0.5},
            {"op": "wait", "procs": ["p"], "timeout": None},
            {"op": "join", "proc": "p"}, {"op": "join", "proc": "q"}])

    def test_wait_needs_procs(self):
        self.assertProblem([{"op": "wait", "timeout": 1}], "steps[0]",
                           'op "wait" needs key "procs"')

    def test_wait_takes_no_proc(self):
        self.assertProblem([{"op": "new", "proc": "p"},
                            {"op": "wait", "procs": ["p"], "proc": "p"}],
                           "steps[1].proc", 'unknown key "proc" for op "wait"')

    def test_wait_with_empty_or_non_array_procs(self):
        for procs in ([], "p", None):
            self.assertProblem([{"op": "new", "proc": "p"},
                                {"op": "wait", "procs": procs}],
                               "steps[1].procs",
                               "must be a non-empty array of local names")

    def test_wait_on_unbound_and_special_names(self):
        found = self.problems([
            {"op": "new", "proc": "p"},
            {"op": "wait", "procs": ["p", "q", "@current", 3, "p"]},
            {"op": "new", "proc": "q"}])
        self.assertEqual(found, [
            ("steps[1].procs[1]", '"q" is not bound by an earlier "new" of '
                                  'this steps list'),
            ("steps[1].procs[2]", '"@current" is not a local name '
                                  '([a-z][a-z0-9_]*)'),
            ("steps[1].procs[3]", "must be a string"),
            ("steps[1].procs[4]", '"p" is listed twice'),
        ])

    def test_wait_timeout(self):
        self.assertProblem([{"op": "new", "proc": "p"},
                            {"op": "wait", "procs": ["p"], "timeout": "1"}],
                           "steps[1].timeout", "must be a number or null")


if __name__ == "__main__":
    unittest.main()
