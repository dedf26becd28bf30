"""generate.py: writing, the drift check, failure reports, determinism."""

import io
import os
import shutil
import tempfile
import unittest

import support
import check_determinism
import generate
import overlay


def steps_exit(code):
    return [{"op": "new", "proc": "p", "target": [{"op": "exit", "code": code}]},
            {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"},
            {"op": "get", "proc": "p", "attr": "exitcode"}]


class GenerateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.cases = os.path.join(self.tmp, "cases")
        self.out = os.path.join(self.tmp, "expected")
        os.mkdir(self.cases)
        support.write_json(self.cases, "0001.json",
                           support.case(steps_exit(3), "0001"))
        support.write_json(self.cases, "0002.json",
                           support.case(steps_exit(4), "0002"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_generate(self, *args):
        log = io.StringIO()
        status = generate.main(["--cases", self.cases, "--outdir", self.out]
                               + list(args), log=log)
        return status, log.getvalue()

    def expected(self, name):
        with open(os.path.join(self.out, name)) as f:
            return f.read()

    def test_writes_sorted_indented_files_with_provenance(self):
        status, log = self.run_generate()
        self.assertEqual(status, 0, log)
        text = self.expected("0001.json")
        self.assertTrue(text.endswith("}\n"))
        self.assertIn('\n  "generated_by": {\n    "implementation": "CPython",',
                      text)
        self.assertIn('"start_method": "fork"', text)
        self.assertIn('"value": 3', text)

    def test_check_passes_then_detects_a_hand_edit(self):
        self.run_generate()
        status, log = self.run_generate("--check")
        self.assertEqual(status, 0, log)
        path = os.path.join(self.out, "0001.json")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace('"value": 3', '"value": 5'))
        status, log = self.run_generate("--check")
        self.assertEqual(status, 1)
        self.assertIn("differs: 0001.json", log)
        self.assertNotIn("0002.json", log.replace("0 failed", ""))

    def test_check_reports_missing_and_stale(self):
        self.run_generate()
        os.remove(os.path.join(self.out, "0002.json"))
        support.write_json(self.out, "0099.json", {})
        status, log = self.run_generate("--check")
        self.assertEqual(status, 1)
        self.assertIn("missing: 0002.json", log)
        self.assertIn("stale: 0099.json", log)

    def test_failure_is_reported_and_the_rest_go_on(self):
        support.write_json(self.cases, "0003.json", support.case(
            [{"op": "nonsense"}], "0003"))
        status, log = self.run_generate()
        self.assertEqual(status, 1)
        self.assertIn("FAILED 0003", log)
        self.assertIn("exit status 2", log)
        self.assertIn('unknown op "nonsense"', log)  # the stderr tail
        self.assertTrue(os.path.exists(os.path.join(self.out, "0002.json")))

    def test_unsupported_case_is_reported_and_keeps_its_file(self):
        self.run_generate()
        unmet = "non-root" if os.geteuid() == 0 else "root"
        support.write_json(self.cases, "0002.json", support.case(
            steps_exit(5), "0002", requires=[unmet]))
        for args in ((), ("--check",)):
            status, log = self.run_generate(*args)
            self.assertEqual(status, 0, log)
            self.assertIn("UNSUPPORTED 0002 (", log)
            self.assertIn("requires %s: " % unmet, log)
            self.assertIn("1 case(s) generated, 0 failed, 1 unsupported here", log)
            self.assertIn('"value": 4', self.expected("0002.json"))  # kept
        os.remove(os.path.join(self.out, "0002.json"))
        status, log = self.run_generate("--check")
        self.assertEqual(status, 0, log)  # nothing to compare it with here

    def test_id_must_equal_the_file_name(self):
        support.write_json(self.cases, "0003.json", support.case([], "0004"))
        status, log = self.run_generate("0003")
        self.assertEqual(status, 1)
        self.assertIn("FAILED 0003", log)

    def test_hung_case_is_killed_at_its_timeout(self):
        support.write_json(self.cases, "0003.json", support.case(
            [{"op": "new", "proc": "p", "target": [{"op": "block"}]},
             {"op": "start", "proc": "p"}], "0003", timeout=1))
        status, log = self.run_generate("0003")
        self.assertEqual(status, 1)
        self.assertIn("timed out after 1 s", log)

    def test_a_start_method_overlay_holds_only_what_differs(self):
        # fork runs the after_in_child hooks in a multiprocessing child;
        # spawn starts a new interpreter, which runs none.
        support.write_json(self.cases, "0003.json", support.case([
            {"op": "call", "function": "os.register_at_fork",
             "kwargs": {"after_in_child": {"hook": "c"}}},
            {"op": "new", "proc": "p", "target": [{"op": "hook_log"}]},
            {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"}], "0003"))
        self.assertEqual(self.run_generate()[0], 0)
        spawn = os.path.join(self.tmp, "expected-spawn")
        args = ["--cases", self.cases, "--start-method", "spawn", "--base", self.out,
                "--outdir", spawn]
        log = io.StringIO()
        self.assertEqual(generate.main(args, log=log), 0, log.getvalue())
        self.assertIn("1 of 3 case(s) differ", log.getvalue())
        self.assertEqual(sorted(os.listdir(spawn)), ["0003.json"])
        with open(os.path.join(spawn, "0003.json")) as f:
            text = f.read()
        self.assertIn('"start_method": "spawn"', text)
        self.assertIn('"p": [\n      {\n        "value": []', text)
        self.assertEqual(generate.main(args + ["--check"], log=io.StringIO()), 0)
        # A file for a case that no longer differs is stale.
        shutil.copy(os.path.join(self.out, "0001.json"), spawn)
        log = io.StringIO()
        self.assertEqual(generate.main(args + ["--check"], log=log), 1)
        self.assertIn("stale: 0001.json (no such case, or it no longer differs from %s)"
                      % self.out, log.getvalue())
        # The whole expectation of spawn: the base overlaid.
        merged = os.path.join(self.tmp, "merged")
        self.assertEqual(overlay.merge(self.out, spawn, merged), 2)
        with open(os.path.join(merged, "0003.json")) as f:
            self.assertEqual(f.read(), text)
        self.assertEqual(sorted(os.listdir(merged)), ["0001.json", "0002.json", "0003.json"])

    def test_check_with_two_runs_is_drift_and_determinism_in_one_pass(self):
        self.assertEqual(generate.main(["--cases", self.cases, "--outdir", self.out],
                                       log=io.StringIO()), 0)
        log = io.StringIO()
        status = generate.main(["--cases", self.cases, "--outdir", self.out, "--check",
                                "--runs", "2"], log=log)
        self.assertEqual(status, 0, log.getvalue())
        self.assertIn("determinism: 2 run(s) of 2 file(s) compared", log.getvalue())

    def test_two_runs_that_differ_fail_and_name_the_case(self):
        self.assertEqual(generate.main(["--cases", self.cases, "--outdir", self.out],
                                       log=io.StringIO()), 0)
        real = generate.generate
        calls = []

        def second_run_differs(args, log):
            texts, failed, whole, unsupported = real(args, log)
            calls.append(1)
            if len(calls) == 2:
                texts = dict(texts, **{"0001.json": texts["0001.json"] + " "})
            return texts, failed, whole, unsupported

        generate.generate = second_run_differs
        self.addCleanup(setattr, generate, "generate", real)
        log = io.StringIO()
        status = generate.main(["--cases", self.cases, "--outdir", self.out, "--check",
                                "--runs", "2"], log=log)
        self.assertEqual(status, 1)
        self.assertIn("not deterministic: 0001.json", log.getvalue())
        self.assertIn("out of date in run 2", log.getvalue())

    def test_more_than_one_run_needs_check(self):
        log = io.StringIO()
        self.assertEqual(generate.main(["--cases", self.cases, "--outdir", self.out,
                                        "--runs", "2"], log=log), 2)
        self.assertIn("--runs", log.getvalue())

    def test_determinism(self):
        log = io.StringIO()
        status = check_determinism.main(["--cases", self.cases], log=log)
        self.assertEqual(status, 0, log.getvalue())
        self.assertIn("2 file(s) compared, 0 differ", log.getvalue())


if __name__ == "__main__":
    unittest.main()
