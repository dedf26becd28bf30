"""reproducer.py: the standalone program of a case, and check_reproducers.py.

The whole suite's programs are run by ctest oracle.reproducers; these tests
pin the pieces: the program's readability, its output format read back, the
tagging table against the driver's own, inline cases run end to end."""

import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

import support
import casefile
import check_reproducers
import generate
import normalize
import programs
import reproducer
from values import Fd, Pid, Uid, Gid


def run_program(case, *options):
    """Runs the program of an inline case; its streams (normalised by the
    driver's normalize.py after --live) and the completed process."""
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="pyproc-repro-test-"))
    program = os.path.join(tmp, "case.py")
    helper = os.environ.get("PYPROC_HELPER") or generate.BUILT_HELPER
    with open(program, "w") as f:
        f.write(reproducer.generate(case, helper))
    out = subprocess.run([sys.executable, "-S", program, *options], cwd=tmp, timeout=60,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, PYPROC_CASE_TMP=tmp, PYPROC_HELPER=helper))
    raw = reproducer.parse_output(out.stdout.decode())
    if "--live" in options:
        raw["case"] = case["id"]
        return normalize.normalize(raw, case, generate.machine_paths(helper, tmp))["streams"], out
    return raw["streams"], out


class ProgramTextTest(unittest.TestCase):
    def test_steps_are_the_python_calls_they_are(self):
        case = support.case([
            support.new("p", target=[{"op": "exit", "code": 3}], name="worker"),
            support.op("start", "p"), support.op("join", "p", timeout=5),
            support.op("get", "p", attr="exitcode"),
            {"op": "call", "function": "os.getpid", "bind": "me"},
            {"op": "call", "function": "os.waitpid", "args": [-1, {"const": "os.WNOHANG"}],
             "observe": [{"index": 1}]},
        ])
        text = reproducer.generate(case, "/h/pyproc-helper")
        self.assertIn("def p_target(*args, **kwargs):", text)
        self.assertIn("sys.exit(3)", text)
        self.assertIn("p = multiprocessing.Process(target=p_target, name='worker')", text)
        self.assertIn("p.start()", text)
        self.assertIn("p.join(5)", text)
        self.assertIn("s.observe(p.exitcode)", text)
        self.assertIn("me = pid(os.getpid())", text)
        self.assertIn("os.waitpid(-1, os.WNOHANG)", text)
        self.assertIn("import multiprocessing", text)
        compile(text, "case.py", "exec")
        # Standard library only: nothing of the oracle is imported.
        for module in ("casefile", "programs", "values", "driver", "channel"):
            self.assertNotIn("import " + module, text)

    def test_the_python_of_each_step(self):
        case = support.case([
            support.new("p", target=[{"op": "call", "function": "os.getppid"}]),
            support.op("start", "p"), support.op("notify", event="go")])
        code = {}
        reproducer.generate(case, "/h", step_code=code)
        self.assertEqual(code[("main", 0)], "with step('main', 0) as s:\n"
                         "    p = multiprocessing.Process(target=p_target)")
        self.assertEqual(code[("main", 2)], "done('main', 2)\nnotify('go')")
        self.assertEqual(code[("p", 0)], "with step('p', 0) as s:\n"
                         "    r = pid(os.getppid())\n    note_pids(r)\n    s.observe(r)\n"
                         "    del r")

    def test_every_case_has_a_program(self):
        cases = reproducer.DEFAULT_CASES
        for name in sorted(os.listdir(cases)):
            case = casefile.read(os.path.join(cases, name))
            if case["id"] in reproducer.NOT_EXPRESSIBLE:
                self.assertTrue(reproducer.NOT_EXPRESSIBLE[case["id"]])
                continue
            with self.subTest(case=name):
                compile(reproducer.generate(case, "/h"), name, "exec")

    def test_an_unknown_op_is_an_error_naming_it(self):
        case = support.case([{"op": "value", "of": 1}, {"op": "teleport"}])
        with self.assertRaisesRegex(reproducer.ReproducerError,
                                    "process main, step 1: op 'teleport' has no translation"):
            reproducer.generate(case, "/h")

    def test_variables_named_like_the_helper_are_renamed(self):
        case = support.case([{"op": "call", "function": "os.getpid", "bind": "pid"},
                             {"op": "value", "of": {"var": "pid"}}])
        text = reproducer.generate(case, "/h")
        self.assertIn("pid_ = pid(os.getpid())", text)
        self.assertIn("s.observe(pid_)", text)


class TaggingTest(unittest.TestCase):
    def test_the_table_agrees_with_the_driver(self):
        samples = {"os.getpid": 5, "os.getppid": 5, "os.waitpid": (5, 0), "os.wait": (5, 0),
                   "os.wait3": (5, 0, None), "os.getuid": 0, "os.getegid": 0,
                   "os.open": 4, "os.dup": 4, "os.pipe": (3, 4), "os.system": 0,
                   "os.spawnv": 5}
        for name, result in samples.items():
            for args in ([], [{"const": "os.P_NOWAIT"}], [{"const": "os.P_WAIT"}]):
                with self.subTest(name=name, args=args):
                    real_args = [programs.MODULES["os"].P_NOWAIT if a == {"const": "os.P_NOWAIT"}
                                 else programs.MODULES["os"].P_WAIT for a in args]
                    want = programs.tag_result(name, result, real_args)
                    tagger = reproducer.result_tagger(name, args)
                    funcs = {"pid": lambda r: Pid(r), "pid_result": lambda r: (Pid(r[0]),) + r[1:],
                             "Uid": Uid, "Gid": Gid, "Fd": Fd,
                             "fd_pair": lambda r: (Fd(r[0]), Fd(r[1])), None: lambda r: r}
                    got = funcs[tagger](result)
                    self.assertEqual(got, want)
                    self.assertEqual(type(got), type(want))
                    if isinstance(want, tuple):
                        self.assertEqual([type(x) for x in got], [type(x) for x in want])


