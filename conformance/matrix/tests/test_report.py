"""report.py on a made-up run of two implementations over real cases: the
grouping by spec clause, the kinds of difference, the observations side by
side, and that every figure comes from the results."""

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


def value(v):
    return {"value": v}


def raised(t, m):
    return {"raised": {"type": t, "message": m}}


def expected_streams(case_id):
    with open(os.path.join(ROOT, "conformance", "expected", case_id + ".json")) as f:
        return json.load(f)["streams"]


class KindsTest(unittest.TestCase):
    def test_every_kind(self):
        kind = report.difference_kind
        self.assertEqual(kind({"step": None, "expected": True, "actual": False}),
                         "a stream on one side only")
        self.assertEqual(kind({"step": 1, "expected": None, "actual": value(1)}),
                         "an observation CPython does not make")
        self.assertEqual(kind({"step": 1, "expected": value(1), "actual": None}),
                         "a missing observation")
        self.assertEqual(kind({"step": 0, "expected": raised("E", "a"),
                               "actual": raised("E", "b")}), "another exception message")
        self.assertEqual(kind({"step": 0, "expected": raised("E", "a"),
                               "actual": raised("F", "a")}), "another exception type")
        self.assertEqual(kind({"step": 0, "expected": raised("E", "a"),
                               "actual": value(1)}), "a value where CPython raises")
        self.assertEqual(kind({"step": 0, "expected": value(1),
                               "actual": raised("E", "a")}),
                         "an exception where CPython gives a value")
        self.assertEqual(kind({"step": 0, "expected": value(1), "actual": value(1.0)}),
                         "another value")

    def test_rows_tell_1_from_1_0_and_name_the_step(self):
        case = {"steps": [{"op": "new", "proc": "p", "target": [{"op": "exit"}]},
                          {"op": "get", "proc": "p", "attr": "exitcode"}]}
        rows = report.observation_rows(case, {"main": [value(None), value(1)]},
                                       {"main": [value(None), value(1.0)], "p": []})
        self.assertEqual(rows[0], ("main", 0, case["steps"][0], value(None), value(None), False))
        self.assertEqual(rows[1], ("main", 1, case["steps"][1], value(1), value(1.0), True))
        # A stream on one side only is a row of its own.
        self.assertEqual(rows[2], ("p", None, None, "no stream", "stream present", True))


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        results = os.path.join(self.tmp, "results")
        os.mkdir(results)
        ok = expected_streams("0100")
        bad = json.loads(json.dumps(ok))
        bad["main"][-1] = value(1)
        lines = {
            "good": [{"id": "0001", "outcome": "PASS", "actual": expected_streams("0001")},
                     {"id": "0100", "outcome": "PASS", "actual": ok}],
            "other": [{"id": "0001", "outcome": "HUNG", "detail": "no answer within 30 s",
                       "actual": None},
                      {"id": "0100", "outcome": "FAIL", "actual": bad, "detail": "differs <&>",
                       "differences": [{"process": "main", "step": 3, "expected": value(0),
                                        "actual": value(1)}]}]}
        entries = []
        for ident, rows in lines.items():
            with open(os.path.join(results, ident + ".jsonl"), "w") as f:
                for row in rows:
                    row.update(title="t", seconds=0.5, implementation={"name": ident})
                    f.write(json.dumps(row) + "\n")
            entries.append({"id": ident, "label": "Impl " + ident, "command": ["drv", ident],
                            "status": "ran", "results": ident + ".jsonl",
                            "expected_dir": "conformance/expected", "wall_seconds": 12.3,
                            "identity": {"name": ident}})
        entries.append({"id": "gone", "label": "Impl gone", "command": ["x"],
                        "status": "skipped", "reason": "pyenv has no CPython 9.9"})
        meta = {"finished": "2024-01-01 00:00:00 UTC", "commit": "abc1234",
                "machine": "Linux test", "case_count": 2, "only": ["0001", "0100"],
                "implementations": entries}
        with open(os.path.join(results, "run.json"), "w") as f:
            json.dump(meta, f)
        self.out = os.path.join(self.tmp, "report")
        self.run = report.write_report(results, self.out, ROOT)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def read(self, name):
        with open(os.path.join(self.out, name), encoding="utf-8") as f:
            return f.read()

    def test_counts_and_kinds_are_the_runs(self):
        self.assertEqual(self.run.counts("good")[:2], [2, 0])
        self.assertEqual(dict(zip(report.OUTCOMES, self.run.counts("other"))),
                         {"PASS": 0, "FAIL": 1, "XFAIL": 0, "XPASS": 0, "UNSUPPORTED": 0,
                          "HUNG": 1, "CRASH": 0, "LEAK": 0, "ERROR": 0})
        self.assertEqual(self.run.kinds("other"), {"HUNG": ["0001"], "another value": ["0100"]})
        summary = self.read("summary.md")
        self.assertIn("| Impl other | 0 | 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 12 s |", summary)
        self.assertIn("| Impl gone | skipped: pyenv has no CPython 9.9 |", summary)
        self.assertIn("commit `abc1234`", summary)

    def test_the_table_is_grouped_by_area_section_and_clause(self):
        index = self.read("index.html")
        area = index.index("<tr class=\"area\"><th colspan=\"5\"><code>multiprocessing.Process</code>")
        clause = index.index("<tr class=\"clause\"><td colspan=\"5\">MP-001 — ")
        row = index.index("<tr class=\"case\" id=\"case-0001\">")
        self.assertLess(area, clause)
        self.assertLess(clause, row)
        self.assertIn("<td class=\"outcome o-FAIL\"><a href=\"cases/0100.html#impl-other\">FAIL</a>",
                      index)
        self.assertIn("<td class=\"outcome o-HUNG\"><a href=\"cases/0001.html#impl-other\">HUNG</a>",
                      index)
        # A skipped implementation is in the summary, not a column.
        self.assertIn("pyenv has no CPython 9.9", index)
        self.assertNotIn("cases/0001.html#impl-gone", index)

    def test_a_case_page_shows_the_case_and_what_differs(self):
        page = self.read("cases/0100.html")
        self.assertIn("<pre id=\"case\">{\n  &quot;id&quot;: &quot;0100&quot;", page)
        other = page[page.index("<section id=\"impl-other\">"):]
        self.assertIn("differs &lt;&amp;&gt;", other)  # the runner's words, escaped
        self.assertIn("1 observation(s) differ", other)
        self.assertEqual(other.count("<tr class=\"diff\">"), 1)
        self.assertIn("0 observation(s) differ", page[page.index("<section id=\"impl-good\">"):])
        hung = self.read("cases/0001.html")
        self.assertIn("No observations: the driver gave none to compare.", hung)


if __name__ == "__main__":
    unittest.main()
