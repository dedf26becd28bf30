"""report.py and FLAKY cases (run.py --repeat N, pyproc-conform --repeat N):
a case whose outcome changed from one run to the next within one run of the
matrix is shown as FLAKY in its row, whatever outcome the runner kept: in the
counts, the table, the filters, the root causes, the case page and
summary.md; and run.py passes --repeat to each row's runner."""

import contextlib
import io
import os
import sys
import unittest

MATRIX = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, MATRIX)

import report  # noqa: E402
import run  # noqa: E402
from report_fixture import ReportFixture, expected_streams  # noqa: E402


class FlakyTest(ReportFixture):
    def setUp(self):
        # 0001 passed every time; 0100 passed, hung, passed (an older runner
        # kept the first run's PASS); 0400 failed then passed (the failing
        # run kept).
        ok400 = expected_streams("0400")
        self.write_run({"pypy": [
            {"id": "0001", "outcome": "PASS", "outcomes": ["PASS"] * 3, "flaky": False,
             "actual": expected_streams("0001")},
            {"id": "0100", "outcome": "PASS", "outcomes": ["PASS", "HUNG", "PASS"],
             "flaky": True, "actual": expected_streams("0100")},
            {"id": "0400", "outcome": "FAIL", "outcomes": ["FAIL", "PASS", "PASS"],
             "flaky": True, "actual": ok400, "detail": "differs",
             "differences": [{"process": "main", "step": 1, "expected": ok400["main"][1],
                              "actual": {"value": "other"}}]}]},
            ["0001", "0100", "0400"], repeat=3)

    def test_counted_as_flaky_not_as_the_kept_outcome(self):
        counts = dict(zip(report.OUTCOMES, self.run.counts("pypy")))
        self.assertEqual((counts["PASS"], counts["FAIL"], counts["FLAKY"]), (1, 0, 2))
        self.assertIn("| Impl pypy | 1 | 0 |", self.read("summary.md"))

    def test_flaky_in_the_table_and_the_filters(self):
        index = self.read("index.html")
        self.assertIn("<td class=\"outcome o-FLAKY\" title=\"outcomes of the 3 runs: PASS HUNG "
                      "PASS\"><a href=\"cases/0100.html#impl-pypy\">FLAKY</a>", index)
        self.assertIn("<option value=\"FLAKY\">FLAKY</option>", index)
        self.assertIn("\"FLAKY\"", report.FILTER_SCRIPT)  # among the failing ones

    def test_not_a_conforming_case(self):
        self.assertEqual(self.run.fraction("pypy", ["0001", "0100", "0400"]), (1, 3))

    def test_root_causes_and_summary_name_every_flaky_case(self):
        causes = self.run.root_causes("pypy")
        self.assertEqual(causes["FLAKY: its outcome changes from run to run"], ["0100"])
        self.assertIn("0400", [c for ids in causes.values() for c in ids])
        summary = self.read("summary.md")
        self.assertIn("Flaky cases (outcome changed between the 3 runs of each case):", summary)
        self.assertIn("- Impl pypy: 0100 (PASS HUNG PASS), 0400 (FAIL PASS PASS)", summary)

    def test_the_case_page_says_so(self):
        page = self.read("cases/0100.html")
        self.assertIn("<span class=\"o-FLAKY\">FLAKY</span>", page)
        self.assertIn("outcomes of the 3 runs: PASS HUNG PASS", page)

    def test_run_passes_repeat_to_the_runner(self):
        args = run.parse_args(["--repeat", "20", "--build", self.tmp])
        self.assertEqual(args.repeat, 20)
        self.assertEqual(run.parse_args(["--build", self.tmp]).repeat, 1)
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
            run.parse_args(["--repeat", "0"])
        # run_one with a runner that records its arguments.
        runner = os.path.join(self.tmp, "runner")
        with open(runner, "w") as f:
            f.write("#!/bin/sh\necho \"$@\" > %s/argv\n: > \"$4\"\n" % self.tmp)
        os.chmod(runner, 0o755)
        args = run.parse_args(["--repeat", "20", "--build", self.tmp, "--runner", runner,
                               "--out", self.tmp, "--no-install"])
        impl = run.implementations.select(["pyproc-cpp"], run.implementations.load(
            [], build=self.tmp))[0]
        impl.missing = lambda root: None
        entry = run.run_one(impl, args, self.tmp, lambda m: None)
        self.assertEqual(entry["status"], "ran", entry)
        with open(os.path.join(self.tmp, "argv")) as f:
            argv = f.read().split()
        self.assertEqual(argv[argv.index("--repeat") + 1], "20")


if __name__ == "__main__":
    unittest.main()
