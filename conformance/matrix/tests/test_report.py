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
from report_fixture import ReportFixture, expected_streams  # noqa: E402


def value(v):
    return {"value": v}


def raised(t, m, cls=None, bases=("Exception", "BaseException")):
    return {"raised": {"type": t, "message": m, "class": cls or t, "bases": list(bases)}}


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
        # The same name and message from a class except clauses tell apart.
        self.assertEqual(kind({"step": 0, "expected": raised("E", "a", "subprocess.E"),
                               "actual": raised("E", "a", "fake.E")}),
                         "an exception that CPython's except clauses do not catch alike")
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


class ReportTest(ReportFixture):
    def setUp(self):
        ok = expected_streams("0100")
        bad = json.loads(json.dumps(ok))
        bad["main"][-1] = value(1)
        self.write_run({
            "good": [{"id": "0001", "outcome": "PASS", "actual": expected_streams("0001")},
                     {"id": "0100", "outcome": "PASS", "actual": ok}],
            "other": [{"id": "0001", "outcome": "HUNG", "detail": "no answer within 30 s",
                       "actual": None},
                      {"id": "0100", "outcome": "FAIL", "actual": bad, "detail": "differs <&>",
                       "differences": [{"process": "main", "step": 3, "expected": value(0),
                                        "actual": value(1)}]}]},
            ["0001", "0100"],
            extra_entries=[{"id": "gone", "label": "Impl gone", "command": ["x"],
                            "status": "skipped", "reason": "pyenv has no CPython 9.9"}])

    def test_counts_and_kinds_are_the_runs(self):
        self.assertEqual(self.run.counts("good")[:2], [2, 0])
        self.assertEqual(dict(zip(report.OUTCOMES, self.run.counts("other"))),
                         {"PASS": 0, "FAIL": 1, "UNRESOLVED": 0, "XFAIL": 0, "XPASS": 0,
                          "UNSUPPORTED": 0, "HUNG": 1, "CRASH": 0, "LEAK": 0, "ERROR": 0,
                          "FLAKY": 0})
        self.assertEqual(self.run.kinds("other"), {"HUNG": ["0001"], "another value": ["0100"]})
        summary = self.read("summary.md")
        self.assertIn("| Impl other | 0 | 1 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 12 s |", summary)
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


def write_run(results, rows_by_impl, extra=None):
    """A results directory as run.py leaves it: run.json and one JSON-lines
    file per implementation."""
    os.makedirs(results, exist_ok=True)
    entries = []
    for ident, rows in rows_by_impl.items():
        with open(os.path.join(results, ident + ".jsonl"), "w") as f:
            for row in rows:
                row = dict(dict(title="t", seconds=0.5, implementation={
                    "name": "CPython", "version": "3.9.2", "module": "multiprocessing"}), **row)
                f.write(json.dumps(row) + "\n")
        entries.append(dict({"id": ident, "label": "Impl " + ident, "command": ["drv"],
                             "status": "ran", "results": ident + ".jsonl",
                             "expected_dir": "conformance/expected", "wall_seconds": 1.0,
                             "identity": {"name": "CPython", "version": "3.9.2",
                                          "module": "multiprocessing"},
                             "python_version": "3.9"}, **(extra or {}).get(ident, {})))
    meta = {"finished": "2024-01-01 00:00:00 UTC", "commit": "abc1234",
            "machine": "Linux test", "case_count": 3, "only": ["0001", "0100", "0400"],
            "implementations": entries}
    with open(os.path.join(results, "run.json"), "w") as f:
        json.dump(meta, f)


NO_PARENT = {"raised": {"type": "AttributeError",
                        "message": "module 'multiprocessing' has no attribute 'parent_process'"}}


