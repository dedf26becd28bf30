"""Tests of check_seed_trace.py: the sentence splitter, and each problem it
must report, in a temporary tree (plus the repository itself)."""

import io
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import check_seed_trace  # noqa: E402

SEED = """link:
library/x.html

docs:

os.thing()¶
Do a thing.  Return the result.
Availability: Unix.


os.other()¶
Do another thing on Windows (for example, e.g. this).  It never fails.
Availability: Unix.
"""

SPEC = """# Test clauses

Seed trace: seeds/seed.txt

### OS-001 — a thing

Statement.

### OS-002 — another

Statement.

### OS-003 — Windows

Statement.

Status: not-applicable — Windows only.

## Appendix A

| sentence | clauses |
| --- | --- |
| os.thing()¶ | OS-001 |
| Do a thing. | OS-001 |
| Return the result. | OS-001 |
| Availability: Unix. | n/a — availability note |
| os.other()¶ | OS-002 |
| Do another thing on Windows (for example, e.g. this). | n/a — Windows only |
| It never fails. | OS-002 |
"""


def case(cid, clauses):
    return {"id": cid, "title": "t", "clauses": clauses,
            "steps": [{"op": "hook_log"}]}


class SplitterTest(unittest.TestCase):
    def test_sentences(self):
        self.assertEqual(check_seed_trace.sentences(SEED), [
            "os.thing()¶", "Do a thing.", "Return the result.", "Availability: Unix.",
            "os.other()¶", "Do another thing on Windows (for example, e.g. this).",
            "It never fails.", "Availability: Unix."])

    def test_a_closing_parenthesis_ends_a_sentence(self):
        self.assertEqual(check_seed_trace.sentences("docs:\nA (b.) C d.\n"),
                         ["A (b.)", "C d."])


class CheckTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="seed-trace-test-")
        os.makedirs(os.path.join(self.root, "spec", "seeds"))
        os.makedirs(os.path.join(self.root, "conformance", "cases"))
        self.write("spec/seeds/seed.txt", SEED)
        self.write("spec/clauses.md", SPEC)
        self.write_case(case("0001", ["OS-001", "OS-002"]))

    def tearDown(self):
        shutil.rmtree(self.root)

    def write(self, rel, text):
        with open(os.path.join(self.root, rel), "w", encoding="utf-8") as f:
            f.write(text)

    def write_case(self, doc):
        self.write("conformance/cases/%s.json" % doc["id"], json.dumps(doc))

    def check(self):
        out = io.StringIO()
        n = check_seed_trace.check(self.root, out)
        lines = out.getvalue().splitlines()
        self.assertEqual(n, len(lines))
        return lines

    def test_clean(self):
        self.assertEqual(self.check(), [])

    def test_untraced_sentence(self):
        self.write("spec/clauses.md", SPEC.replace("| It never fails. | OS-002 |\n", ""))
        self.assertIn("spec/clauses.md: sentence of seeds/seed.txt not traced: It never "
                      "fails.", self.check())

    def test_row_that_quotes_no_sentence(self):
        self.write("spec/clauses.md", SPEC.replace("| Do a thing. |", "| Do a thing! |"))
        lines = self.check()
        self.assertIn("spec/clauses.md: line 24: quotes no sentence of seeds/seed.txt: "
                      "Do a thing!", lines)
        self.assertIn("spec/clauses.md: sentence of seeds/seed.txt not traced: Do a "
                      "thing.", lines)

    def test_row_without_clause_or_reason(self):
        self.write("spec/clauses.md", SPEC.replace("| n/a — availability note |", "| n/a |"))
        self.assertIn('spec/clauses.md: line 26: names no clause and gives no "n/a — '
                      'reason"', self.check())

    def test_unknown_and_not_applicable_clauses(self):
        text = SPEC.replace("| It never fails. | OS-002 |", "| It never fails. | OS-009 |")
        text = text.replace("| os.other()¶ | OS-002 |", "| os.other()¶ | OS-003 |")
        self.write("spec/clauses.md", text)
        lines = self.check()
        self.assertIn("spec/clauses.md: line 29: OS-009 is not a clause of this file", lines)
        self.assertIn("spec/clauses.md: line 27: OS-003 is marked not-applicable: say n/a "
                      "instead", lines)

    def test_clause_without_a_case(self):
        self.write_case(case("0001", ["OS-001"]))
        self.assertEqual(self.check(), ["spec/clauses.md: OS-002: clause is not cited by "
                                        "any case"])

    def test_missing_seed(self):
        self.write("spec/clauses.md", SPEC.replace("seeds/seed.txt", "seeds/gone.txt"))
        lines = self.check()
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].startswith("spec/clauses.md: cannot read its seed "
                                            "seeds/gone.txt"), lines)

    def test_files_without_a_seed_trace_are_skipped(self):
        self.write("spec/other.md", "# Other\n\n### MP-001 — x\n\nStatement.\n")
        self.assertEqual(self.check(), [])


class RepositoryTest(unittest.TestCase):
    def test_repository_traces_its_seeds(self):
        root = os.path.dirname(os.path.dirname(HERE))
        out = io.StringIO()
        self.assertEqual(check_seed_trace.check(root, out), 0, out.getvalue())


if __name__ == "__main__":
    unittest.main()
