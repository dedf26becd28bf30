"""A made-up matrix run over real cases, reported: what the report tests
share. ``ReportFixture.write_run`` writes one results file per
implementation and run.json as run.py would, then runs report.py on them."""

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


def expected_streams(case_id):
    with open(os.path.join(ROOT, "conformance", "expected", case_id + ".json")) as f:
        return json.load(f)["streams"]


class ReportFixture(unittest.TestCase):
    """``self.run`` and ``self.out`` once a test's setUp has called write_run."""

    def write_run(self, rows_by_implementation, only, extra_entries=(), **meta):
        """``rows_by_implementation``: id -> the JSON lines of its runner
        (each row gains a title, a duration and an identity)."""
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        results = os.path.join(self.tmp, "results")
        os.mkdir(results)
        entries = []
        for ident, rows in rows_by_implementation.items():
            with open(os.path.join(results, ident + ".jsonl"), "w") as f:
                for row in rows:
                    row.update(title="t", seconds=0.5, implementation={"name": ident})
                    f.write(json.dumps(row) + "\n")
            entries.append({"id": ident, "label": "Impl " + ident, "command": ["drv", ident],
                            "status": "ran", "results": ident + ".jsonl",
                            "expected_dir": "conformance/expected", "wall_seconds": 12.3,
                            "identity": {"name": ident}})
        run_meta = {"finished": "2024-01-01 00:00:00 UTC", "commit": "abc1234",
                    "machine": "Linux test", "case_count": len(only), "only": list(only),
                    "implementations": entries + list(extra_entries)}
        run_meta.update(meta)
        with open(os.path.join(results, "run.json"), "w") as f:
            json.dump(run_meta, f)
        self.out = os.path.join(self.tmp, "report")
        self.run = report.write_report(results, self.out, ROOT)

    def read(self, name):
        with open(os.path.join(self.out, name), encoding="utf-8") as f:
            return f.read()
