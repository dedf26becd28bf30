"""Protocol 2 in the driver (spec/protocol.md §4.9-§4.11): expressions,
call/method/value, fork, capture files, hooks, views, exception attributes,
requirements. Cases that launch a program need the helper of the default
build; they are skipped without it."""

import os
import unittest

from support import HELPER, case, op, raised, run_driver, value
import casefile

needs_helper = unittest.skipUnless(os.access(HELPER, os.X_OK),
                                   "the helper program is not built")


def call(function, *args, **keys):
    step = {"op": "call", "function": function}
    if args:
        step["args"] = list(args)
    step.update(keys)
    return step


def var(name, **keys):
    return dict(var=name, **keys)


def fork(proc, child, **keys):
    return dict(op="fork", proc=proc, child=child, **keys)


def reap(proc):
    return call("os.waitpid", var(proc), 0, bind="w_" + proc,
                observe=[{"index": 1}])


def main_stream(steps, **extra):
    return run_driver(case(steps, **extra))["streams"]["main"]


class ExpressionTest(unittest.TestCase):
    def test_values_of_every_expression(self):
        got = main_stream([
            op("value", of={"tuple": [1, {"bytes": "00ff"}]}, observe=[
                {"type": True}, "value"]),
            op("value", of={"dict": {"a": [1, 2]}}, observe=[{"repr": True}]),
            op("value", of={"or": [{"const": "os.WEXITED"}, {"const": "os.WNOWAIT"}, 1]}),
            op("value", of={"const": "signal.SIGTERM"}, observe=[{"repr": True}]),
            op("value", of={"text": "{tmp}|{helper_dir}|{helper}"}),
            op("value", of={"path": "tmp"}, bind="t"),
            op("value", of={"var": "t"}, observe=[{"compare": ["==", {"path": "tmp"}]}]),
            op("value", of={"environ": {"set": {"PYPROC_X": "1"}, "unset": ["PATH"]}},
               observe=[{"type": True}]),
            op("value", of={"hook": "h", "raise": "ValueError"}, observe=[{"repr": True}]),
            call("os.getpid", bind="me"),
            op("value", of={"neg": {"var": "me"}}, observe=[
                {"compare": ["<", 0]}, {"type": True}]),
        ])
        tmp = got[5]["value"]
        self.assertEqual(got[0], value(["tuple", [1, {"bytes": "00ff"}]]))
        self.assertEqual(got[1], value(["{'a': [1, 2]}"]))
        self.assertEqual(got[2], value(os.WEXITED | os.WNOWAIT | 1))
        self.assertEqual(got[3], value(["<Signals.SIGTERM: 15>"]))
        self.assertEqual(got[4], value("%s|%s|%s" % (tmp, os.path.dirname(HELPER), HELPER)))
        self.assertEqual(got[6], value([True]))
        self.assertEqual(got[7], value(["dict"]))
        self.assertEqual(got[8], value(["<hook h>"]))
        self.assertEqual(got[10], value([True, "int"]))  # a negated pid is no pid

    def test_environ_sets_and_removes(self):
        got = main_stream([
            {"op": "setenv", "name": "PYPROC_A", "value": "a"},
            op("value", of={"environ": {"set": {"PYPROC_B": {"path": "tmp"}},
                                        "unset": ["PYPROC_A", "NO_SUCH"]}}, bind="env"),
            op("value", of=var("env"), observe=[{"len": True}]),
            {"op": "unsetenv", "name": "PYPROC_A"},
            {"op": "unsetenv", "name": "PYPROC_A"},
        ])
        self.assertEqual(got[0], value(None))
        self.assertEqual(got[3], value(None))
        self.assertEqual(got[4], raised("KeyError", "'PYPROC_A'"))

    def test_missing_constant_raises_in_the_step(self):
        got = main_stream([op("value", of={"const": "os.P_DETACH"}),
                           {"op": "hasattr", "name": "os.EX_NOTFOUND"},
                           {"op": "hasattr", "name": "os.EX_OK"},
                           call("os.plock", 0)])
        self.assertEqual(got, [
            raised("AttributeError", "module 'os' has no attribute 'P_DETACH'"),
            value(False), value(True),
            raised("AttributeError", "module 'os' has no attribute 'plock'")])


