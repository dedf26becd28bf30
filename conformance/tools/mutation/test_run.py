"""Tests of run.py (ctest conformance.mutation, labels lint and mutation): the mutants file is
well-formed and every mutant applies to this tree; malformed data is refused with the mutant
and field named; a mutant applies and reverts byte for byte, also when its build fails; the
scratch copy lies outside the tree. Not the mutation run itself (minutes: run.py).

    python3 conformance/tools/mutation/test_run.py
"""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import run  # noqa: E402

GOOD = {
    "name": "mp-x",
    "area": "process",
    "file": "impl/src/x.cpp",
    "find": "return 1;",
    "replace": "return 2;",
    "description": "returns 2 instead of 1",
}


def write_mutants(directory, mutants):
    path = os.path.join(directory, "mutants.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"mutants": mutants}, f)
    return path


class TheData(unittest.TestCase):
    def test_the_mutants_file_is_well_formed_and_applies_here(self):
        mutants = run.load_mutants()
        self.assertGreaterEqual(len(mutants), 60)
        self.assertEqual(run.check_applies(mutants, run.ROOT), [])
        for area in ("process", "os", "subprocess"):
            self.assertGreaterEqual(sum(m["area"] == area for m in mutants), 10, area)

    def test_every_explained_survivor_says_why(self):
        for m in run.load_mutants():
            if "survives" in m:
                self.assertIn(m["survives"]["kind"], run.SURVIVAL_KINDS, m["name"])


class MalformedData(unittest.TestCase):
    def refused(self, mutants, words):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(run.DataError) as caught:
                run.load_mutants(write_mutants(d, mutants))
        for w in words:
            self.assertIn(w, str(caught.exception))

    def test_each_kind_of_error(self):
        self.refused([dict(GOOD, area="threads")], ["mp-x", "area"])
        self.refused([dict(GOOD, file="conformance/x.cpp")], ["mp-x", "impl/src"])
        self.refused([dict(GOOD, replace=GOOD["find"])], ["mp-x", "differ"])
        self.refused([GOOD, GOOD], ["mp-x", "twice"])
        self.refused([dict(GOOD, name="a b")], ["mutants[0]", "name"])
        self.refused([dict(GOOD, extra=1)], ["mp-x", "extra"])
        self.refused([dict(GOOD, description="short")], ["mp-x", "description"])
        self.refused([dict(GOOD, survives={"kind": "boring", "reason": "x" * 30})],
                     ["mp-x", "survives"])
        self.refused([dict(GOOD, survives={"kind": "equivalent"})], ["mp-x", "survives"])

    def test_a_find_text_must_occur_exactly_once(self):
        with tempfile.TemporaryDirectory() as tree:
            os.makedirs(os.path.join(tree, "impl/src"))
            with open(os.path.join(tree, "impl/src/x.cpp"), "w") as f:
                f.write("int f() { return 1; }\nint g() { return 1; }\n")
            errors = run.check_applies([GOOD, dict(GOOD, name="mp-y", file="impl/src/y.cpp")],
                                       tree)
        self.assertIn("occurs 2 times", errors[0])
        self.assertIn("cannot read impl/src/y.cpp", errors[1])


class FakeScratch(run.Scratch):
    """A scratch copy whose build and suite are stand-ins: what try_mutant does to the file."""

    def __init__(self, path, build_fails=False, suite_rc=1):
        super().__init__(path, 1)
        self.build_fails = build_fails
        self.suite_rc = suite_rc
        self.seen = None

    def ninja(self, targets):
        with open(os.path.join(self.src, "impl/src/x.cpp"), encoding="utf-8") as f:
            self.seen = f.read()
        if self.build_fails == "raise":
            raise KeyboardInterrupt
        return 1 if self.build_fails else 0

    def suite(self, results, first_only=False, tiers=()):
        return self.suite_rc, ["0001:FAIL"] if self.suite_rc == 1 else []


class ApplyAndRevert(unittest.TestCase):
    ORIGINAL = "int f() {\n  return 1;\n}\n"

    def tree(self, d):
        os.makedirs(os.path.join(d, "src/impl/src"))
        path = os.path.join(d, "src/impl/src/x.cpp")
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.ORIGINAL)
        return path

    def check(self, build_fails, suite_rc, verdict):
        with tempfile.TemporaryDirectory() as d:
            path = self.tree(d)
            scratch = FakeScratch(d, build_fails, suite_rc)
            row = scratch.try_mutant(GOOD, True, [])
            self.assertEqual(row["verdict"], verdict)
            self.assertEqual(scratch.seen, "int f() {\n  return 2;\n}\n")  # built mutated
            with open(path, encoding="utf-8") as f:
                self.assertEqual(f.read(), self.ORIGINAL)  # and reverted

    def test_killed_survived_compile_error(self):
        self.check(False, 1, "killed")
        self.check(False, 0, "survived")
        self.check(True, 0, "compile-error")
        self.check(False, 2, "error")

    def test_reverted_when_interrupted(self):
        with tempfile.TemporaryDirectory() as d:
            path = self.tree(d)
            with self.assertRaises(KeyboardInterrupt):
                FakeScratch(d, "raise").try_mutant(GOOD, True, [])
            with open(path, encoding="utf-8") as f:
                self.assertEqual(f.read(), self.ORIGINAL)

    def test_the_real_mutants_apply_and_revert_on_a_copy(self):
        # Two cheap ones, on copies of their files: mutated exactly at one spot.
        mutants = {m["name"]: m for m in run.load_mutants()}
        for name in ("mp-start-twice-message", "os-wifexited-8bit"):
            m = mutants[name]
            with open(os.path.join(run.ROOT, m["file"]), encoding="utf-8") as f:
                original = f.read()
            mutated = run.mutate(original, m)
            self.assertNotEqual(mutated, original)
            self.assertEqual(mutated.replace(m["replace"], m["find"], 1), original)


class ScratchPlace(unittest.TestCase):
    def test_the_scratch_copy_is_never_inside_the_tree(self):
        with self.assertRaises(SystemExit) as caught:
            run.Scratch(os.path.join(run.ROOT, "build", "mut"), 1).prepare(run.ROOT)
        self.assertIn("outside", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
