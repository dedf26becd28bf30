"""run.py --previous: the report compares this run with an earlier one."""

import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import run  # noqa: E402
import test_shards  # noqa: E402


class PreviousRunTest(unittest.TestCase):
    # test_shards' scratch runs (one shard of one is a whole run).
    setUp = test_shards.MergeTest.setUp
    shard = test_shards.MergeTest.shard

    def run_of(self, *cases):
        """A whole run as run.py writes it (one shard of one)."""
        path = self.shard(1, 1, list(cases) or test_shards.SELECTION)
        meta_file = os.path.join(path, "results", "run.json")
        with open(meta_file) as f:
            meta = json.load(f)
        for entry in meta["implementations"]:
            entry.update(expected_dir="conformance/expected", python_version="3.11")
        with open(meta_file, "w") as f:
            json.dump(meta, f)
        return path

    def main(self, *argv):
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            status = run.main(list(argv))
        return status, err.getvalue()

    def with_outcome(self, path, impl, case_id, outcome):
        jsonl = os.path.join(path, "results", impl + ".jsonl")
        with open(jsonl) as f:
            lines = [json.loads(t) for t in f]
        for line in lines:
            if line["id"] == case_id:
                line["outcome"] = outcome
        with open(jsonl, "w") as f:
            f.writelines(json.dumps(line) + "\n" for line in lines)

    def test_the_report_marks_what_changed_since_the_previous_run(self):
        before, now = self.run_of(), self.run_of()
        self.with_outcome(before, "a", "0001", "FAIL")   # fixed since
        self.with_outcome(now, "a", "0002", "FAIL")      # a new failure
        old_out, new_out = (os.path.join(self.tmp, n) for n in ("old", "new"))
        self.assertEqual(self.main("--merge", before, "--out", old_out)[0], 0)
        status, err = self.main("--merge", now, "--out", new_out, "--previous", old_out)
        self.assertEqual(status, 0, err)
        with open(os.path.join(new_out, "report", "index.html")) as f:
            index = f.read()
        row = lambda case_id: index[index.index("id=\"case-%s\"" % case_id):][:2000]
        self.assertIn("class=\"change fixed\"", row("0001").split("</tr>")[0])
        self.assertIn("class=\"change new-failure\"", row("0002").split("</tr>")[0])
        self.assertNotIn("class=\"change", row("0003").split("</tr>")[0])

    def test_a_previous_run_that_is_not_one_or_is_this_one_is_refused(self):
        status, err = self.main("--merge", self.run_of(),
                                "--out", os.path.join(self.tmp, "x"), "--previous", self.tmp)
        self.assertEqual(status, 2)
        self.assertIn("--previous %s: no run.json there" % self.tmp, err)
        out = os.path.join(self.tmp, "same")
        self.main("--merge", self.run_of(), "--out", out)
        status, err = self.main("--merge", self.run_of(),
                                "--out", out, "--previous", out)
        self.assertEqual(status, 2)
        self.assertIn("is this run's own --out", err)


if __name__ == "__main__":
    unittest.main()