class CallTest(unittest.TestCase):
    def test_results_are_tagged(self):
        doc = run_driver(case([
            call("os.getpid", bind="me"),
            call("os.getuid", observe=["value", {"type": True}]), call("os.getegid"),
            call("os.waitpid", -1, {"const": "os.WNOHANG"}),
            fork("c", [op("os_exit", code=3)]),
            call("os.waitpid", var("c"), 0, bind="w"),
            op("value", of=var("w", index=0), observe=[
                {"compare": ["==", var("c")]}]),
            call("os.WEXITSTATUS", var("w", index=1)),
        ]))
        got = doc["streams"]["main"]
        me = got[0]["value"]["pid"]
        child = got[4]["value"]["pid"]
        self.assertEqual(doc["pids"][0], me)
        self.assertIn(child, doc["pids"])
        self.assertEqual(got[1], value([{"uid": os.getuid()}, "int"]))
        self.assertEqual(got[2], value({"gid": os.getegid()}))
        # No child yet: ECHILD, not a pid 0.
        self.assertEqual(got[3]["raised"]["type"], "ChildProcessError")
        self.assertEqual(got[5], value([{"pid": child}, 3 << 8]))
        self.assertEqual(got[6:], [value([True]), value(3)])

    def test_descriptor_functions(self):
        """§4.11: os.dup, os.dup2 and os.pipe give tagged descriptors;
        os.set_inheritable/get_inheritable and os.umask plain values."""
        got = main_stream([
            call("os.pipe", bind="p"),
            call("os.dup2", var("p", index=0), 40),
            call("os.dup2", var("p", index=1), 41, kwargs={"inheritable": False}),
            call("os.get_inheritable", 40), call("os.get_inheritable", 41),
            call("os.set_inheritable", 41, True), call("os.get_inheritable", 41),
            call("os.dup", 40, bind="d"),
            call("os.close", var("d")), call("os.close", 40), call("os.close", 41),
            call("os.close", var("p", index=0)), call("os.close", var("p", index=1)),
            call("os.umask", 0o22, observe=[{"type": True}]),
        ])
        r, w = got[0]["value"][0]["fd"], got[0]["value"][1]["fd"]
        self.assertEqual(got[0], value([{"fd": r}, {"fd": w}]))
        self.assertEqual(got[1:3], [value({"fd": 40}), value({"fd": 41})])
        self.assertEqual(got[3:7], [value(True), value(False), value(None), value(True)])
        self.assertIn("fd", got[7]["value"])
        self.assertEqual(got[8:13], [value(None)] * 5)
        self.assertEqual(got[13], value(["int"]))

    @needs_helper
    def test_pathlike_is_an_os_pathlike(self):
        got = main_stream([
            op("value", of={"pathlike": {"path": "helper"}},
               observe=[{"type": True}, {"repr": True}]),
            call("subprocess.check_output", [{"pathlike": {"path": "helper"}}, "print", "x"]),
            call("subprocess.check_output", [{"path": "helper"}, "cwd"],
                 kwargs={"cwd": {"pathlike": {"bytes": "2f"}}}),
        ])
        self.assertEqual(got[0], value(["FakePath", "<FakePath %r>" % HELPER]))
        self.assertEqual(got[1:], [value({"bytes": b"x\n".hex()}),
                                   value({"bytes": b"cwd /\n".hex()})])

    def test_wnohang_gives_zero_not_a_pid(self):
        got = main_stream([
            fork("c", [op("await", event="go")]),
            call("os.waitpid", var("c"), {"const": "os.WNOHANG"}),
            op("notify", event="go"),
            reap("c")])
        self.assertEqual(got[1], value([0, 0]))

    def test_exception_attrs(self):
        got = main_stream([
            call("os.kill", 0x7ffffff0, 0, exception_attrs=["errno", "strerror", "nope"]),
            call("os.waitpid", -1, 0, exception_attrs=["errno"])])
        self.assertEqual(got[0], {"raised": {
            "type": "ProcessLookupError", "message": "[Errno 3] No such process",
            "class": "ProcessLookupError", "bases": ["OSError", "Exception", "BaseException"],
            "attrs": [["errno", 3], ["strerror", "No such process"], ["nope", None]]}})
        self.assertEqual(got[1]["raised"]["attrs"], [["errno", 10]])

    def test_numbers_keep_their_kind(self):
        # §4.9: 1 is an int and 1.0 a float in a step, as json reads them.
        got = main_stream([op("value", of=[1, 1.0, 2.5e-1], observe=[{"repr": True}]),
                           op("value", of=1.0, observe=[{"type": True}, "value"])])
        self.assertEqual(got, [value(["[1, 1.0, 0.25]"]), value(["float", 1.0])])

    @needs_helper
    def test_timeout_expired_attrs_keep_the_float(self):
        got = main_stream([
            call("subprocess.run", [{"path": "helper"}, "wait-signal"],
                 kwargs={"capture_output": True, "timeout": 0.25},
                 exception_attrs=["timeout", "output", "stderr"]),
            call("os.waitpid", -1, {"const": "os.WNOHANG"})])
        self.assertEqual(got[0]["raised"]["type"], "TimeoutExpired")
        self.assertEqual(got[0]["raised"]["message"],
                         "Command '['%s', 'wait-signal']' timed out after 0.25 seconds" % HELPER)
        self.assertEqual(got[0]["raised"]["attrs"],
                         [["timeout", 0.25], ["output", None], ["stderr", None]])
        self.assertEqual(got[1]["raised"]["type"], "ChildProcessError")  # killed, reaped

    def test_views(self):
        got = main_stream([
            call("os.times", bind="t", observe=[
                {"type": True}, {"len": True}, {"attr": "user", "compare": [">=", 0]}]),
            op("value", of=var("t"), observe=[
                {"index": 0, "compare": ["==", {"var": "t", "attr": "user"}]},
                {"compare": ["==", var("t")]}]),
        ])
        self.assertEqual(got, [value(["times_result", 5, True]), value([True, True])])

    def test_arguments_are_untagged(self):
        child = run_driver(case([
            call("os.getpid", bind="me"),
            fork("c", [call("os.execv", var("me"), ["x"]), op("os_exit", code=0)]),
            reap("c")]))["streams"]["c"]
        self.assertEqual(child, [raised(
            "TypeError", "execv: path should be string, bytes or os.PathLike, not int")])

    def test_a_raising_view_is_the_observation(self):
        got = main_stream([call("os.times", observe=[{"attr": "nope"}])])
        self.assertEqual(got[0]["raised"]["type"], "AttributeError")

    def test_objects_encode_as_their_type(self):
        got = main_stream([call("os.times"),
                           call("signal.signal", {"const": "signal.SIGUSR1"},
                                {"hook": "u"}),
                           call("signal.signal", {"const": "signal.SIGUSR1"},
                                {"const": "signal.SIG_DFL"})])
        self.assertEqual(got, [value({"object": "times_result"}),
                               value(0),  # SIG_DFL, an IntEnum
                               value({"object": "Hook"})])


