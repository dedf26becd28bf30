"""Scope: an implementation that provides only some modules is judged only on
the cases that exercise one of them (oracle/scope.py, run.py, shards.py)."""

import argparse
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import run  # noqa: E402
import scope  # noqa: E402  (oracle/, on the path through run.py)
import shards  # noqa: E402
import test_shards  # noqa: E402


def case(*steps):
    return {"id": "0001", "title": "t", "clauses": ["X-1"], "steps": list(steps)}


class ModulesOfTest(unittest.TestCase):
    def test_each_module_by_what_names_it(self):
        self.assertEqual(scope.modules_of(case({"op": "new", "proc": "p", "target": []})),
                         ["multiprocessing"])
        self.assertEqual(scope.modules_of(case({"op": "active_children"})), ["multiprocessing"])
        self.assertEqual(scope.modules_of(case({"op": "call", "function": "os.getpid"})), ["os"])
        self.assertEqual(scope.modules_of(case({"op": "fork", "child": []})), ["os"])
        self.assertEqual(scope.modules_of(case(
            {"op": "call", "function": "subprocess.run",
             "kwargs": {"stdout": {"const": "subprocess.PIPE"}}})), ["subprocess"])

    def test_a_constant_deep_inside_a_child_counts(self):
        nested = {"op": "new", "proc": "p", "target": [
            {"op": "call", "function": "os.waitpid",
             "args": [-1, {"const": "os.WNOHANG"}]}]}
        self.assertEqual(scope.modules_of(case(nested)), ["multiprocessing", "os"])

    def test_a_string_value_that_merely_mentions_a_module_does_not_count_alone(self):
        # "os." must begin the string: a title or a message is not a use.
        self.assertEqual(scope.modules_of(case({"op": "call", "function": "signal.signal",
                                                "args": ["the os. module"]})), [])

    def test_every_case_of_the_suite_exercises_some_module(self):
        for case_id, used in scope.case_modules().items():
            self.assertTrue(used, "case %s exercises none of %s" % (case_id, scope.MODULES))

    def test_in_scope(self):
        c = case({"op": "call", "function": "os.getpid"})
        self.assertTrue(scope.in_scope(c, None))
        self.assertTrue(scope.in_scope(c, ["os", "subprocess"]))
        self.assertFalse(scope.in_scope(c, ["multiprocessing"]))


class ImplementationScopeTest(unittest.TestCase):
    def test_modules_given_are_the_scope_else_everything(self):
        self.assertEqual(run.implementation_scope(
            argparse.Namespace(modules={"subprocess": "gevent.subprocess", "os": "gevent.os"})),
            ["os", "subprocess"])
        self.assertIsNone(run.implementation_scope(argparse.Namespace(modules={})))
        self.assertIsNone(run.implementation_scope(argparse.Namespace()))


class MergeOutOfScopeTest(unittest.TestCase):
    # test_shards' scratch shards, without running its tests a second time.
    setUp = test_shards.MergeTest.setUp
    shard = test_shards.MergeTest.shard
    merged_lines = test_shards.MergeTest.merged_lines

    def out_of_scope(self, path, impl, ids):
        with open(os.path.join(path, "results", "run.json")) as f:
            meta = json.load(f)
        for entry in meta["implementations"]:
            if entry["id"] == impl:
                entry["out_of_scope"] = ids
        with open(os.path.join(path, "results", "run.json"), "w") as f:
            json.dump(meta, f)

    def test_cases_outside_the_scope_are_not_missing(self):
        parts = [self.shard(1, 2, {"a": ["0001", "0003"], "b": ["0001", "0003"]}),
                 self.shard(2, 2, {"a": ["0002", "0004", "0005"], "b": ["0004"]})]
        for part in parts:
            self.out_of_scope(part, "b", ["0002", "0005"])
        out = os.path.join(self.tmp, "joined")
        shards.merge(parts, out)
        self.assertEqual([r["id"] for r in self.merged_lines(out, "b")],
                         ["0001", "0003", "0004"])
        self.assertEqual(len(self.merged_lines(out, "a")), 5)

    def test_a_result_for_a_case_outside_the_scope_is_refused(self):
        parts = [self.shard(1, 1, {"a": ["0001", "0002", "0003", "0004", "0005"],
                                   "b": ["0001", "0002", "0003", "0004", "0005"]})]
        self.out_of_scope(parts[0], "b", ["0002"])
        with self.assertRaisesRegex(shards.MergeError, "b: case\\(s\\) 0002 are not in"):
            shards.merge(parts, os.path.join(self.tmp, "joined"))


if __name__ == "__main__":
    unittest.main()
