#!/usr/bin/env python3
"""Checks that a clause file traces every sentence of its seed document.

A spec file opts in with a line ``Seed trace: seeds/NNN_xxx.txt`` (a path
relative to spec/) and an appendix table whose rows are

    | <a sentence of the seed, verbatim> | OS-001, OS-002 |
    | <a sentence of the seed, verbatim> | n/a — <why no clause states it> |

In the sentence cell a ``|`` of the seed is written ``\|`` (Markdown), and
the whole sentence may be wrapped in one pair of backquotes (a line of code).

This tool splits the seed into sentences (see ``sentences``) and fails when

- a sentence of the seed has no row, or a row quotes no sentence of the seed;
- a row names no clause and gives no "n/a — reason";
- a row names a clause that is not a heading of the same file, or one marked
  ``Status: not-applicable`` / ``withdrawn`` (a behaviour that holds has a
  clause, one that does not is n/a);
- a clause of the file that has no ``Status:`` line is cited by no case of
  conformance/cases/ (what lint_cases.py checks for every clause, repeated
  here so that this check alone proves the file's seed is covered end to end).

    python3 conformance/tools/check_seed_trace.py [--root DIR]

Exit status: 0 clean, 1 problems (one per line), 2 usage error.
Standard library only.
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import lint_cases  # noqa: E402  (and, through it, oracle/casefile.py)
import casefile  # noqa: E402

SEED_LINE = re.compile(r"Seed trace:\s*(\S+)\s*\Z")
# A table row of two cells; the first may hold escaped pipes (\|).
ROW = re.compile(r"\|\s*((?:\\.|[^|\\])*?)\s*\|\s*(.*?)\s*\|\s*\Z")
NOT_APPLICABLE = re.compile(r"n/a\s+—\s+\S")
CLAUSE_REF = re.compile(r"[A-Z][A-Z0-9]*-[0-9]{3,}")
# A sentence ends at . ! ? (or one of them and a closing parenthesis) before
# white space and a capital, an opening parenthesis or a quote.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(“\"])|(?<=[.!?]\))\s+(?=[A-Z(“\"])")


def normalize(text):
    return " ".join(text.split())


# Markdown seeds (003): a fence line opens or closes a code block, and a
# heading, a table row or a comment is a line of its own.
FENCE = re.compile(r"\s*```")
STANDALONE = re.compile(r"\s*(?:#|\||<!--)")


def sentences(seed_text):
    """The sentences of a seed document, in order, white space collapsed.

    The header (everything up to the line ``docs:``) is skipped. Paragraphs
    are separated by blank lines; a paragraph's lines are joined with spaces
    and split where a sentence ends (SENTENCE_END). A heading line
    (``os.fork()¶``) ends its paragraph, so it is a sentence of its own.
    In a Markdown seed, a line that is a heading (``# ...``), a table row
    (``|...|``) or a comment (``<!-- -->``) is a sentence of its own, and
    inside a fenced code block (an example) every non-blank line is one, the
    fences themselves excluded. Identical sentences ("Availability: Unix.",
    ``import os`` in two examples) are traced by one row."""
    lines = seed_text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "docs:":
            lines = lines[i + 1:]
            break
    found, paragraph = [], []

    def end_paragraph():
        text = normalize(" ".join(paragraph))
        if text:
            found.extend(s for s in SENTENCE_END.split(text) if s)
        del paragraph[:]

    in_code = False
    for line in lines:
        if FENCE.match(line):
            end_paragraph()
            in_code = not in_code
        elif in_code:
            if line.strip():
                found.append(normalize(line))
        elif not line.strip():
            end_paragraph()
        elif STANDALONE.match(line):
            end_paragraph()
            found.append(normalize(line))
        else:
            paragraph.append(line)
            if line.rstrip().endswith("\u00b6"):
                end_paragraph()
    end_paragraph()
    return found


def cell_text(cell):
    """The sentence a first cell quotes: pipes unescaped, white space
    collapsed, one pair of enclosing backquotes removed."""
    text = normalize(cell.replace("\\|", "|"))
    if len(text) > 1 and text.startswith("`") and text.endswith("`"):
        text = text[1:-1].strip()
    return text


def read_trace(path):
    """(seed path or None, [(line number, sentence, mapping)]) of a spec file."""
    seed, rows = None, []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for number, line in enumerate(lines, 1):
        m = SEED_LINE.match(line.strip())
        if m:
            seed = m.group(1)
            continue
        m = ROW.match(line.strip())
        if seed and m and not set(m.group(1)) <= set("- ") \
                and m.group(1) not in ("sentence", "sentence (verbatim)"):
            rows.append((number, cell_text(m.group(1)), m.group(2)))
    return seed, rows


def cited_clauses(cases_dir):
    cited = set()
    for name in sorted(os.listdir(cases_dir)):
        if not lint_cases.CASE_FILE.match(name):
            continue
        try:
            case = casefile.read(os.path.join(cases_dir, name))
        except casefile.CaseError:
            continue  # lint_cases reports it
        if isinstance(case, dict) and isinstance(case.get("clauses"), list):
            cited.update(c for c in case["clauses"] if isinstance(c, str))
    return cited


def check(root, out):
    """Checks every spec file with a seed trace; returns the problem count."""
    spec_dir = os.path.join(root, "spec")
    problems = []

    def report(path, where, message):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        problems.append(": ".join([rel] + ([where] if where else []) + [message]))

    clauses = lint_cases.read_clauses(spec_dir, report)
    cited = cited_clauses(os.path.join(root, "conformance", "cases"))
    for name in sorted(n for n in os.listdir(spec_dir) if n.endswith(".md")):
        path = os.path.join(spec_dir, name)
        seed, rows = read_trace(path)
        if seed is None:
            continue
        seed_path = os.path.join(spec_dir, seed)
        try:
            with open(seed_path, encoding="utf-8") as f:
                wanted = sentences(f.read())
        except OSError as e:
            report(path, "", "cannot read its seed %s: %s" % (seed, e))
            continue
        traced = {}
        for number, sentence, mapping in rows:
            where = "line %d" % number
            if sentence not in wanted:
                report(path, where, "quotes no sentence of %s: %s" % (seed, sentence))
            traced[sentence] = number
            refs = CLAUSE_REF.findall(mapping)
            if not refs and not NOT_APPLICABLE.match(mapping):
                report(path, where, "names no clause and gives no \"n/a — reason\"")
            for ref in refs:
                clause = clauses.get(ref)
                if clause is None or os.path.abspath(clause.path) != os.path.abspath(path):
                    report(path, where, "%s is not a clause of this file" % ref)
                elif clause.exempt in ("not-applicable", "withdrawn"):
                    report(path, where, "%s is marked %s: say n/a instead"
                           % (ref, clause.exempt))
        for sentence in wanted:
            if sentence not in traced:
                report(path, "", "sentence of %s not traced: %s" % (seed, sentence))
        for cid, clause in sorted(clauses.items()):
            if os.path.abspath(clause.path) == os.path.abspath(path) \
                    and clause.exempt is None and cid not in cited:
                report(path, cid, "clause is not cited by any case")
    for p in problems:
        out.write(p + "\n")
    return len(problems)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(HERE)))
    args = p.parse_args(argv)
    n = check(os.path.abspath(args.root), sys.stdout)
    if n:
        sys.stderr.write("check_seed_trace: %d problem(s)\n" % n)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