class RootCauseTest(unittest.TestCase):
    case = {"steps": [{"op": "new", "proc": "p", "target": [{"op": "parent_is_none"}]},
                      {"op": "call", "function": "os.waitpid", "args": [-1, 0]},
                      {"op": "get", "proc": "p", "attr": "exitcode"}]}

    def cause(self, *differences, outcome="FAIL"):
        return report.root_cause(self.case, {"outcome": outcome,
                                             "differences": list(differences)})

    def test_a_missing_attribute_is_named(self):
        self.assertEqual(self.cause({"process": "p", "step": 0, "expected": value(True),
                                     "actual": NO_PARENT}), "no `multiprocessing.parent_process`")
        # Another AttributeError is not a missing function.
        self.assertEqual(self.cause({"process": "main", "step": 1, "expected": value("x"),
                                     "actual": raised("AttributeError", "'bytes' object has "
                                                      "no attribute 'encode'")}),
                         "os.waitpid(): raises AttributeError where CPython gives a value")
        case = {"steps": [{"op": "value", "of": {"var": "p", "attr": "returncode"}}]}
        self.assertEqual(report.root_cause(case, {"outcome": "FAIL", "differences": [
            {"process": "main", "step": 0, "expected": value(0), "actual": value(None)}]}),
            "p.returncode: null, not 0")

    def test_the_first_differing_step_and_its_function(self):
        later = {"process": "main", "step": 2, "expected": value(0), "actual": value(1)}
        first = {"process": "main", "step": 1, "expected": value([1, 0]),
                 "actual": raised("ChildProcessError", "[Errno 10] No child processes")}
        self.assertEqual(self.cause(later, first),
                         "os.waitpid(): raises ChildProcessError where CPython gives a value")
        self.assertEqual(self.cause(later), "Process.exitcode: 1, not 0")
        self.assertEqual(self.cause({"process": "main", "step": 2, "expected": value("a" * 30),
                                     "actual": value("b")}), "Process.exitcode: another value")
        self.assertEqual(self.cause({"process": "main", "step": 1,
                                     "expected": raised("OSError", "a"),
                                     "actual": raised("OSError", "b")}),
                         "os.waitpid(): another OSError message")
        own = raised("CalledProcessError", "m", "fake.CalledProcessError", ["Exception"])
        self.assertEqual(self.cause({"process": "main", "step": 1, "actual": own,
                                     "expected": raised("CalledProcessError", "m",
                                                        "subprocess.CalledProcessError",
                                                        ["subprocess.SubprocessError"])}),
                         "os.waitpid(): raises fake.CalledProcessError (Exception), not "
                         "subprocess.CalledProcessError (subprocess.SubprocessError)")
        self.assertEqual(self.cause({"process": "main", "step": 1, "expected": value(1),
                                     "actual": None}),
                         "os.waitpid(): no observation (the process ended or stopped before it)")

    def test_other_outcomes_by_name(self):
        self.assertEqual(self.cause(outcome="HUNG"),
                         "HUNG, nothing observed (the case starts with multiprocessing.Process())")
        self.assertEqual(report.root_cause({"steps": []}, {"outcome": "CRASH"}), "CRASH")
        self.assertEqual(self.cause({"process": "main", "step": 1,
                                     "expected": value({"object": "BufferedWriter"}),
                                     "actual": value({"object": "FileObjectPosix"})}),
                         "os.waitpid(): a FileObjectPosix, not a BufferedWriter")
        self.assertEqual(self.cause(outcome="LEAK"), "LEAK")

    def test_a_hang_by_the_step_it_stopped_at(self):
        cause = report.root_cause(self.case, {"outcome": "HUNG",
                                              "actual": {"main": [value(None)], "p": []}})
        self.assertEqual(cause, "HUNG in os.waitpid()")


class ChangeTest(unittest.TestCase):
    def test_changes(self):
        change = report.change
        self.assertEqual(change({"outcome": "FAIL"}, {"outcome": "PASS"}), "new failure")
        self.assertEqual(change({"outcome": "HUNG"}, {"outcome": "XFAIL"}), "new failure")
        self.assertEqual(change({"outcome": "PASS"}, {"outcome": "FAIL"}), "fixed")
        self.assertEqual(change({"outcome": "FAIL", "outcomes": ["PASS", "FAIL"],
                                 "flaky": True}, {"outcome": "FAIL"}), "flaky")
        self.assertIsNone(change({"outcome": "FAIL"}, {"outcome": "FAIL"}))
        self.assertIsNone(change({"outcome": "UNSUPPORTED"}, {"outcome": "PASS"}))
        self.assertIsNone(change({"outcome": "FAIL"}, None))


