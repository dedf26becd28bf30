"""The driver under the spawn and forkserver start methods and with another
module (driver.py --start-method, --module): targets cross into a new
interpreter pickled, and the driver says what it is."""

import subprocess
import sys
import unittest

from support import DRIVER, case, new, op, run_driver, run_driver_raw, value

NEW_INTERPRETER = ("spawn", "forkserver")


def start_join(proc):
    return [op("start", proc), op("join", proc)]


class NewInterpreterTest(unittest.TestCase):
    @staticmethod
    def run_both(doc, timeout=60):
        return [(method, run_driver(doc, timeout, ["--start-method", method]))
                for method in NEW_INTERPRETER]

    def test_identity(self):
        for method, doc in self.run_both(case([])):
            self.assertEqual(doc["implementation"], {
                "name": "CPython" if sys.implementation.name == "cpython"
                else doc["implementation"]["name"],
                "version": doc["implementation"]["version"],
                "start_method": method, "module": "multiprocessing",
                **({} if sys.implementation.name == "cpython" else {
                    "implementation_version":
                        doc["implementation"]["implementation_version"]})})

    def test_a_target_with_any_keyword_arguments(self):
        # The target's own parameters must not collide with the case's.
        doc_case = case([
            new("p", target=[op("target_args"), op("exit", code=3)],
                args=[1, {"bytes": "ff"}],
                kwargs={"driver": 1, "steps": 2, "path": 3, "files": 4}),
            *start_join("p"), op("get", "p", attr="exitcode")])
        for _, doc in self.run_both(doc_case):
            self.assertEqual(doc["streams"]["main"][-1], value(3))
            self.assertEqual(doc["streams"]["p"], [value([
                [1, {"bytes": "ff"}],
                [["driver", 1], ["files", 4], ["path", 3], ["steps", 2]]])])

    def test_an_overridden_run_and_its_class_name(self):
        doc_case = case([
            new("p", run=[op("get", "@current", attr="name"),
                          op("target_args"), op("notify", event="ran")],
                **{"class": "Spawned"}),
            op("repr", "p"), *start_join("p"), op("await", event="ran"),
            op("get", "p", attr="exitcode")])
        for _, doc in self.run_both(doc_case):
            self.assertEqual(doc["streams"]["main"][1],
                             value("<Spawned name='Spawned-1' parent=%d initial>"
                                   % doc["pids"][0]))
            self.assertEqual(doc["streams"]["main"][-1], value(0))
            self.assertEqual(doc["streams"]["p"],
                             [value("Spawned-1"), value(None), value(None)])

    def test_capture_files_events_and_grandchildren(self):
        doc_case = case([
            new("p", capture_stderr=True, target=[
                new("q", target=[op("notify", event="q_ran"),
                                 op("raise", type="ValueError", message="boom")]),
                *start_join("q"), op("get", "q", attr="exitcode")]),
            *start_join("p"), op("await", event="q_ran"), op("stderr", "p")])
        for _, doc in self.run_both(doc_case):
            self.assertEqual(doc["streams"]["p"], [value(None)] * 3 + [value(1)])
            self.assertEqual(doc["streams"]["p/q"], [value(None)])
            self.assertEqual(doc["streams"]["main"][-1], value([
                "Process Process-1:1:", "Traceback (most recent call last):",
                "ValueError: boom"]))

    def test_a_case_requiring_fork_inheritance_is_unsupported(self):
        doc_case = case([new("q"), new("p", target=[op("get", "^q", attr="name")])],
                        requires=["fork-inheritance"])
        for method, doc in self.run_both(doc_case):
            self.assertRegex(doc["unsupported"],
                             "^requires fork-inheritance: the %s start method" % method)
            self.assertEqual(doc["implementation"]["start_method"], method)
        # Under fork it runs.
        self.assertEqual(run_driver(doc_case)["streams"]["main"], [value(None)] * 2)


class OptionsTest(unittest.TestCase):
    def test_usage_errors_exit_2(self):
        status, out, err = run_driver_raw(case([]), options=["--start-method", "vfork"])
        self.assertEqual((status, out), (2, ""))
        self.assertIn("invalid choice", err)
        # Any module may be named; one without multiprocessing's API is refused.
        status, out, err = run_driver_raw(case([]), options=["--module", "threading"])
        self.assertEqual((status, out), (2, ""))
        self.assertIn("threading is not a multiprocessing-compatible module", err)

    def test_a_missing_module_exits_2(self):
        try:
            import billiard  # noqa: F401
            self.skipTest("billiard is installed for this interpreter")
        except ImportError:
            pass
        status, out, err = run_driver_raw(case([]), options=["--module", "billiard"])
        self.assertEqual((status, out), (2, ""))
        self.assertIn("cannot import billiard", err)

    def test_help(self):
        out = subprocess.run([sys.executable, DRIVER, "--help"], check=True,
                             stdout=subprocess.PIPE).stdout.decode()
        self.assertIn("--start-method {fork,spawn,forkserver}", out)


if __name__ == "__main__":
    unittest.main()
