"""Tests of lint_cases.py: each kind of error it must catch, in a temp tree.

    python3 -m unittest conformance/tools/test_lint_cases.py
    (or: python3 conformance/tools/test_lint_cases.py)
"""

import io
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import lint_cases  # noqa: E402
import casefile  # noqa: E402  (oracle/, put on sys.path by lint_cases)

SPEC = """\
# Test clauses

### MP-001 — one

Statement.

### MP-002 — two

Statement.

### MP-003 — Windows only

Statement.

Status: not-applicable — Windows only.

### MP-004 — cannot be shown

Statement.

Status: not-expressible — no op for it.

### MP-005 — retired

Statement.

Status: withdrawn — merged into MP-001.
"""

RUNNING = [{"op": "notify", "event": "ready"}, {"op": "await", "event": "go"}]


def good_case(cid="0001", clauses=("MP-001", "MP-002")):
    return {
        "id": cid,
        "title": "a running child is alive",
        "clauses": list(clauses),
        "steps": [
            {"op": "new", "proc": "p", "target": RUNNING},
            {"op": "start", "proc": "p"},
            {"op": "await", "event": "ready"},
            {"op": "is_alive", "proc": "p"},
            {"op": "notify", "event": "go"},
            {"op": "join", "proc": "p"},
        ],
    }