class ValueDiffTest(unittest.TestCase):
    def test_long_strings_differ_by_character(self):
        e = value("x" * 100 + "exit status 1" + "y" * 100)
        a = value("x" * 100 + "exit status 2" + "y" * 100)
        diff = report.value_diff(e, a)
        self.assertIn("<del>1</del><ins>2</ins>", diff)
        self.assertIn(" … ", diff)  # the long unchanged runs are cut
        self.assertEqual(report.value_diff(value("a"), value("b")), "")

    def test_long_lists_differ_by_line(self):
        e = value(["line %d" % i for i in range(20)])
        a = value(["line %d" % i for i in range(20) if i != 7])
        self.assertIn("<del> &quot;line 7&quot;,\n</del>", report.value_diff(e, a))


class ExplainingReportTest(unittest.TestCase):
    """The features that explain: fractions, root causes, clause texts,
    failing first, value diffs, HUNG pages, the previous run, reproducers,
    filters, the version judged against."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        ok1, ok100, ok400 = (expected_streams(c) for c in ("0001", "0100", "0400"))
        bad400 = json.loads(json.dumps(ok400))
        bad400["main"][1] = value("hello\n" + "z" * 80)
        partial = {"main": ok100["main"][:1]}
        self.results = os.path.join(self.tmp, "results")
        write_run(self.results, {
            "good": [{"id": "0001", "outcome": "PASS", "actual": ok1},
                     {"id": "0100", "outcome": "PASS", "actual": ok100},
                     {"id": "0400", "outcome": "UNSUPPORTED", "actual": None}],
            "other": [{"id": "0001", "outcome": "FAIL", "actual": ok1,
                       "differences": [{"process": "p", "step": 0, "expected": value("x"),
                                        "actual": NO_PARENT}]},
                      {"id": "0100", "outcome": "HUNG", "actual": partial,
                       "detail": "no answer within 30 s", "stderr": "Traceback: stuck <here>"},
                      {"id": "0400", "outcome": "FAIL", "actual": bad400,
                       "flaky": True, "outcomes": ["PASS", "FAIL"],
                       "differences": [{"process": "main", "step": 1,
                                        "expected": ok400["main"][1],
                                        "actual": bad400["main"][1]}]}]})
        self.previous = os.path.join(self.tmp, "previous")
        write_run(self.previous, {
            "good": [{"id": "0001", "outcome": "FAIL"}, {"id": "0100", "outcome": "PASS"}],
            "other": [{"id": "0001", "outcome": "FAIL"}, {"id": "0100", "outcome": "PASS"},
                      {"id": "0400", "outcome": "FAIL"}]})
        with open(os.path.join(self.previous, "other.jsonl"), "a") as f:
            f.write("{not json, a file cut short\n")
        self.out = os.path.join(self.tmp, "report")
        self.assertEqual(report.main(["report.py", "--previous", self.previous,
                                      self.results, self.out]), 0)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def read(self, name):
        with open(os.path.join(self.out, name), encoding="utf-8") as f:
            return f.read()

    def test_pass_fractions_per_area_and_clause(self):
        index = self.read("index.html")
        fractions = index[index.index("<table id=\"fractions\""):]
        fractions = fractions[:fractions.index("</table>")]
        # good: 0001 and 0100 pass, 0400 is UNSUPPORTED (not judged).
        self.assertIn("<tr class=\"all-fraction\"><th>all areas</th><td>3</td>"
                      "<td class=\"frac frac-full\" title=\"2 of 2 conform\">2/2</td>"
                      "<td class=\"frac frac-none\" title=\"0 of 3 conform\">0/3</td></tr>",
                      fractions)
        self.assertIn("<code>multiprocessing.Process</code>", fractions)
        clause = index[index.index("<tr class=\"clause\"><td colspan=\"5\">MP-001 — "):]
        clause = clause[:clause.index("</tr>")]
        self.assertIn("<span class=\"fractions\">", clause)
        self.assertIn("good <span class=\"frac frac-full\"", clause)

    def test_root_causes_grouped(self):
        index = self.read("index.html")
        causes = index[index.index("<li id=\"causes-impl-other\">"):]
        self.assertIn("<span class=\"cause-text\">no <code>multiprocessing.parent_process</code></span>: "
                      "<b>1</b> case(s)", causes)
        self.assertIn("<span class=\"cause-text\">HUNG in Process.start()</span>", causes)
        self.assertIn("<span class=\"cause-text\">f.read(): another value</span>", causes)
        self.assertIn("good</b>: every case conforms", index)
        self.assertIn("no `multiprocessing.parent_process`: 1 (0001)", self.read("summary.md"))

    def test_the_clause_text_beside_its_cases(self):
        index = self.read("index.html")
        self.assertIn("<details class=\"clause-text\"><summary>the clause</summary><p>A started "
                      "<code>Process</code> runs its activity in a new operating-system process",
                      index)
        page = self.read("cases/0001.html")
        self.assertIn("<div class=\"clause-text\">A started <code>Process</code>", page)

    def test_failing_implementations_first(self):
        page = self.read("cases/0001.html")
        self.assertLess(page.index("<section id=\"impl-other\">"),
                        page.index("<section id=\"impl-good\">"))
        outcomes = page[page.index("<ul class=\"outcomes\">"):]
        self.assertLess(outcomes.index("Impl other"), outcomes.index("Impl good"))
        self.assertIn("Root cause: no <code>multiprocessing.parent_process</code>", page)

    def test_long_values_get_a_value_level_diff(self):
        page = self.read("cases/0400.html")
        self.assertIn("<pre class=\"vdiff\"", page)
        self.assertIn("<ins>", page)

    def test_a_hung_page_shows_what_was_observed_and_stderr(self):
        page = self.read("cases/0100.html")
        hung = page[page.index("<section id=\"impl-other\">"):]
        hung = hung[:hung.index("</section>")]
        self.assertIn("<h3>Before it was stopped</h3>", hung)
        self.assertIn("<b>main</b>: 1 of 4 step(s) observed; it stopped at step 1: "
                      "<code>{&quot;op&quot;: &quot;start&quot;", hung)
        self.assertIn("<pre class=\"stderr\">Traceback: stuck &lt;here&gt;</pre>", hung)
        self.assertIn("python3 0100.py --live</code>", hung)

    def test_the_previous_run(self):
        index = self.read("index.html")
        changes = index[index.index("<ul id=\"changes\">"):]
        changes = changes[:changes.index("</ul>")]
        self.assertIn("<span class=\"change new-failure\">new failure</span>: 1 "
                      "(<a href=\"cases/0100.html#impl-other\">0100</a>)", changes)
        self.assertIn("<span class=\"change fixed\">fixed</span>: 1", changes)
        self.assertIn("<span class=\"change flaky\">flaky</span>: 1", changes)
        self.assertIn("<td class=\"outcome o-HUNG\"><a href=\"cases/0100.html#impl-other\">"
                      "HUNG</a><span class=\"change new-failure\">new failure</span></td>", index)
        self.assertIn("- Impl good: fixed 1 (0001)", self.read("summary.md"))
        self.assertEqual(report.main(["report.py", "--previous", self.tmp, self.results,
                                      self.out]), 2)

    def test_every_case_page_shows_its_program(self):
        page = self.read("cases/0400.html")
        self.assertIn("<pre class=\"program\" id=\"program\">", page)
        self.assertIn("f = os.popen(HELPER + &#x27; print hello write world&#x27;)", page)
        self.assertIn("<pre class=\"program\" id=\"program\">def main():", page)
        with open(os.path.join(self.out, "cases", "0400.py")) as f:
            text = f.read()
        compile(text, "0400.py", "exec")
        self.assertIn("its first %d lines are the observe/print helper"
                      % (text[:text.index("\ndef main():")].count("\n") + 1), page)

    def test_each_step_as_python_beside_its_observations(self):
        page = self.read("cases/0400.html")
        self.assertIn("<td><pre class=\"python\" title=\"{&quot;op&quot;: &quot;method&quot;, "
                      "&quot;var&quot;: &quot;f&quot;, &quot;method&quot;: &quot;read&quot;}\">"
                      "with step(&#x27;main&#x27;, 1) as s:\n    s.observe(f.read())</pre></td>",
                      page)

    def test_a_case_without_a_program_says_why(self):
        run = report.Run(self.results, ROOT)
        run.cases["0400"] = dict(run.cases["0400"], steps=[{"op": "teleport"}])
        page = report.case_html(run, "0400")
        self.assertIn("<p class=\"no-program\">No standalone program: ReproducerError: process main, step 0: op &#x27;teleport&#x27; has no translation", page)

    def test_the_version_judged_against(self):
        index = self.read("index.html")
        row = index[index.index("<tr id=\"summary-other\">"):]
        self.assertIn("<td class=\"python\">3.9.2</td><td class=\"judged\">CPython 3.11",
                      row)
        self.assertIn("(fork)</td>", row)

    def test_a_difference_cpython_of_that_version_shares(self):
        # 0100 differs under CPython 3.8 (spec/cross-version.md); a 3.8 row
        # failing it is grouped as that, a 3.9 row is not.
        results = os.path.join(self.tmp, "v38")
        write_run(results, {"old": [{"id": "0100", "outcome": "FAIL", "differences": [
            {"process": "main", "step": 3, "expected": value(0), "actual": value(1)}]}],
            "new": [{"id": "0100", "outcome": "FAIL", "differences": [
                {"process": "main", "step": 3, "expected": value(0), "actual": value(1)}]}]},
            extra={"old": {"identity": {"name": "CPython", "version": "3.8.18",
                                        "module": "multiprocessing"}, "python_version": "3.8"}})
        out = os.path.join(self.tmp, "v38-report")
        run = report.write_report(results, out, ROOT)
        self.assertEqual(run.root_causes("old"), {
            "as CPython 3.8 itself differs (spec/cross-version.md)": ["0100"]})
        self.assertEqual(run.root_causes("new"), {"Process.exitcode: 1, not 0": ["0100"]})
        with open(os.path.join(out, "cases", "0100.html"), encoding="utf-8") as f:
            page = f.read()
        self.assertIn("<p class=\"version-shared\">This row is Python 3.8.18: CPython 3.8 "
                      "differs from the version judging it here too", page)
        self.assertIn("case 0100 (MP-060)", page)

    def test_python_version_from_identity_or_declared(self):
        version = report.python_version
        self.assertEqual(version({"identity": {"name": "PyPy", "version": "3.9.18",
                                               "implementation_version": "7.3.15",
                                               "module": "multiprocessing"}}), "3.9.18")
        self.assertEqual(version({"identity": {"name": "pyproc", "version": "0.1.0"},
                                  "python_version": "3.11"}), "3.11 (declared)")
        self.assertEqual(version({"identity": {"name": "CPython", "version": "3.8.18",
                                               "module": "multiprocessing"},
                                  "python_version": "3.11"}), "3.8.18 (declared 3.11)")

    def test_filters_and_no_external_resources(self):
        index = self.read("index.html")
        self.assertIn("<form id=\"filters\" method=\"get\">", index)
        self.assertIn("<option value=\"other\">Impl other</option>", index)
        self.assertIn("<option value=\"failing\">", index)
        self.assertIn("<option value=\"multiprocessing.Process\">", index)
        self.assertIn("URLSearchParams(location.search)", index)
        for name in ("index.html", "cases/0100.html"):
            text = self.read(name)
            self.assertNotIn("<link", text)
            self.assertNotIn(" src=", text)
            self.assertNotRegex(text, r"(href|src)=\"(https?:)?//")


if __name__ == "__main__":
    unittest.main()
