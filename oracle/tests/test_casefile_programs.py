"""casefile.py on protocol 2 (spec/protocol.md §2 requires, §4.9-§4.11):
every new op, expression and view is checked, with its location."""

import unittest

from support import case  # puts oracle/ on sys.path
import casefile


def problems(steps, **extra):
    return casefile.problems(case(steps, **extra))


def fork(proc, child, **keys):
    return dict(op="fork", proc=proc, child=child, **keys)


class SchemaTest(unittest.TestCase):
    def assertClean(self, steps, **extra):
        self.assertEqual(problems(steps, **extra), [])

    def assertProblem(self, steps, where, message, **extra):
        self.assertIn((where, message), problems(steps, **extra))

    def test_a_full_protocol_2_case_is_clean(self):
        self.assertClean([
            {"op": "setenv", "name": "PATH", "value": {"path": "helper_dir"}},
            {"op": "call", "function": "os.register_at_fork",
             "kwargs": {"before": {"hook": "b", "raise": "RuntimeError"}}},
            fork("c", [
                {"op": "value", "of": {"var": "c"}},
                {"op": "call", "function": "os.execv", "args": [
                    {"path": "helper"},
                    ["h", "notify", {"event_fd": "ready", "end": "write"}]]}],
                capture=True, pty=False),
            {"op": "await", "event": "ready"},
            {"op": "call", "function": "os.waitpid", "args": [{"var": "c"}, 0],
             "bind": "w", "exception_attrs": ["errno"]},
            {"op": "value", "of": {"var": "w", "index": 1}, "observe": [
                "value", {"type": True}, {"index": 0, "compare": ["==", {"var": "c"}]},
                {"compare": [">=", 0]}]},
            {"op": "output", "stream": "stdout", "proc": "c", "lines": True},
            {"op": "call", "function": "os.popen",
             "args": [{"text": "{helper} print {tmp}"}], "bind": "f"},
            {"op": "method", "var": "f", "method": "read"},
            {"op": "method", "var": "f", "method": "close"},
            {"op": "write", "stream": "stdout", "text": "x"},
            {"op": "flush", "stream": "stdout"},
            {"op": "unsetenv", "name": "PATH"},
            {"op": "hasattr", "name": "os.EX_NOTFOUND"},
            {"op": "hook_log"},
            {"op": "value", "of": {"tuple": [{"bytes": "00"}, {"dict": {"a": 1}},
                                             {"const": "signal.SIGKILL"},
                                             {"environ": {"set": {"A": "b"},
                                                          "unset": ["B"]}}]}},
        ], requires=["root", "core-dumps"])

    def test_requires(self):
        for value, where, message in [
                ("root", "requires", 'must be an array of requirements (root, '
                 'non-root, core-dumps, fork-inheritance, exit-closes-sentinel)'),
                (["cores"], "requires[0]", 'unknown requirement "cores" (one of '
                 'root, non-root, core-dumps, fork-inheritance, '
                 'exit-closes-sentinel)'),
                (["root", "root"], "requires[1]", '"root" is listed twice'),
                (["root", "non-root"], "requires", '"root" and "non-root" exclude '
                 'each other')]:
            self.assertProblem([], where, message, requires=value)

    def test_unknown_and_misplaced_functions(self):
        self.assertProblem([{"op": "call", "function": "os.remove"}],
                           "steps[0].function", 'unknown function "os.remove" (the '
                           'functions of spec/protocol.md §4.11)')
        self.assertProblem([{"op": "call", "function": "os.fork"}],
                           "steps[0].function", '"os.fork" runs only through the '
                           '"fork" op')
        for f in casefile.ENDING_FUNCTIONS:
            self.assertProblem([{"op": "call", "function": f}], "steps[0].function",
                               '"%s" replaces or ends the process running it; the '
                               'main process is the driver (§5): call it in a child' % f)
            self.assertClean([fork("c", [{"op": "call", "function": f}])])

    def test_exit_and_raise_are_refused_in_a_fork_child(self):
        self.assertProblem([fork("c", [{"op": "exit"}])], "steps[0].child[0]",
                           'op "exit" would unwind through the driver in a "fork" '
                           'child; end it with "os_exit"')
        self.assertProblem([fork("c", [{"op": "raise", "type": "ValueError",
                                        "message": "m"}])],
                           "steps[0].child[0]",
                           'op "raise" would unwind through the driver in a "fork" '
                           'child; end it with "os_exit"')
        # A target inside a fork child has multiprocessing around it again.
        self.assertClean([fork("c", [{"op": "new", "proc": "p",
                                      "target": [{"op": "exit"}]}])])

    def test_variables_are_scoped(self):
        self.assertProblem([{"op": "value", "of": {"var": "x"}}], "steps[0].of.var",
                           '"x" is not a variable bound by an earlier step ("bind", '
                           '"fork") of this process')
        # Bound by an earlier step: visible; in a child: its copy.
        self.assertClean([
            {"op": "call", "function": "os.getpid", "bind": "me"},
            fork("c", [{"op": "value", "of": {"var": "me"}},
                       {"op": "value", "of": {"var": "c"}}]),
            {"op": "new", "proc": "p", "target": [{"op": "value", "of": {"var": "c"}}]}],
            requires=["fork-inheritance"])
        # A child's variables do not come back to its parent.
        self.assertProblem([fork("c", [{"op": "value", "of": 1, "bind": "y"}]),
                            {"op": "value", "of": {"var": "y"}}],
                           "steps[1].of.var", '"y" is not a variable bound by an '
                           'earlier step ("bind", "fork") of this process')
        self.assertProblem([{"op": "method", "var": "f", "method": "read"}],
                           "steps[0].var", '"f" is not a variable bound by an '
                           'earlier step ("bind", "fork") of this process')

    def test_what_a_new_child_inherits_must_be_required(self):
        message = ('which a "new" child has only as a fork-time copy of its '
                   'creator\'s: the case must declare "fork-inheritance" in '
                   '"requires" (§2)')
        uses_var = [{"op": "value", "of": 1, "bind": "x"},
                    {"op": "new", "proc": "p", "target": [
                        {"op": "value", "of": {"var": "x"}}]}]
        self.assertProblem(uses_var, "steps[1].target[0].of.var",
                           'variable "x" is its creator\'s, ' + message)
        self.assertClean(uses_var, requires=["fork-inheritance"])
        # Through a fork child of a new child, too; not once rebound there.
        self.assertProblem([{"op": "value", "of": 1, "bind": "x"},
                            {"op": "new", "proc": "p", "target": [
                                fork("c", [{"op": "method", "var": "x",
                                            "method": "read"}])]}],
                           "steps[1].target[0].child[0].var",
                           'variable "x" is its creator\'s, ' + message)
        self.assertClean([{"op": "value", "of": 1, "bind": "x"},
                          {"op": "new", "proc": "p", "target": [
                              {"op": "value", "of": 2, "bind": "x"},
                              fork("c", [{"op": "value", "of": {"var": "x"}}])]}])
        # A raw fork is a fork under every start method.
        self.assertClean([{"op": "value", "of": 1, "bind": "x"},
                          fork("c", [{"op": "value", "of": {"var": "x"}}])])
        self.assertProblem([{"op": "new", "proc": "q"},
                            {"op": "new", "proc": "p", "target": [
                                {"op": "get", "proc": "^q", "attr": "name"}]}],
                           "steps[1].target[0].proc",
                           '"^q" names an object of the creating process, ' + message)

    def test_fork_inheritance_is_met_only_under_fork(self):
        doc = case([], requires=["fork-inheritance"])
        self.assertIsNone(casefile.unsupported(doc))
        self.assertIsNone(casefile.unsupported(doc, "fork"))
        for method in ("spawn", "forkserver"):
            self.assertRegex(casefile.unsupported(doc, method),
                             r"^requires fork-inheritance: the %s start method" % method)

    def test_exit_closes_sentinel_is_met_except_under_forkserver(self):
        doc = case([], requires=["exit-closes-sentinel"])
        for method in ("fork", "spawn"):
            self.assertIsNone(casefile.unsupported(doc, method))
        self.assertRegex(casefile.unsupported(doc, "forkserver"),
                         "^requires exit-closes-sentinel: the forkserver sends")

    def test_fork_names(self):
        self.assertProblem([fork("c", []), fork("c", [])], "steps[1].proc",
                           '"c" is already bound by an earlier "fork" of this steps '
                           'list; names must be unique')
        self.assertProblem([fork("c", []), {"op": "join", "proc": "c"}],
                           "steps[1].proc", '"c" is bound by "fork" to a process id, '
                           'not a Process object')
        self.assertProblem([fork("C", [])], "steps[0].proc",
                           '"C" is not a local name ([a-z][a-z0-9_]*)')
        self.assertProblem([fork("c", [], pty=1)], "steps[0].pty", "must be true or false")
        self.assertProblem([fork("c", "x")], "steps[0].child", "must be an array of steps")

    def test_output(self):
        self.assertProblem([{"op": "output", "stream": "stdin"}], "steps[0].stream",
                           'must be "stdout" or "stderr"')
        self.assertProblem([fork("c", []), {"op": "output", "stream": "stdout",
                                            "proc": "c"}],
                           "steps[1].proc", '"c" was not created with "capture": '
                           'true, so it has no capture files of its own')
        self.assertProblem([{"op": "output", "stream": "stdout", "proc": "c"}],
                           "steps[0].proc", '"c" is not bound by an earlier "new" of '
                           'this steps list')
        self.assertClean([{"op": "new", "proc": "p", "capture": True,
                           "target": []},
                          {"op": "output", "stream": "stderr", "proc": "p"}])
        self.assertProblem([{"op": "new", "proc": "p", "capture": "yes"}],
                           "steps[0].capture", "must be true or false")

    def test_expressions(self):
        for expr, where, message in [
                ({"bytes": "0"}, "steps[0].of.bytes", '"0" is not an even-length hex '
                 'string'),
                ({"tuple": 1}, "steps[0].of.tuple", "must be an array of expressions"),
                ({"dict": []}, "steps[0].of.dict", "must be an object of expressions"),
                ({"path": "home"}, "steps[0].of.path", "must be one of helper, "
                 "helper_dir, tmp"),
                ({"text": 1}, "steps[0].of.text", "must be a string"),
                ({"const": "sys.argv"}, "steps[0].of.const", 'must name an attribute '
                 'of a module (os, signal, subprocess) like "os.P_WAIT"'),
                ({"environ": {"add": {}}}, "steps[0].of.environ", 'must be an object '
                 'with "set" and/or "unset"'),
                ({"environ": {"unset": "A"}}, "steps[0].of.environ.unset",
                 "must be an array of names"),
                ({"hook": "h", "raise": "OSError"}, "steps[0].of.raise",
                 'unknown exception type "OSError" (one of RuntimeError, ValueError, '
                 'TypeError, Exception, KeyboardInterrupt)'),
                ({"event_fd": "e"}, "steps[0].of.end", 'must be "read" or "write"'),
                ({"path": "tmp", "text": "x"}, "steps[0].of", "an object in a value is "
                 "an expression with one of the keys bytes, tuple, dict, path, text, "
                 "const, or, neg, var, environ, hook, event_fd, pathlike"),
                ({"path": "tmp", "end": "read"}, "steps[0].of",
                 'unknown key "end" for expression "path"'),
                ({"or": [1]}, "steps[0].of.or", "must be an array of two or more "
                 "expressions"),
                ({"tuple": [{"text": 2}]}, "steps[0].of.tuple[0].text",
                 "must be a string"),
                ({"pathlike": {"text": 2}}, "steps[0].of.pathlike.text",
                 "must be a string")]:
            self.assertProblem([{"op": "value", "of": expr}], where, message)

    def test_views(self):
        def views(*vs):
            return [{"op": "value", "of": 1, "observe": list(vs)}]
        self.assertProblem(views(), "steps[0].observe",
                           "must be a non-empty array of views")
        self.assertProblem(views("values"), "steps[0].observe[0]",
                           'a view is "value" or an object (§4.9)')
        self.assertProblem(views({"type": True, "attr": "a"}), "steps[0].observe[0]",
                           '{"type": true} takes no other key')
        self.assertProblem(views({"attr": "a", "index": 0}), "steps[0].observe[0]",
                           '"index" and "attr" exclude each other')
        self.assertProblem(views({"attr": "a", "compare": ["=", 1]}),
                           "steps[0].observe[0].compare",
                           "must be [OP, expression] with OP one of == != < <= > >=")
        self.assertProblem(views({"key": "a"}), "steps[0].observe[0]",
                           'unknown key "key" in a view')

    def test_call_keys(self):
        base = {"op": "call", "function": "os.getpid"}
        self.assertProblem([dict(base, args={})], "steps[0].args",
                           "must be an array of expressions")
        self.assertProblem([dict(base, kwargs={"a b": 1})], "steps[0].kwargs",
                           "must be an object whose keys are identifiers")
        self.assertProblem([dict(base, exception_attrs=[])], "steps[0].exception_attrs",
                           "must be a non-empty array of attribute names")
        self.assertProblem([dict(base, bind="X")], "steps[0].bind",
                           '"X" is not a local name ([a-z][a-z0-9_]*)')
        self.assertProblem([{"op": "method", "var": "f", "method": "readinto"}],
                           "steps[0].method", 'unknown method "readinto" (one of '
                           'read, write, close, __enter__, __exit__, flush, '
                           'readline, readlines, __iter__, __next__, poll, wait, '
                           'communicate, send_signal, terminate, kill)')
        self.assertProblem([{"op": "hasattr", "name": "EX_OK"}], "steps[0].name",
                           'must name an attribute of a module (os, signal, '
                           'subprocess) like "os.EX_OK"')
        self.assertProblem([{"op": "setenv", "name": "", "value": "v"}],
                           "steps[0].name", "must be a non-empty string")

    def test_events_include_event_descriptors(self):
        steps = [{"op": "value", "of": {"text": "{event_fd:go:read} {event_fd:x y:write}"}},
                 {"op": "value", "of": [{"event_fd": "ready", "end": "write"}]},
                 {"op": "notify", "event": "n"}]
        self.assertEqual(casefile.events(steps), {"go", "x y", "ready", "n"})
        self.assertEqual(casefile.expression_events(steps),
                         {("go", "read"), ("x y", "write"), ("ready", "write")})

    def test_walk_enters_fork_children(self):
        steps = [fork("c", [fork("d", [{"op": "hook_log"}])])]
        self.assertEqual([w for w, _ in casefile.walk(steps)],
                         ["steps[0]", "steps[0].child[0]",
                          "steps[0].child[0].child[0]"])

    def test_unmet_requirement_is_unsupported(self):
        import os
        unmet = "non-root" if os.geteuid() == 0 else "root"
        with self.assertRaises(casefile.Unsupported) as cm:
            casefile.check_case(case([], requires=[unmet]))
        self.assertTrue(str(cm.exception).startswith("requires %s: " % unmet))


if __name__ == "__main__":
    unittest.main()


class ClockTest(unittest.TestCase):
    """§4.13: a time is seen through comparisons only; `since` names a variable."""

    def test_clock(self):
        self.assertEqual(problems([
            {"op": "clock", "bind": "t0"},
            {"op": "clock", "since": "t0", "observe": [{"compare": [">=", 0.4]},
                                                       {"compare": ["<", 4.0]}]}]), [])
        message = ('a clock is observed only through comparisons ({"compare": [op, e]}): '
                   'no time may reach an expected file')
        for view in ("value", {"repr": True}, {"attr": "real", "compare": ["==", 0]}):
            self.assertIn(("steps[0].observe", message),
                          problems([{"op": "clock", "observe": [view]}]))
        self.assertIn(("steps[0].since", '"t0" is not a variable bound by an earlier step '
                       '("bind", "fork") of this process'),
                      problems([{"op": "clock", "since": "t0"}]))