class ForkTest(unittest.TestCase):
    def test_child_stream_and_values(self):
        doc = run_driver(case([
            call("os.getpid", bind="parent"),
            fork("c", [op("value", of=var("c")),
                       call("os.getppid", observe=[{"compare": ["==", var("parent")]}]),
                       op("os_exit", code=7)]),
            reap("c")]))
        streams = doc["streams"]
        child = streams["main"][1]["value"]["pid"]
        self.assertEqual(streams["c"], [value(0), value([True])])
        self.assertEqual(streams["main"][2], value([7 << 8]))
        self.assertIn(child, doc["pids"])

    def test_nested_paths(self):
        streams = run_driver(case([
            fork("c", [fork("d", [op("value", of=var("d"))]), reap("d")]),
            reap("c")]))["streams"]
        self.assertEqual(streams["c/d"], [value(0)])
        self.assertEqual(streams["c"][1], value([0]))

    def test_end_of_list_does_not_flush(self):
        got = main_stream([
            op("write", stream="stdout", text="parent\n"),
            fork("c", [op("write", stream="stdout", text="child\n")]),
            reap("c"),
            op("output", stream="stdout"),
            op("flush", stream="stdout"),
            op("output", stream="stdout")])
        self.assertEqual(got[3:], [value(""), value(None), value("parent\n")])

    def test_fork_copies_the_buffer(self):
        got = main_stream([
            op("write", stream="stdout", text="once\n"),
            fork("c", [op("flush", stream="stdout")]),
            reap("c"),
            op("flush", stream="stdout"),
            op("output", stream="stdout")])
        self.assertEqual(got[-1], value("once\nonce\n"))

    def test_own_capture_files(self):
        got = main_stream([
            fork("c", [op("write", stream="stderr", text="to own\n")], capture=True),
            reap("c"),
            op("output", stream="stderr", proc="c"),
            op("output", stream="stderr", proc="c"),
            op("output", stream="stderr")])
        self.assertEqual(got[2:], [value("to own\n"), value(""), value("")])

    def test_output_lines_and_bytes(self):
        got = main_stream([
            op("write", stream="stderr", text="Head:\n  indented\n\tTab\nTail\n"),
            op("output", stream="stderr", lines=True),
            fork("c", [call("os._exit", 0)], capture=True),
            reap("c")])
        self.assertEqual(got[1], value(["Head:", "Tail"]))

    def test_new_with_capture(self):
        streams = run_driver(case([
            {"op": "new", "proc": "p", "capture": True, "target": [
                op("write", stream="stdout", text="from p\n")]},
            op("start", "p"), op("join", "p"),
            op("output", stream="stdout", proc="p"),
            op("output", stream="stdout")]))["streams"]
        # _bootstrap flushes the child's streams at its end.
        self.assertEqual(streams["main"][3:], [value("from p\n"), value("")])

    def test_exec_loses_the_buffer_and_keeps_the_pid(self):
        if not os.access(HELPER, os.X_OK):
            self.skipTest("the helper program is not built")
        doc = run_driver(case([
            fork("c", [op("write", stream="stdout", text="lost\n"),
                       call("os.execv", {"path": "helper"},
                            ["name", "argv0", "pid", "print", "x"])]),
            reap("c"),
            op("output", stream="stdout")]))
        child = doc["streams"]["main"][0]["value"]["pid"]
        self.assertEqual(doc["streams"]["main"][2],
                         value("argv0 name\npid %d\nx\n" % child))
        self.assertEqual(doc["streams"]["c"], [value(None)])

    @needs_helper
    def test_event_fd_reaches_a_program(self):
        got = main_stream([
            call("os.spawnv", {"const": "os.P_NOWAIT"}, {"path": "helper"},
                 ["h", "notify", {"event_fd": "ready", "end": "write"},
                  "await", {"event_fd": "go", "end": "read"}, "exit", "4"], bind="h"),
            op("await", event="ready"),
            call("os.waitpid", var("h"), {"const": "os.WNOHANG"}),
            op("notify", event="go"),
            call("os.waitpid", var("h"), 0, observe=[{"index": 1}])])
        self.assertEqual(got[2], value([0, 0]))
        self.assertEqual(got[4], value([4 << 8]))

    @needs_helper
    def test_text_placeholders_in_a_shell_command(self):
        got = main_stream([
            op("notify", event="go"),
            call("os.system", {"text": "{helper} await {event_fd:go:read} print ok"}),
            op("output", stream="stdout")])
        self.assertEqual(got[1:], [value(0), value("ok\n")])

    @needs_helper
    def test_pty_child_has_a_controlling_terminal(self):
        got = main_stream([
            fork("c", [call("os.execv", {"path": "helper"}, ["h", "tty"])], pty=True),
            call("os.waitpid", var("c", index=0), 0),
            call("os.close", var("c", index=1)),
            op("output", stream="stdout")])
        self.assertEqual(got[0]["value"][1].keys(), {"fd"})
        self.assertEqual(got[3], value("stdin-tty yes\nctty yes\n"))


