"""Tests of check_seed_trace.py: how a seed is split into sentences (prose,
pilcrow headings, Markdown headings, tables and code examples), how the
appendix rows are read, and what the check reports, on scratch trees; and the
real tree, which must be clean."""

import io
import os
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import check_seed_trace  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))

MARKDOWN_SEED = textwrap.dedent("""\
    # Title
    ## A heading, with a comma!

    Table 1. Some things
    |Function|Return|
    |--------|------|
    |os.getpid|pid of the process|

    Prose that runs
    over two lines. Second sentence.
    ```python
    import os

    if x:
        print(f'{os.getpid()}')
    # ---------- output ----------
    # 42
    ```
    ```python
    import os
    ```
    <!-- 310 -->
    """)


class Sentences(unittest.TestCase):
    def test_markdown_units(self):
        self.assertEqual(check_seed_trace.sentences(MARKDOWN_SEED), [
            "# Title", "## A heading, with a comma!", "Table 1.", "Some things",
            "|Function|Return|", "|--------|------|", "|os.getpid|pid of the process|",
            "Prose that runs over two lines.", "Second sentence.",
            "import os", "if x:", "print(f'{os.getpid()}')",
            "# ---------- output ----------", "# 42", "import os", "<!-- 310 -->"])

    def test_docs_header_and_pilcrow_headings(self):
        seed = ("link:\nlibrary/os.html\n\ndocs:\n\nProcess Management\u00b6\n"
                "These functions may be used.  For example, x.\n\n\n"
                "os.abort()\u00b6\nGenerate a SIGABRT signal.\n")
        self.assertEqual(check_seed_trace.sentences(seed), [
            "Process Management\u00b6", "These functions may be used.",
            "For example, x.", "os.abort()\u00b6", "Generate a SIGABRT signal."])


class Rows(unittest.TestCase):
    def test_escaped_pipes_and_backquotes(self):
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
            f.write("Seed trace: seeds/x.txt\n\n| sentence | clauses |\n| --- | --- |\n"
                    "| \\|os.getpid\\|pid of the process\\| | SP-001 |\n"
                    "| `print(f'{ret}')` | n/a \u2014 prints |\n")
        try:
            seed, rows = check_seed_trace.read_trace(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(seed, "seeds/x.txt")
        self.assertEqual([(s, m) for _, s, m in rows], [
            ("|os.getpid|pid of the process|", "SP-001"),
            ("print(f'{ret}')", "n/a \u2014 prints")])


class Check(unittest.TestCase):
    def tree(self, spec, seed, cases):
        root = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(root))
        os.makedirs(os.path.join(root, "spec", "seeds"))
        os.makedirs(os.path.join(root, "conformance", "cases"))
        with open(os.path.join(root, "spec", "x.md"), "w", encoding="utf-8") as f:
            f.write(spec)
        with open(os.path.join(root, "spec", "seeds", "s.txt"), "w", encoding="utf-8") as f:
            f.write(seed)
        for cid, clauses in cases.items():
            with open(os.path.join(root, "conformance", "cases", cid + ".json"), "w") as f:
                f.write('{"id": "%s", "title": "t", "clauses": %s, "steps": []}'
                        % (cid, str(clauses).replace("'", '"')))
        return root

    def run_check(self, root):
        out = io.StringIO()
        return check_seed_trace.check(root, out), out.getvalue()

    SPEC = ("# X\n\nSeed trace: seeds/s.txt\n\n### SP-001 \u2014 one\n\nBody.\n\n"
            "### SP-002 \u2014 two\n\nBody.\n\n| sentence | clauses |\n| --- | --- |\n"
            "| # Title | n/a \u2014 heading |\n| `import os` | SP-001 |\n")

    def test_clean(self):
        root = self.tree(self.SPEC, "# Title\n```\nimport os\n```\n",
                         {"0001": ["SP-001", "SP-002"]})
        self.assertEqual(self.run_check(root), (0, ""))

    def test_untraced_line_of_an_example(self):
        root = self.tree(self.SPEC, "# Title\n```\nimport os\np.start()\n```\n",
                         {"0001": ["SP-001", "SP-002"]})
        n, out = self.run_check(root)
        self.assertEqual(n, 1)
        self.assertIn("sentence of seeds/s.txt not traced: p.start()", out)

    def test_clause_without_a_case(self):
        root = self.tree(self.SPEC, "# Title\n```\nimport os\n```\n", {"0001": ["SP-001"]})
        n, out = self.run_check(root)
        self.assertEqual(n, 1)
        self.assertIn("SP-002: clause is not cited by any case", out)

    def test_row_quoting_nothing_of_the_seed(self):
        root = self.tree(self.SPEC + "| import sys | SP-002 |\n", "# Title\n```\nimport os\n```\n",
                         {"0001": ["SP-001", "SP-002"]})
        n, out = self.run_check(root)
        self.assertEqual(n, 1)
        self.assertIn("quotes no sentence of seeds/s.txt: import sys", out)

    def test_the_repository_is_clean(self):
        self.assertEqual(self.run_check(ROOT), (0, ""))


if __name__ == "__main__":
    unittest.main()
