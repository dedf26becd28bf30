"""The report of rows judged against their own Python version (version
overlays) and of rows with a scope (cases outside it are not run)."""

import argparse
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import report  # noqa: E402
import run  # noqa: E402
from test_report import ROOT, write_run  # noqa: E402


class VersionAndScopeReportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def report_of(self, rows, extra):
        results = os.path.join(self.tmp, "results")
        write_run(results, rows, extra=extra)
        out = os.path.join(self.tmp, "report")
        return report.write_report(results, out, ROOT), out

    def test_a_row_judged_by_a_version_overlay_says_so(self):
        # The 3.8 overlay holds 0100 (spec/cross-version.md); 0001 is the
        # reference's file.
        judged_by = run.expected_dir(argparse.Namespace(python_version="3.8",
                                                        start_method="fork"), self.tmp)
        rows = {"old": [{"id": "0001", "outcome": "PASS"}, {"id": "0100", "outcome": "PASS"}]}
        extra = {"old": {"identity": {"name": "CPython", "version": "3.8.18",
                                      "module": "multiprocessing"},
                         "python_version": "3.8", "start_method": "fork",
                         "expected_dir": judged_by}}
        the_run, out = self.report_of(rows, extra)
        by = the_run.judged_against(the_run.impls[0])
        self.assertEqual(by["version"][:4], "3.8.")
        self.assertEqual(by["over"][:5], "3.11.")
        with open(os.path.join(out, "index.html")) as f:
            index = f.read()
        self.assertRegex(index, r"<td class=\"judged\">CPython 3\.8\.\d+ where it differs "
                                r"from 3\.11\.\d+ \(fork\)</td>")
        # Nothing of such a row is put down to CPython 3.8 sharing it.
        self.assertIsNone(the_run.version_shared(the_run.impls[0], "0100"))

    def test_the_reference_row_names_one_version(self):
        rows = {"ref": [{"id": "0001", "outcome": "PASS"}]}
        extra = {"ref": {"python_version": "3.11", "identity": {"name": "CPython",
                 "version": "3.11.7", "module": "multiprocessing"}}}
        the_run, _ = self.report_of(rows, extra)
        by = the_run.judged_against(the_run.impls[0])
        self.assertNotIn("over", by)
        self.assertEqual(report.judged_text(the_run, the_run.impls[0])[:13], "CPython 3.11.")

    def test_a_case_outside_a_rows_scope_is_shown_as_such(self):
        rows = {"lib": [{"id": "0001", "outcome": "PASS"}],
                "all": [{"id": "0001", "outcome": "PASS"}, {"id": "0400", "outcome": "PASS"}]}
        extra = {"lib": {"scope": ["multiprocessing"], "out_of_scope": ["0400"]}}
        the_run, out = self.report_of(rows, extra)
        with open(os.path.join(out, "index.html")) as f:
            index = f.read()
        row = index[index.index("id=\"case-0400\""):]
        row = row[:row.index("</tr>")]
        self.assertIn("o-scope", row)
        self.assertIn(">outside scope</a>", row)
        self.assertIn("o-PASS", row)
        self.assertEqual(the_run.fraction("lib", ["0001", "0400"]), (1, 1))


if __name__ == "__main__":
    unittest.main()