class HookTest(unittest.TestCase):
    def test_order_and_processes(self):
        streams = run_driver(case([
            call("os.register_at_fork", kwargs={
                "before": {"hook": "b1"}, "after_in_parent": {"hook": "p1"},
                "after_in_child": {"hook": "c1"}}),
            call("os.register_at_fork", kwargs={
                "before": {"hook": "b2"}, "after_in_parent": {"hook": "p2"},
                "after_in_child": {"hook": "c2"}}),
            fork("c", [op("hook_log")]),
            reap("c"),
            op("hook_log"), op("hook_log")]))["streams"]
        self.assertEqual(streams["c"], [value(["c1", "c2"])])
        self.assertEqual(streams["main"][4:], [value(["b2", "b1", "p1", "p2"]), value([])])

    def test_a_raising_hook_is_reported_and_ignored(self):
        got = main_stream([
            call("os.register_at_fork", kwargs={"before": {"hook": "b", "raise": "RuntimeError"}}),
            fork("c", []),
            reap("c"),
            op("hook_log"),
            op("output", stream="stderr", lines=True)])
        self.assertEqual(got[3], value(["b"]))
        self.assertEqual(got[4]["value"][0], "Exception ignored in: <hook b>")
        self.assertEqual(got[4]["value"][-1], "RuntimeError: b")

    def test_hook_as_signal_handler(self):
        got = main_stream([
            call("signal.signal", {"const": "signal.SIGUSR1"}, {"hook": "usr1"}),
            call("os.getpid", bind="me"),
            call("os.kill", var("me"), {"const": "signal.SIGUSR1"}),
            op("hook_log")])
        self.assertEqual(got[3], value(["usr1"]))


