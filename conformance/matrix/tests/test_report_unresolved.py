"""report.py and the UNRESOLVED outcome (spec/protocol.md section 7): an
outcome of its own in the counts, the table and the filters; grouped apart in
the root causes; left out of the pass fractions, so that a case that differs
only where it sets itself up counts neither for nor against its clauses."""

import os
import sys
import unittest

MATRIX = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, MATRIX)

import report  # noqa: E402
from report_fixture import ReportFixture, expected_streams  # noqa: E402

NO_WAITID = {"raised": {"type": "AttributeError",
                        "message": "module 'os' has no attribute 'waitid'"}}


class UnresolvedTest(ReportFixture):
    def setUp(self):
        # 0382 (OS-041, OS-042) differs only at its setup step main[3],
        # os.waitid; 0380 (OS-039) passes.
        actual = expected_streams("0382")
        actual["main"][3] = NO_WAITID
        self.write_run({"pypy": [
            {"id": "0380", "outcome": "PASS", "actual": expected_streams("0380")},
            {"id": "0382", "outcome": "UNRESOLVED", "actual": actual,
             "detail": "setup step main[3] (os.waitid) differs: ...",
             "differences": [{"process": "main", "step": 3,
                              "expected": expected_streams("0382")["main"][3],
                              "actual": NO_WAITID}]}]}, ["0380", "0382"])

    def test_an_outcome_of_its_own(self):
        counts = dict(zip(report.OUTCOMES, self.run.counts("pypy")))
        self.assertEqual((counts["PASS"], counts["FAIL"], counts["UNRESOLVED"]), (1, 0, 1))
        index = self.read("index.html")
        self.assertIn("<td class=\"outcome o-UNRESOLVED\"><a href=\"cases/0382.html#impl-pypy\">"
                      "UNRESOLVED</a>", index)
        self.assertIn("<option value=\"UNRESOLVED\">UNRESOLVED</option>", index)
        self.assertIn("\"UNRESOLVED\"", report.FILTER_SCRIPT)  # among the failing ones
        self.assertIn("UNRESOLVED", self.read("summary.md").splitlines()[4])

    def test_not_counted_against_the_cases_clauses(self):
        self.assertEqual(self.run.fraction("pypy", ["0382"]), (0, 0))
        self.assertEqual(self.run.fraction("pypy", ["0380", "0382"]), (1, 1))
        clauses = self.run.clause_cases()
        self.assertEqual(self.run.fraction("pypy", clauses["OS-041"]), (0, 0))
        self.assertIn("UNSUPPORTED and UNRESOLVED left out", self.read("index.html"))

    def test_its_root_cause_is_grouped_apart(self):
        self.assertEqual(self.run.root_causes("pypy"),
                         {"UNRESOLVED at a setup step: no `os.waitid`": ["0382"]})
        page = self.read("cases/0382.html")
        self.assertIn("setup step main[3] (os.waitid) differs", page)


if __name__ == "__main__":
    unittest.main()
