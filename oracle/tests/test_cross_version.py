"""cross_version.py: a case that could not run (timed out, crashed) is run once
more before anything is recorded about it, and the report says so."""

import unittest

import support  # puts oracle/ on sys.path
import cross_version


class FakeGenerate:
    """Stands for generate.py: writes an expected file for each case, except
    that a case fails as many times as ``failures`` says."""

    def __init__(self, failures):
        self.failures = dict(failures)
        self.calls = []

    def __call__(self, python, outdir, cases=()):
        self.calls.append(list(cases))
        failed = {}
        for case_id in cases or ("0001", "0002", "0003"):
            if self.failures.get(case_id, 0) > 0:
                self.failures[case_id] -= 1
                failed[case_id] = "timed out after 30 s"
                continue
            support.write_json(outdir, case_id + ".json",
                               {"case": case_id, "streams": {"main": []}})
        return failed


class RerunTest(unittest.TestCase):
    def test_a_case_that_fails_once_is_rerun_and_kept(self):
        fake = FakeGenerate({"0002": 1})
        streams, failures, reran = cross_version.run_version("python3", fake)
        self.assertEqual(fake.calls, [[], ["0002"]])  # the suite, then 0002 alone
        self.assertEqual(sorted(streams), ["0001", "0002", "0003"])
        self.assertEqual(failures, {})
        self.assertEqual(reran, ["0002"])

    def test_a_case_that_fails_twice_could_not_run(self):
        fake = FakeGenerate({"0002": 2, "0003": 1})
        streams, failures, reran = cross_version.run_version("python3", fake)
        self.assertEqual(fake.calls, [[], ["0002", "0003"]])
        self.assertEqual(sorted(streams), ["0001", "0003"])
        self.assertEqual(list(failures), ["0002"])
        self.assertEqual(reran, ["0002", "0003"])

    def test_nothing_is_rerun_when_nothing_failed(self):
        fake = FakeGenerate({})
        _, failures, reran = cross_version.run_version("python3", fake)
        self.assertEqual(fake.calls, [[]])
        self.assertEqual((failures, reran), ({}, []))

    def test_the_report_names_reruns_and_failures_without_paths(self):
        results = [("3.99.0", {}, 3, {"0002": "timed out after 30 s"}, ["0002", "0003"])]
        text = cross_version.render("3.11.7", results, {"0002": ("t", ["MP-001"])})
        self.assertIn("run once more", text)  # the rule, stated once
        self.assertIn("| 3.99.0 | 3 | 0 (1 failed twice; 2 rerun) |", text)
        self.assertIn("0003", text)
        self.assertIn("could not run: case 0002 (MP-001) — t: failed twice; "
                      "timed out after 30 s", text)

    def test_reasons_are_read_from_generate_without_the_path(self):
        line = ("FAILED 0229 (/work/x/conformance/cases/0229.json): timed out after "
                "30 s; its process group was killed")
        self.assertEqual(cross_version.failed_cases(["wrote x", line, "1 failed"]),
                         {"0229": "timed out after 30 s; its process group was killed"})

    def test_unsupported_cases_did_not_run(self):
        line = ("UNSUPPORTED 0235 (/work/x/conformance/cases/0235.json): steps[4]: "
                "signal SIGSTKFLT does not exist on this platform")
        self.assertEqual(cross_version.failed_cases([line]), {
            "0235": "unsupported: steps[4]: signal SIGSTKFLT does not exist on this "
                    "platform"})


if __name__ == "__main__":
    unittest.main()