class RequirementTest(unittest.TestCase):
    def test_unmet_requirement_is_unsupported(self):
        unmet = "non-root" if os.geteuid() == 0 else "root"
        doc = run_driver(case([op("hook_log")], requires=[unmet]))
        self.assertEqual(doc["protocol"], 4)
        self.assertIn("requires %s" % unmet, doc["unsupported"])

    def test_no_core_unless_required(self):
        got = main_stream([fork("c", [op("abort")]), reap("c")])
        self.assertEqual(got[1], value([6]))

    @unittest.skipIf(casefile.missing_requirement("core-dumps"),
                     "this machine does not allow core dumps")
    def test_core_when_required(self):
        got = main_stream([fork("c", [op("abort")]), reap("c"),
                           call("os.WCOREDUMP", var("w_c", index=1))],
                          requires=["core-dumps"])
        self.assertEqual(got[1:], [value([6 | 0x80]), value(True)])


if __name__ == "__main__":
    unittest.main()


class ClockTest(unittest.TestCase):
    """§4.13: null, or the comparisons; never the time itself."""

    def test_an_interval_through_comparisons(self):
        self.assertEqual(main_stream([
            op("clock", bind="t0"),
            call("os.getpid"),
            op("clock", since="t0", bind="dt",
               observe=[{"compare": [">=", 0]}, {"compare": ["<", 0]}]),
            op("clock", observe=[{"compare": [">", var("t0")]}]),
        ])[2:], [value([True, False]), value([True])])
