"""report.py and the UNRESOLVED outcome (spec/protocol.md section 7): an
outcome of its own in the counts, the table and the filters; grouped apart in
the root causes; left out of the pass fractions, so that a case that differs
only where it sets itself up counts neither for nor against its clauses."""

import json
import os
import shutil
import sys
import tempfile
import unittest

MATRIX = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(MATRIX))
sys.path.insert(0, MATRIX)

import report  # noqa: E402

NO_WAITID = {"raised": {"type": "AttributeError",
                        "message": "module 'os' has no attribute 'waitid'"}}


def expected_streams(case_id):
    with open(os.path.join(ROOT, "conformance", "expected", case_id + ".json")) as f:
        return json.load(f)["streams"]


class UnresolvedTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        results = os.path.join(self.tmp, "results")
        os.mkdir(results)
        # 0382 (OS-041, OS-042) differs only at its setup step main[3],
        # os.waitid; 0380 (OS-039) passes.
        actual = expected_streams("0382")
        actual["main"][3] = NO_WAITID
        rows = [{"id": "0380", "outcome": "PASS", "actual": expected_streams("0380")},
                {"id": "0382", "outcome": "UNRESOLVED", "actual": actual,
                 "detail": "setup step main[3] (os.waitid) differs: ...",
                 "differences": [{"process": "main", "step": 3,
                                  "expected": expected_streams("0382")["main"][3],
                                  "actual": NO_WAITID}]}]
        with open(os.path.join(results, "pypy.jsonl"), "w") as f:
            for row in rows:
                row.update(title="t", seconds=0.5, implementation={"name": "pypy"})
                f.write(json.dumps(row) + "\n")
        meta = {"finished": "2024-01-01 00:00:00 UTC", "commit": "abc1234",
                "machine": "Linux test", "case_count": 2, "only": ["0380", "0382"],
                "implementations": [{"id": "pypy", "label": "Impl pypy", "command": ["drv"],
                                     "status": "ran", "results": "pypy.jsonl",
                                     "expected_dir": "conformance/expected",
                                     "wall_seconds": 1, "identity": {"name": "pypy"}}]}
        with open(os.path.join(results, "run.json"), "w") as f:
            json.dump(meta, f)
        self.out = os.path.join(self.tmp, "report")
        self.run = report.write_report(results, self.out, ROOT)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def read(self, name):
        with open(os.path.join(self.out, name), encoding="utf-8") as f:
            return f.read()

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
