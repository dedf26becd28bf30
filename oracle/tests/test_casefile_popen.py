"""casefile.py on protocol 3 (spec/protocol.md §4.12): subprocess.Popen, the
methods of a Popen and of its pipes, and the "del" op with its variable
checks."""

import unittest

from support import case  # puts oracle/ on sys.path
import casefile


def problems(steps, **extra):
    return casefile.problems(case(steps, **extra))


PIPE = {"const": "subprocess.PIPE"}


def popen(bind="p", *args):
    return {"op": "call", "function": "subprocess.Popen",
            "args": [[{"path": "helper"}] + list(args or ["cat"])],
            "kwargs": {"stdin": PIPE, "stdout": PIPE}, "bind": bind}


def method(var, name, *args, **keys):
    step = {"op": "method", "var": var, "method": name}
    if args:
        step["args"] = list(args)
    step.update(keys)
    return step


def delete(var):
    return {"op": "del", "var": var}


class PopenSchemaTest(unittest.TestCase):
    def assertClean(self, steps, **extra):
        self.assertEqual(problems(steps, **extra), [])

    def assertProblem(self, steps, where, message, **extra):
        self.assertIn((where, message), problems(steps, **extra))

    def test_a_full_popen_case_is_clean(self):
        self.assertClean([
            popen("p", "notify", {"event_fd": "up", "end": "write"}, "cat"),
            {"op": "await", "event": "up"},
            {"op": "value", "of": {"var": "p", "attr": "stdin"}, "bind": "inp",
             "observe": [{"type": True}, {"attr": "closed"}]},
            {"op": "value", "of": {"var": "p", "attr": "stdout"}, "bind": "out"},
            method("inp", "write", {"bytes": "68690a"}),
            method("inp", "flush"),
            method("out", "readline"),
            method("out", "read", 0),
            method("p", "poll"),
            method("p", "send_signal", {"const": "signal.SIGTERM"}),
            method("p", "terminate"),
            method("p", "kill"),
            method("p", "communicate", kwargs={"timeout": 1.0},
                   exception_attrs=["timeout", "output"]),
            method("out", "__iter__"),
            method("out", "__next__"),
            method("out", "readlines"),
            method("inp", "close"),
            method("p", "wait", kwargs={"timeout": None}),
            {"op": "value", "of": {"var": "p", "attr": "pid"}},
            method("p", "__enter__", bind="q"),
            method("q", "__exit__", None, None, None),
            delete("q"),
            delete("inp"),
            delete("out"),
            delete("p"),
        ])

    def test_popen_is_a_function(self):
        self.assertIn("subprocess.Popen", casefile.FUNCTIONS)
        self.assertClean([{"op": "call", "function": "subprocess.Popen",
                           "args": [{"text": "{helper} exit 3"}],
                           "kwargs": {"shell": True}, "bind": "p"},
                          method("p", "wait")])
        # It is no ending function: it may run in the main process and in
        # a fork child alike.
        self.assertClean([{"op": "fork", "proc": "c", "child": [
            popen("p"), method("p", "wait"), {"op": "os_exit", "code": 0}]}])

    def test_unknown_popen_method(self):
        self.assertProblem([popen("p"), method("p", "pid")], "steps[1].method",
                           'unknown method "pid" (one of %s)'
                           % ", ".join(casefile.METHODS))
        self.assertProblem([popen("p"), method("p", "_wait")], "steps[1].method",
                           'unknown method "_wait" (one of %s)'
                           % ", ".join(casefile.METHODS))

    def test_every_method_of_section_4_12_is_allowed(self):
        for name in casefile.POPEN_METHODS + casefile.PIPE_METHODS:
            self.assertIn(name, casefile.METHODS)
        # os.popen's file object keeps its methods (§4.11).
        self.assertEqual(casefile.METHODS[:5],
                         ("read", "write", "close", "__enter__", "__exit__"))
        self.assertEqual(len(set(casefile.METHODS)), len(casefile.METHODS))

    def test_del_of_an_unbound_name(self):
        self.assertProblem([delete("p")], "steps[0].var",
                           '"p" is not a variable bound by an earlier step '
                           '("bind", "fork") of this steps list')
        # A process object of "new" is no variable.
        self.assertProblem([{"op": "new", "proc": "w"}, delete("w")], "steps[1].var",
                           '"w" is not a variable bound by an earlier step '
                           '("bind", "fork") of this steps list')
        self.assertProblem([delete("P")], "steps[0].var",
                           '"P" is not a local name ([a-z][a-z0-9_]*)')
        self.assertProblem([delete(3)], "steps[0].var", "must be a string")
        self.assertProblem([{"op": "del"}], "steps[0]", 'op "del" needs key "var"')
        self.assertProblem([popen("p"), dict(delete("p"), bind="x")], "steps[1].bind",
                           'unknown key "bind" for op "del"')

    def test_del_of_a_variable_of_the_creator(self):
        # A child's copy of its creator's variable is not its own list's.
        self.assertProblem([popen("p"), {"op": "fork", "proc": "c", "child": [
            delete("p"), {"op": "os_exit", "code": 0}]}], "steps[1].child[0].var",
            '"p" is not a variable bound by an earlier step ("bind", "fork") '
            'of this steps list')
        # The fork's own name is bound by this list's step: it may go.
        self.assertClean([{"op": "fork", "proc": "c", "child": []}, delete("c")])

    def test_del_twice(self):
        self.assertProblem([popen("p"), delete("p"), delete("p")], "steps[2].var",
                           '"p" was already deleted by an earlier "del" of this '
                           'steps list')

    def test_use_after_del(self):
        deleted = '"p" was deleted by an earlier "del" of this steps list'
        self.assertProblem([popen("p"), delete("p"), method("p", "wait")],
                           "steps[2].var", deleted)
        self.assertProblem([popen("p"), delete("p"),
                            {"op": "value", "of": {"var": "p", "attr": "pid"}}],
                           "steps[2].of.var", deleted)
        self.assertProblem([popen("p"), delete("p"),
                            {"op": "value", "of": 1, "observe": [
                                {"compare": ["==", {"var": "p"}]}]}],
                           "steps[2].observe[0].compare[1].var", deleted)
        # A child created after the del has no copy of it.
        self.assertProblem([popen("p"), delete("p"), {"op": "fork", "proc": "c",
                            "child": [method("p", "wait")]}],
                           "steps[2].child[0].var", '"p" is not a variable bound '
                           'by an earlier step ("bind", "fork") of this process')

    def test_bind_again_after_del(self):
        self.assertClean([popen("p"), method("p", "wait"), delete("p"),
                          popen("p"), method("p", "wait"), delete("p")])

    def test_del_in_one_list_leaves_the_other_alone(self):
        # A fork child deletes nothing of its parent's.
        self.assertClean([{"op": "fork", "proc": "c", "child": [
            popen("q"), method("q", "wait"), delete("q")]},
            popen("q"), method("q", "wait"), delete("q")])


if __name__ == "__main__":
    unittest.main()
