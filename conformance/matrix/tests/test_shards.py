"""shards.py (run.py --merge): the shards of one run joined into that run's
results, and every way shards can fail to make one run refused by name."""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import shards  # noqa: E402

SELECTION = ["0001", "0002", "0003", "0004", "0005"]


def line(case_id, outcome="PASS"):
    return {"id": case_id, "title": "case " + case_id, "outcome": outcome,
            "seconds": 0.1, "actual": {"main": [{"value": int(case_id)}]}}


class MergeTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def shard(self, k, n, cases, impls=("a", "b"), status="ran", **meta_extra):
        """A run.py --out of shard k/n that ran ``cases`` (a list per
        implementation, or one list for all)."""
        out = os.path.join(self.tmp, "shard%d-%d-%d" % (k, n, len(os.listdir(self.tmp))))
        results = os.path.join(out, "results")
        os.makedirs(results)
        entries = []
        for impl in impls:
            ran = cases[impl] if isinstance(cases, dict) else cases
            entry = {"id": impl, "label": impl.upper(), "command": [impl], "status": status,
                     "start_method": "fork"}
            if status == "ran":
                with open(os.path.join(results, impl + ".jsonl"), "w") as f:
                    for c in ran:
                        f.write(json.dumps(line(c)) + "\n")
                with open(os.path.join(results, impl + ".log"), "w") as f:
                    f.write("log of %s on shard %d\n" % (impl, k))
                entry.update(results=impl + ".jsonl", exit_status=0, wall_seconds=1.5,
                             identity={"name": impl})
            else:
                entry["reason"] = "not here"
            entries.append(entry)
        meta = {"started": "2026-01-01 00:00:0%d UTC" % k,
                "finished": "2026-01-01 00:01:0%d UTC" % k, "commit": "abc",
                "machine": "m%d" % k, "case_count": len(SELECTION), "only": [], "jobs": 2,
                "selection": SELECTION, "implementations": entries,
                "shard": {"index": k, "count": n, "cases": list(cases)}}
        meta.update(meta_extra)
        with open(os.path.join(results, "run.json"), "w") as f:
            json.dump(meta, f)
        return out

    def merged_lines(self, out, impl):
        with open(os.path.join(out, "results", impl + ".jsonl")) as f:
            return [json.loads(t) for t in f]

    def test_the_shards_join_into_one_run_in_case_order(self):
        parts = [self.shard(1, 3, ["0001", "0004"]), self.shard(2, 3, ["0002", "0005"]),
                 self.shard(3, 3, ["0003"])]
        out = os.path.join(self.tmp, "joined")
        meta = shards.merge(list(reversed(parts)), out)  # any order of arguments
        for impl in ("a", "b"):
            self.assertEqual(self.merged_lines(out, impl), [line(c) for c in SELECTION])
        self.assertEqual(meta["selection"], SELECTION)
        self.assertEqual(meta["case_count"], 5)
        self.assertEqual(meta["merged_shards"], 3)
        self.assertEqual(meta["machine"], "m1; m2; m3")
        self.assertEqual(meta["started"], "2026-01-01 00:00:01 UTC")
        a = meta["implementations"][0]
        self.assertEqual((a["id"], a["status"], a["results"], a["wall_seconds"]),
                         ("a", "ran", "a.jsonl", 4.5))
        self.assertEqual(a["shard_wall_seconds"], [1.5, 1.5, 1.5])
        with open(os.path.join(out, "results", "a.log")) as f:
            self.assertIn("log of a on shard 3", f.read())

    def test_one_unsharded_run_merges_into_itself(self):
        out = os.path.join(self.tmp, "joined")
        part = self.shard(1, 1, SELECTION)
        shards.merge([os.path.join(part, "results")], out)  # results/ itself will do
        self.assertEqual(self.merged_lines(out, "b"), [line(c) for c in SELECTION])

    def test_a_skipped_implementation_stays_skipped(self):
        parts = [self.shard(1, 2, ["0001", "0003", "0005"], status="skipped"),
                 self.shard(2, 2, ["0002", "0004"], status="skipped")]
        meta = shards.merge(parts, os.path.join(self.tmp, "joined"))
        self.assertEqual([e["status"] for e in meta["implementations"]], ["skipped"] * 2)

    def refused(self, parts, *fragments):
        with self.assertRaises(shards.MergeError) as e:
            shards.merge(parts, os.path.join(self.tmp, "joined"))
        for fragment in fragments:
            self.assertIn(fragment, str(e.exception))
        return str(e.exception)

    def test_a_missing_shard(self):
        self.refused([self.shard(1, 3, ["0001", "0004"]), self.shard(3, 3, ["0003"])],
                     "shard 2/3 of 3 is missing")

    def test_a_shard_given_twice(self):
        one = self.shard(1, 2, ["0001", "0003", "0005"])
        again = self.shard(1, 2, ["0001", "0003", "0005"])
        self.refused([one, again, self.shard(2, 2, ["0002", "0004"])],
                     "shard 1/2 is given twice", one, again)

    def test_shards_of_different_counts_or_runs(self):
        self.refused([self.shard(1, 2, ["0001"]), self.shard(2, 3, ["0002"])],
                     "is shard 2/3 but", "is one of 2")
        self.refused([self.shard(1, 2, ["0001", "0003", "0005"]),
                      self.shard(2, 2, ["0002", "0004"], commit="def")],
                     "differ in their commit", "shards of different runs")
        self.refused([self.shard(1, 2, ["0001", "0003", "0005"]),
                      self.shard(2, 2, ["0002", "0004"], impls=("a",))],
                     "ran different implementations (a, b / a)")

    def test_a_case_in_two_shards_or_in_none(self):
        self.refused([self.shard(1, 2, ["0001", "0002", "0003"]),
                      self.shard(2, 2, ["0002", "0004", "0005"])],
                     "a: case 0002 is in two shards")
        self.refused([self.shard(1, 2, ["0001", "0003"]),
                      self.shard(2, 2, {"a": ["0002", "0004", "0005"], "b": ["0002"]})],
                     "b: case(s) 0004, 0005 are in no shard's results")
        self.refused([self.shard(1, 2, ["0001", "0003", "0005", "0009"]),
                      self.shard(2, 2, ["0002", "0004"])],
                     "a: case(s) 0009 are not in the run's selection")

    def test_an_implementation_that_ran_on_some_shards_only(self):
        self.refused([self.shard(1, 2, ["0001", "0003", "0005"]),
                      self.shard(2, 2, ["0002", "0004"], status="skipped")],
                     "a ran on some shards and not on others", "skipped")

    def test_not_a_shard(self):
        self.refused([self.tmp + "/nothing"], "no run.json of a run.py --out")
        old = self.shard(1, 1, SELECTION)
        with open(os.path.join(old, "results", "run.json")) as f:
            meta = json.load(f)
        del meta["selection"]
        with open(os.path.join(old, "results", "run.json"), "w") as f:
            json.dump(meta, f)
        self.refused([old], "without --shard support")

    def test_the_output_may_not_be_a_shard(self):
        part = self.shard(1, 1, SELECTION)
        with self.assertRaises(shards.MergeError) as e:
            shards.merge([part], part)
        self.assertIn("is one of the shards", str(e.exception))


if __name__ == "__main__":
    unittest.main()