class OutputTest(unittest.TestCase):
    def test_parse_output(self):
        text = ("# pid 10\nmain[1] {\"value\": 2}\n# pid 12\n# stream p\n"
                "main[0] {\"value\": null}\n# pid 11\n# stream q\nq[0] {\"value\": {\"pid\": 12}}\n")
        doc = reproducer.parse_output(text)
        self.assertEqual(doc["pids"], [10, 11, 12])
        self.assertEqual(doc["streams"], {"main": [{"value": None}, {"value": 2}],
                                          "p": [], "q": [{"value": {"pid": 12}}]})

    def test_a_stray_line_is_an_error_quoting_it(self):
        with self.assertRaisesRegex(ValueError, "hello"):
            reproducer.parse_output("# pid 1\nhello\n")


@unittest.skipUnless(os.path.exists(os.environ.get("PYPROC_HELPER") or generate.BUILT_HELPER),
                     "no helper program")
class RunTest(unittest.TestCase):
    def test_a_program_prints_the_driver_observations(self):
        case = support.case([
            support.new("p", target=[{"op": "call", "function": "os.getppid"},
                                     {"op": "raise", "type": "ValueError", "message": "boom"}],
                        capture_stderr=True),
            support.op("start", "p"), support.op("join", "p"),
            support.op("get", "p", attr="exitcode"), support.op("stderr", "p"),
            {"op": "call", "function": "os.getpid"},
        ])
        streams, out = run_program(case)
        self.assertEqual(streams["main"][3], {"value": 1})
        self.assertEqual(streams["main"][4]["value"][-1], "ValueError: boom")
        self.assertEqual(streams["main"][5], {"value": "pid#1"})
        self.assertEqual(streams["p"], [{"value": "pid#1"}])
        self.assertIn(b"main[3] {\"value\": 1}", out.stdout)

    def test_live_lines_normalise_to_the_same(self):
        case = support.case([
            support.new("p", target=[{"op": "call", "function": "os.getppid"},
                                     {"op": "target_args"}], args=[1, {"bytes": "00ff"}]),
            support.op("start", "p"), support.op("join", "p"),
            {"op": "call", "function": "os.getcwd"},
            {"op": "call", "function": "os.pipe", "bind": "fds"},
            {"op": "call", "function": "os.getpid"},
            {"op": "get", "proc": "p", "attr": "pid"},
        ])
        streams, out = run_program(case)
        live, live_out = run_program(case, "--live")
        self.assertEqual(streams, live)
        self.assertEqual(streams["main"][3], {"value": "<tmp>"})
        self.assertEqual(streams["main"][4], {"value": ["fd#1", "fd#2"]})
        self.assertEqual(streams["main"][5], {"value": "pid#1"})
        self.assertEqual(streams["main"][6], {"value": "pid#2"})
        self.assertEqual(streams["p"][1], {"value": [[1, {"bytes": "00ff"}], []]})
        self.assertNotIn(b"# pid", out.stdout)
        self.assertIn(b"# pid", live_out.stdout)

    def test_the_checker_fails_on_a_wrong_expectation(self):
        tmp = tempfile.mkdtemp()
        cases, expected = os.path.join(tmp, "cases"), os.path.join(tmp, "expected")
        os.mkdir(cases)
        os.mkdir(expected)
        support.write_json(cases, "0001.json", support.case(
            [{"op": "value", "of": 3}], "0001"))
        support.write_json(expected, "0001.json", {"case": "0001", "streams": {
            "main": [{"value": 4}]}})
        out = io.StringIO()
        with redirect_stdout(out):
            status = check_reproducers.main(["x", "--cases", cases, "--expected", expected,
                                             "-j", "1"])
        self.assertEqual(status, 1)
        self.assertIn("0001 FAIL observations differ", out.getvalue())
        support.write_json(expected, "0001.json", {"case": "0001", "streams": {
            "main": [{"value": 3}]}})
        with redirect_stdout(io.StringIO()):
            self.assertEqual(check_reproducers.main(
                ["x", "--cases", cases, "--expected", expected, "-j", "1"]), 0)


class CommandTest(unittest.TestCase):
    def test_out_writes_one_program_per_case(self):
        out = tempfile.mkdtemp()
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            self.assertEqual(reproducer.main(["x", "--out", out, "0007", "0400"]), 0)
        self.assertEqual(sorted(os.listdir(out)), ["0007.py", "0400.py"])

    def test_a_missing_case_is_named(self):
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            self.assertEqual(reproducer.main(["x", "9999"]), 1)
        self.assertIn("9999.json", err.getvalue())


if __name__ == "__main__":
    unittest.main()