class LintTestCase(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="lint-cases-test-")
        os.makedirs(os.path.join(self.root, "spec"))
        os.makedirs(os.path.join(self.root, "conformance", "cases"))
        self.write_spec(SPEC)

    def tearDown(self):
        shutil.rmtree(self.root)

    # -- helpers ----------------------------------------------------------
    def write_spec(self, text, name="clauses.md"):
        with open(os.path.join(self.root, "spec", name), "w", encoding="utf-8") as f:
            f.write(text)

    def write_case(self, case, name=None, raw=None):
        if name is None:
            name = case["id"] + ".json"
        path = os.path.join(self.root, "conformance", "cases", name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(raw if raw is not None else json.dumps(case, indent=2))
        return path

    def lint(self, files=None):
        out = io.StringIO()
        n = lint_cases.lint(self.root, files, out=out)
        lines = out.getvalue().splitlines()
        self.assertEqual(n, len(lines))
        return lines

    def lint_steps(self, steps, **extra):
        case = good_case()
        case["steps"] = steps
        case.update(extra)
        self.write_case(case)
        return self.lint()

    def assertError(self, lines, expected):
        self.assertIn(expected, lines, "\n".join(lines) or "(no errors)")

    # -- the baseline -----------------------------------------------------
    def test_clean_suite_has_no_errors(self):
        self.write_case(good_case())
        self.assertEqual(self.lint(), [])

    def test_retired_number_is_not_reused(self):
        with open(os.path.join(self.root, "conformance", "retired.json"), "w") as f:
            json.dump({"0001": "tested the driver, not Process"}, f)
        self.write_case(good_case())
        self.assertError(self.lint(), "conformance/cases/0001.json: id: case number 0001 "
                         "is retired (tested the driver, not Process); numbers are never "
                         "reused: take the next free one")

    # -- §2 case keys -----------------------------------------------------
    def test_invalid_json(self):
        self.write_case(None, name="0001.json", raw="{not json")
        lines = self.lint()
        self.assertTrue(any(l.startswith("conformance/cases/0001.json: not valid JSON")
                            for l in lines), lines)

    def test_duplicate_key(self):
        raw = '{"id": "0001", "id": "0001", "title": "t", "clauses": ["MP-001"], "steps": []}'
        self.write_case(None, name="0001.json", raw=raw)
        self.assertError(self.lint(), 'conformance/cases/0001.json: duplicate key "id"')

    def test_missing_required_key(self):
        case = good_case()
        del case["title"]
        self.write_case(case)
        self.assertError(self.lint(), 'conformance/cases/0001.json: missing key "title"')

    def test_unknown_case_key(self):
        case = good_case()
        case["expect"] = []
        self.write_case(case)
        self.assertError(self.lint(), 'conformance/cases/0001.json: expect: unknown key "expect"')

    def test_id_must_equal_stem(self):
        self.write_case(good_case("0002"), name="0001.json")
        self.assertError(self.lint(), 'conformance/cases/0001.json: id: "0002" does not '
                                      'equal the file\'s stem "0001"')

    def test_bad_file_name(self):
        self.write_case(good_case("0001"), name="case1.json")
        lines = self.lint()
        self.assertError(lines, "conformance/cases/case1.json: a case file is named "
                                "NNNN.json (four or more digits)")

    def test_bad_timeout(self):
        case = good_case()
        case["timeout"] = 0
        self.write_case(case)
        self.assertError(self.lint(), "conformance/cases/0001.json: timeout: must be a "
                                      "number of seconds above 0 and at most 600")

    def test_absurd_timeouts(self):
        for timeout in (1e300, 601, -1):
            case = good_case()
            case["timeout"] = timeout
            self.write_case(case)
            self.assertError(self.lint(), "conformance/cases/0001.json: timeout: must be a "
                                          "number of seconds above 0 and at most 600")

    def test_nan_and_infinity_are_not_json(self):
        for constant in ("Infinity", "NaN"):
            case = good_case()
            self.write_case(case, raw=json.dumps(case).replace(
                '"steps"', '"timeout": %s, "steps"' % constant))
            lines = self.lint()
            self.assertTrue(any("%s is not JSON" % constant in line for line in lines), lines)

    # -- clauses and traceability -----------------------------------------
    def test_empty_clauses(self):
        self.write_case(good_case(clauses=()))
        self.assertError(self.lint(), "conformance/cases/0001.json: clauses: must be a "
                                      "non-empty array of clause ids")

    def test_unknown_clause(self):
        self.write_case(good_case(clauses=("MP-001", "MP-002", "MP-999")))
        self.assertError(self.lint(), 'conformance/cases/0001.json: clauses[2]: clause '
                                      '"MP-999" does not exist in spec/')

    def test_malformed_clause_id(self):
        self.write_case(good_case(clauses=("MP-001", "MP-002", "mp1")))
        self.assertError(self.lint(), 'conformance/cases/0001.json: clauses[2]: "mp1" is '
                                      'not a clause id like "MP-001"')

    def test_clause_not_cited(self):
        self.write_case(good_case(clauses=("MP-001",)))
        lines = self.lint()
        self.assertError(lines, 'spec/clauses.md: MP-002: clause is not cited by any case '
                                '(cite it, or mark it "Status: not-applicable" or '
                                '"Status: not-expressible")')
        # exempt clauses need no case
        self.assertFalse(any(c in l for l in lines for c in ("MP-003", "MP-004", "MP-005")),
                         lines)

    def test_citing_a_not_applicable_clause(self):
        self.write_case(good_case(clauses=("MP-001", "MP-002", "MP-003")))
        self.assertError(self.lint(), 'conformance/cases/0001.json: clauses[2]: clause '
                                      '"MP-003" is marked not-applicable')

    def test_citing_a_withdrawn_clause(self):
        self.write_case(good_case(clauses=("MP-001", "MP-002", "MP-005")))
        self.assertError(self.lint(), 'conformance/cases/0001.json: clauses[2]: clause '
                                      '"MP-005" is marked withdrawn')

    def test_repeated_clause_heading(self):
        self.write_spec(SPEC + "\n### MP-001 — again\n\nStatement.\n")
        self.write_case(good_case())
        lines = self.lint()
        self.assertTrue(any(l.startswith("spec/clauses.md: MP-001: clause heading repeated")
                            for l in lines), lines)

    def test_clauses_found_in_any_spec_file(self):
        self.write_spec("### XY-001 — other file\n\nStatement.\n", name="other.md")
        self.write_case(good_case(clauses=("MP-001", "MP-002", "XY-001")))
        self.assertEqual(self.lint(), [])

    def test_traceability_skipped_for_single_files(self):
        path = self.write_case(good_case(clauses=("MP-001",)))
        self.assertEqual(self.lint([path]), [])

    # -- §4 ops and keys --------------------------------------------------
    def test_unknown_op_in_target(self):
        steps = [{"op": "new", "proc": "p", "target": [{"op": "exti"}]},
                 {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"}]
        lines = self.lint_steps(steps)
        self.assertError(lines, 'conformance/cases/0001.json: steps[0].target[0]: '
                                'unknown op "exti"')

    def test_missing_op(self):
        self.assertError(self.lint_steps([{"proc": "p"}]),
                         'conformance/cases/0001.json: steps[0]: missing key "op"')

    def test_missing_required_key_of_op(self):
        steps = [{"op": "new", "proc": "p"}, {"op": "get", "proc": "p"}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[1]: op "get" needs key "attr"')

    def test_unknown_key_of_op(self):
        steps = [{"op": "new", "proc": "p"}, {"op": "start", "proc": "p", "timeout": 1}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[1].timeout: unknown key '
                         '"timeout" for op "start"')

    def test_setup_true_is_accepted_on_any_step_at_any_depth(self):
        steps = [{"op": "new", "proc": "p", "setup": True, "target": [
                     {"op": "notify", "event": "ready", "setup": True},
                     {"op": "await", "event": "go", "setup": True}]},
                 {"op": "start", "proc": "p", "setup": True},
                 {"op": "await", "event": "ready", "setup": True},
                 {"op": "is_alive", "proc": "p"},
                 {"op": "notify", "event": "go", "setup": True},
                 {"op": "fork", "proc": "c", "setup": True, "child": [
                     {"op": "call", "function": "os.getpid", "setup": True}]},
                 {"op": "call", "function": "os.waitpid", "args": [{"var": "c"}, 0],
                  "setup": True},
                 {"op": "join", "proc": "p", "setup": True}]
        self.assertEqual(self.lint_steps(steps), [])

    def test_setup_must_be_true(self):
        for value in (False, None, 1, "true", [True]):
            with self.subTest(value=value):
                steps = [{"op": "new", "proc": "p", "target": [
                             {"op": "notify", "event": "e", "setup": value}]},
                         {"op": "start", "proc": "p", "setup": value},
                         {"op": "await", "event": "e"}]
                lines = self.lint_steps(steps)
                message = ("must be true (leave it out for a step that checks the "
                           "case's clauses)")
                self.assertError(lines, "conformance/cases/0001.json: "
                                        "steps[0].target[0].setup: " + message)
                self.assertError(lines, "conformance/cases/0001.json: steps[1].setup: "
                                        + message)
                self.assertEqual(len(lines), 2, lines)

    def test_unknown_get_attr(self):
        steps = [{"op": "new", "proc": "p"}, {"op": "get", "proc": "p", "attr": "exit_code"}]
        lines = self.lint_steps(steps)
        self.assertTrue(any(l.startswith('conformance/cases/0001.json: steps[1].attr: '
                                         'unknown attr "exit_code" for get') for l in lines),
                        lines)

    def test_attr_not_settable(self):
        steps = [{"op": "new", "proc": "p"},
                 {"op": "set", "proc": "p", "attr": "pid", "value": 1}]
        lines = self.lint_steps(steps)
        self.assertTrue(any(l.startswith('conformance/cases/0001.json: steps[1].attr: '
                                         'unknown attr "pid" for set') for l in lines), lines)

    def test_bad_value_object(self):
        steps = [{"op": "new", "proc": "p"},
                 {"op": "set", "proc": "p", "attr": "authkey", "value": {"hex": "00"}}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[1].value: the only object '
                         'allowed in a value is {"bytes": "<hex>"}')

    def test_bad_hex(self):
        steps = [{"op": "new", "proc": "p"},
                 {"op": "set", "proc": "p", "attr": "authkey", "value": {"bytes": "abc"}}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[1].value.bytes: "abc" is not '
                         'an even-length hex string')

    def test_target_and_run_exclusive(self):
        steps = [{"op": "new", "proc": "p", "target": [], "run": []}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[0]: "target" and "run" are '
                         'exclusive')

    def test_bad_new_values(self):
        steps = [{"op": "new", "proc": "p", "name": 3, "daemon": "yes", "class": "no such"}]
        lines = self.lint_steps(steps)
        self.assertError(lines, "conformance/cases/0001.json: steps[0].name: must be a string")
        self.assertError(lines, "conformance/cases/0001.json: steps[0].daemon: must be true, "
                                "false or null")
        self.assertError(lines, "conformance/cases/0001.json: steps[0].class: must be a class "
                                "name (an identifier)")

    def test_bad_timeouts(self):
        steps = [{"op": "new", "proc": "p"},
                 {"op": "join", "proc": "p", "timeout": "1"},
                 {"op": "sentinel_ready", "proc": "p", "timeout": None}]
        lines = self.lint_steps(steps)
        self.assertError(lines, "conformance/cases/0001.json: steps[1].timeout: must be a "
                                "number or null")
        self.assertError(lines, "conformance/cases/0001.json: steps[2].timeout: must be a "
                                "number")

    def test_bad_ending_op_values(self):
        target = [{"op": "raise", "type": "OSError", "message": 1}]
        steps = [{"op": "new", "proc": "p", "target": target},
                 {"op": "new", "proc": "q", "target": [{"op": "os_exit", "code": "3"}]},
                 {"op": "new", "proc": "r", "target": [{"op": "signal_self", "signal": "usr1"}]},
                 {"op": "new", "proc": "s", "target": [{"op": "exit", "code": {"n": 1}}]}]
        lines = self.lint_steps(steps)
        self.assertTrue(any(l.startswith('conformance/cases/0001.json: steps[0].target[0].type: '
                                         'unknown exception type "OSError"') for l in lines),
                        lines)
        self.assertError(lines, "conformance/cases/0001.json: steps[0].target[0].message: must "
                                "be a string")
        self.assertError(lines, "conformance/cases/0001.json: steps[1].target[0].code: must be "
                                "an integer")
        self.assertError(lines, 'conformance/cases/0001.json: steps[2].target[0].signal: "usr1" '
                                'is not a signal name (a name of CPython\'s signal module on '
                                'Linux such as "SIGUSR1", or "SIGRTMIN+N" / "SIGRTMAX-N" with '
                                '1 <= N <= 30)')
        self.assertError(lines, "conformance/cases/0001.json: steps[3].target[0].code: must be "
                                "null, an integer, a boolean or a string")

    def test_ending_op_in_main(self):
        lines = self.lint_steps([{"op": "exit", "code": 1}])
        self.assertTrue(any(l.startswith('conformance/cases/0001.json: steps[0]: op "exit" ends '
                                         'the process running it') for l in lines), lines)

    def test_step_after_ending_op(self):
        target = [{"op": "exit", "code": 1}, {"op": "parent_is_none"}]
        steps = [{"op": "new", "proc": "p", "target": target},
                 {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[0].target[1]: unreachable: '
                         'steps[0].target[0] ("exit") ends the process before this step')

    def test_signal_aliases_and_real_time_offsets(self):
        target = [{"op": "ignore_signal", "signal": name}
                  for name in ("SIGIOT", "SIGIO", "SIGPOLL", "SIGCLD", "SIGRTMIN", "SIGRTMIN+3",
                               "SIGRTMAX-1", "SIGRTMAX")]
        steps = [{"op": "new", "proc": "p", "target": target + [{"op": "signal_self",
                                                                 "signal": "SIGRTMIN+31"}]},
                 {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"}]
        lines = self.lint_steps(steps)
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith('conformance/cases/0001.json: steps[0].target[8].signal: '
                                            '"SIGRTMIN+31" is not a signal name'), lines)

    def test_steps_may_follow_signal_self(self):
        target = [{"op": "signal_self", "signal": "SIGCHLD"}, {"op": "parent_is_none"}]
        steps = [{"op": "new", "proc": "p", "target": target},
                 {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"}]
        self.assertEqual(self.lint_steps(steps), [])

    # -- §4.1 capture_stderr, stderr and wait -----------------------------
    def test_stderr_and_wait_accepted(self):
        steps = [{"op": "new", "proc": "p", "capture_stderr": True,
                  "target": [{"op": "raise", "type": "ValueError", "message": "m"}]},
                 {"op": "new", "proc": "q", "target": RUNNING},
                 {"op": "start", "proc": "p"}, {"op": "start", "proc": "q"},
                 {"op": "await", "event": "ready"},
                 {"op": "wait", "procs": ["p"]},
                 {"op": "wait", "procs": ["p", "q"], "timeout": 0},
                 {"op": "notify", "event": "go"},
                 {"op": "join", "proc": "p"}, {"op": "join", "proc": "q"},
                 {"op": "stderr", "proc": "p"}]
        self.assertEqual(self.lint_steps(steps), [])

    def test_capture_stderr_values(self):
        steps = [{"op": "new", "proc": "p", "capture_stderr": "yes", "target": []},
                 {"op": "new", "proc": "q", "capture_stderr": True}]
        lines = self.lint_steps(steps)
        self.assertError(lines, "conformance/cases/0001.json: steps[0].capture_stderr: "
                                "must be true or false")
        self.assertError(lines, 'conformance/cases/0001.json: steps[1].capture_stderr: '
                                'true needs "target" or "run"')

    def test_stderr_unknown_key(self):
        steps = [{"op": "new", "proc": "p", "capture_stderr": True, "target": []},
                 {"op": "stderr", "proc": "p", "timeout": 1}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[1].timeout: unknown key '
                         '"timeout" for op "stderr"')

    def test_stderr_of_unbound_proc(self):
        self.assertError(self.lint_steps([{"op": "stderr", "proc": "p"}]),
                         'conformance/cases/0001.json: steps[0].proc: "p" is not bound by an '
                         'earlier "new" of this steps list')

    def test_stderr_without_capture_stderr(self):
        steps = [{"op": "new", "proc": "p", "target": []},
                 {"op": "stderr", "proc": "p"}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[1].proc: "p" was not created '
                         'with "capture_stderr": true, so it has no stderr to read')

    def test_stderr_of_current(self):
        self.assertError(self.lint_steps([{"op": "stderr", "proc": "@current"}]),
                         'conformance/cases/0001.json: steps[0].proc: "@current" is not a '
                         'local name ([a-z][a-z0-9_]*)')

    def test_wait_keys(self):
        steps = [{"op": "new", "proc": "p"},
                 {"op": "wait", "proc": "p"},
                 {"op": "wait", "procs": ["p"], "timeout": "1"}]
        lines = self.lint_steps(steps)
        self.assertError(lines, 'conformance/cases/0001.json: steps[1]: op "wait" needs key '
                                '"procs"')
        self.assertError(lines, 'conformance/cases/0001.json: steps[1].proc: unknown key '
                                '"proc" for op "wait"')
        self.assertError(lines, "conformance/cases/0001.json: steps[2].timeout: must be a "
                                "number or null")

    def test_wait_with_empty_procs(self):
        self.assertError(self.lint_steps([{"op": "wait", "procs": []}]),
                         "conformance/cases/0001.json: steps[0].procs: must be a non-empty "
                         "array of local names")

    def test_wait_on_unbound_special_and_repeated_names(self):
        steps = [{"op": "new", "proc": "p"},
                 {"op": "wait", "procs": ["p", "q", "@parent", "p"]}]
        lines = self.lint_steps(steps)
        self.assertError(lines, 'conformance/cases/0001.json: steps[1].procs[1]: "q" is not '
                                'bound by an earlier "new" of this steps list')
        self.assertError(lines, 'conformance/cases/0001.json: steps[1].procs[2]: "@parent" is '
                                'not a local name ([a-z][a-z0-9_]*)')
        self.assertError(lines, 'conformance/cases/0001.json: steps[1].procs[3]: "p" is listed '
                                'twice')
        self.assertEqual(len(lines), 3, lines)

    def test_schema_errors_are_casefiles(self):
        # The linter reports the oracle's schema checks, every one of them.
        case = good_case()
        case["steps"] = [{"op": "exti"}, {"op": "wait", "procs": []},
                         {"op": "stderr", "proc": "p"}]
        self.write_case(case)
        expected = ["conformance/cases/0001.json: %s: %s" % problem
                    for problem in casefile.problems(case)]
        self.assertEqual(len(expected), 3)
        self.assertEqual(self.lint(), expected)

    # -- §3 process names -------------------------------------------------
    def test_proc_not_bound(self):
        self.assertError(self.lint_steps([{"op": "start", "proc": "p"}]),
                         'conformance/cases/0001.json: steps[0].proc: "p" is not bound by an '
                         'earlier "new" of this steps list')

    def test_proc_used_before_new(self):
        steps = [{"op": "start", "proc": "p"}, {"op": "new", "proc": "p"}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[0].proc: "p" is not bound by an '
                         'earlier "new" of this steps list')

    def test_outer_proc_not_visible_in_target(self):
        steps = [{"op": "new", "proc": "a"},
                 {"op": "new", "proc": "p", "target": [{"op": "is_alive", "proc": "a"}]},
                 {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[1].target[0].proc: "a" is not '
                         'bound by an earlier "new" of this steps list')

    def test_proc_bound_twice(self):
        steps = [{"op": "new", "proc": "p"}, {"op": "new", "proc": "p"}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[1].proc: "p" is already bound by '
                         'an earlier "new" of this steps list; names must be unique')

    def test_same_name_in_different_lists_is_fine(self):
        steps = [{"op": "new", "proc": "p", "target": [{"op": "new", "proc": "p"}]},
                 {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"}]
        self.assertEqual(self.lint_steps(steps), [])

    def test_bad_local_name(self):
        self.assertError(self.lint_steps([{"op": "new", "proc": "P1"}]),
                         'conformance/cases/0001.json: steps[0].proc: "P1" is not a local '
                         'name ([a-z][a-z0-9_]*)')

    def test_new_cannot_bind_special_name(self):
        self.assertError(self.lint_steps([{"op": "new", "proc": "@current"}]),
                         'conformance/cases/0001.json: steps[0].proc: "@current" is not a '
                         'local name ([a-z][a-z0-9_]*)')

    def test_special_procs_accepted(self):
        steps = [{"op": "get", "proc": "@current", "attr": "name"},
                 {"op": "new", "proc": "p", "target": [{"op": "repr", "proc": "@parent"}]},
                 {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"}]
        self.assertEqual(self.lint_steps(steps), [])

    # -- §4.2 events ------------------------------------------------------
    def test_event_awaited_never_notified(self):
        steps = [{"op": "new", "proc": "p", "target": [{"op": "await", "event": "go"}]},
                 {"op": "start", "proc": "p"}, {"op": "join", "proc": "p"}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[0].target[0]: event "go" is '
                         'awaited but never notified')

    def test_event_awaited_more_than_notified(self):
        target = [{"op": "await", "event": "go"}, {"op": "await", "event": "go"}]
        steps = [{"op": "new", "proc": "p", "target": target},
                 {"op": "start", "proc": "p"}, {"op": "notify", "event": "go"},
                 {"op": "join", "proc": "p"}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[0].target[1]: event "go" is '
                         'awaited 2 times but notified only 1 times')

    def test_event_notified_never_awaited(self):
        steps = [{"op": "notify", "event": "raedy"}]
        lines = self.lint_steps(steps)
        self.assertTrue(any(l.startswith('conformance/cases/0001.json: steps: event "raedy" is '
                                         'notified but never awaited') for l in lines), lines)

    def test_empty_event_name(self):
        self.assertError(self.lint_steps([{"op": "notify", "event": ""}]),
                         "conformance/cases/0001.json: steps[0].event: must be a non-empty "
                         "string")

    def test_event_used_by_a_program_is_not_unbalanced(self):
        # The helper notifies "ready" through its descriptor; no step does.
        steps = [{"op": "fork", "proc": "c", "child": [
                     {"op": "call", "function": "os.execv", "args": [
                         {"path": "helper"},
                         ["h", "notify", {"event_fd": "ready", "end": "write"}]]}]},
                 {"op": "await", "event": "ready"},
                 {"op": "call", "function": "os.waitpid", "args": [{"var": "c"}, 0]}]
        self.assertEqual(self.lint_steps(steps), [])

    # -- §4.9 protocol 2 --------------------------------------------------
    def test_unknown_function_with_its_location(self):
        steps = [{"op": "fork", "proc": "c", "child": [
            {"op": "call", "function": "os.spawnz"}]}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[0].child[0].function: '
                         'unknown function "os.spawnz" (the functions of '
                         'spec/protocol.md §4.11)')

    def test_bad_expression_and_view_with_their_location(self):
        steps = [{"op": "call", "function": "os.waitpid",
                  "args": [{"var": "c"}, {"const": "os.WNOHANG"}],
                  "observe": [{"index": "0"}]}]
        lines = self.lint_steps(steps)
        self.assertError(lines, 'conformance/cases/0001.json: steps[0].args[0].var: "c" '
                                'is not a variable bound by an earlier step ("bind", '
                                '"fork") of this process')
        self.assertError(lines, "conformance/cases/0001.json: steps[0].observe[0].index: "
                                "must be an integer")

    def test_exec_in_the_main_list(self):
        self.assertError(self.lint_steps([{"op": "call", "function": "os.execv",
                                           "args": ["/x", ["x"]]}]),
                         'conformance/cases/0001.json: steps[0].function: "os.execv" '
                         'replaces or ends the process running it; the main process is '
                         'the driver (§5): call it in a child')

    def test_steps_after_an_ending_op_in_a_fork_child(self):
        steps = [{"op": "fork", "proc": "c", "child": [
                     {"op": "os_exit", "code": 0}, {"op": "hook_log"}]},
                 {"op": "call", "function": "os.waitpid", "args": [{"var": "c"}, 0]}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[0].child[1]: unreachable: '
                         'steps[0].child[0] ("os_exit") ends the process before this step')

    def test_unknown_requirement(self):
        self.assertError(self.lint_steps(good_case()["steps"], requires=["gpu"]),
                         'conformance/cases/0001.json: requires[0]: unknown requirement '
                         '"gpu" (one of root, non-root, core-dumps, fork-inheritance, '
                         'exit-closes-sentinel)')

    def test_a_child_using_its_creators_objects_must_require_fork_inheritance(self):
        steps = [{"op": "new", "proc": "q"},
                 {"op": "new", "proc": "p", "target": [
                     {"op": "get", "proc": "^q", "attr": "name"}]}]
        self.assertError(self.lint_steps(steps),
                         'conformance/cases/0001.json: steps[1].target[0].proc: "^q" names '
                         'an object of the creating process, which a "new" child has only '
                         'as a fork-time copy of its creator\'s: the case must declare '
                         '"fork-inheritance" in "requires" (§2)')
        self.assertEqual(self.lint_steps(steps, requires=["fork-inheritance"]), [])

    # -- §4.12 protocol 3 -------------------------------------------------
    def test_a_popen_case_is_clean(self):
        pipe = {"const": "subprocess.PIPE"}
        steps = [{"op": "call", "function": "subprocess.Popen",
                  "args": [[{"path": "helper"}, "cat"]],
                  "kwargs": {"stdin": pipe, "stdout": pipe}, "bind": "p"},
                 {"op": "value", "of": {"var": "p", "attr": "stdin"}, "bind": "inp"},
                 {"op": "value", "of": {"var": "p", "attr": "stdout"}, "bind": "out"},
                 {"op": "method", "var": "inp", "method": "write",
                  "args": [{"bytes": "0a"}]},
                 {"op": "method", "var": "inp", "method": "flush"},
                 {"op": "method", "var": "out", "method": "readline"},
                 {"op": "method", "var": "inp", "method": "close"},
                 {"op": "method", "var": "p", "method": "wait"},
                 {"op": "del", "var": "p"}]
        self.assertEqual(self.lint_steps(steps), [])

    def test_use_after_del_with_its_location(self):
        steps = [{"op": "call", "function": "subprocess.Popen",
                  "args": [[{"path": "helper"}, "exit", "0"]], "bind": "p"},
                 {"op": "del", "var": "p"},
                 {"op": "method", "var": "p", "method": "wait"},
                 {"op": "del", "var": "q"}]
        lines = self.lint_steps(steps)
        self.assertError(lines, 'conformance/cases/0001.json: steps[2].var: "p" was '
                                'deleted by an earlier "del" of this steps list')
        self.assertError(lines, 'conformance/cases/0001.json: steps[3].var: "q" is not '
                                'a variable bound by an earlier step ("bind", "fork") '
                                'of this steps list')

    # -- reporting --------------------------------------------------------
    def test_all_errors_reported_across_files(self):
        bad1 = good_case("0001")
        bad1["steps"].append({"op": "exti"})
        bad1["steps"].append({"op": "join", "proc": "q"})
        bad2 = good_case("0002")
        bad2["extra"] = 1
        self.write_case(bad1)
        self.write_case(bad2)
        lines = self.lint()
        self.assertError(lines, 'conformance/cases/0001.json: steps[6]: unknown op "exti"')
        self.assertError(lines, 'conformance/cases/0001.json: steps[7].proc: "q" is not bound '
                                'by an earlier "new" of this steps list')
        self.assertError(lines, 'conformance/cases/0002.json: extra: unknown key "extra"')
        self.assertEqual(len(lines), 3, lines)

    def test_main_exit_status(self):
        self.write_case(good_case())
        self.assertEqual(lint_cases.main(["--root", self.root]), 0)
        bad = good_case("0002")
        bad["steps"] = [{"op": "exti"}]
        self.write_case(bad)
        stdout, stderr = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        try:
            status = lint_cases.main(["--root", self.root])
            printed = sys.stdout.getvalue()
        finally:
            sys.stdout, sys.stderr = stdout, stderr
        self.assertEqual(status, 1)
        self.assertIn('conformance/cases/0002.json: steps[0]: unknown op "exti"', printed)


class RepositoryTest(unittest.TestCase):
    """The suite checked in next to this file lints clean."""

    def test_repository_cases(self):
        root = os.path.dirname(os.path.dirname(HERE))
        if not os.path.isdir(os.path.join(root, "conformance", "cases")):
            self.skipTest("no conformance/cases next to the tool")
        out = io.StringIO()
        n = lint_cases.lint(root, None, out=out)
        self.assertEqual(n, 0, out.getvalue())


if __name__ == "__main__":
    unittest.main()
