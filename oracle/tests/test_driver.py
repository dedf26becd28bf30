"""The driver on small inline cases: semantics, stream shapes, pids."""

import signal
import sys
import unittest

import support  # puts oracle/ on sys.path
from support import case, new, op, raised, run_driver, value
import casefile


def start_join(proc):
    return [op("start", proc), op("join", proc)]


def value(v):
    return {"value": v}


class ExitTest(unittest.TestCase):
    def test_exitcode_after_exit_3(self):
        doc = run_driver(case([new("p", target=[op("exit", code=3)])]
                              + start_join("p")
                              + [op("get", "p", attr="exitcode")]))
        self.assertEqual(doc["streams"]["main"][-1], value(3))
        # p ran one step, which ended it: its stream exists and is empty.
        self.assertEqual(doc["streams"]["p"], [])

    def test_terminate_gives_minus_15(self):
        doc = run_driver(case([
            new("p", target=[op("notify", event="ready"), op("block")]),
            op("start", "p"), op("await", event="ready"),
            op("terminate", "p"), op("join", "p"),
            op("get", "p", attr="exitcode")]))
        self.assertEqual(doc["streams"]["main"][-1], value(-signal.SIGTERM))
        self.assertEqual(doc["streams"]["p"], [value(None)])

    def test_ending_ops(self):
        targets = {
            "a": [op("raise", type="ValueError", message="boom")],
            "b": [op("exit", code="message to stderr")],
            "c": [op("exit")],
            "d": [op("os_exit", code=7)],
            "e": [op("abort")],
            "f": [op("signal_self", signal="SIGUSR1")],
            "g": [op("signal_self", signal="SIGCHLD"),
                  op("signal_self", signal="SIGINT")],
            "h": [op("raise", type="KeyboardInterrupt", message="")],
        }
        steps = [new(n, target=t) for n, t in sorted(targets.items())]
        for n in sorted(targets):
            steps += start_join(n) + [op("get", n, attr="exitcode")]
        doc = run_driver(case(steps))
        codes = [o["value"] for o in doc["streams"]["main"][len(targets):][2::3]]
        # CPython 3.8 maps a bare sys.exit() in a child to exitcode 1.
        bare_exit = 1 if sys.version_info < (3, 9) else 0
        self.assertEqual(codes, [1, 1, bare_exit, 7, -signal.SIGABRT,
                                 -signal.SIGUSR1, 1, 1])
        # SIGCHLD is ignored by default, so that step yields null.
        self.assertEqual(doc["streams"]["g"], [value(None)])


class EscapedChildTest(unittest.TestCase):
    def test_a_child_that_returns_from_start_ends_at_once(self):
        # sys.exit(2**31) in the target: _bootstrap returns 2**31, and
        # os._exit() raises OverflowError for it, so start() returns (by
        # raising) in the child, into the creating list. The child must end
        # there, as an uncaught exception ends a program, not run the rest
        # of its creator's steps.
        doc = run_driver(case([
            new("p", capture_stderr=True, target=[op("exit", code=2 ** 31)]),
            *start_join("p"), op("get", "p", attr="exitcode"),
            op("stderr", "p")]), timeout=60)
        self.assertEqual(doc["streams"]["main"], [
            value(None), value(None), value(None), value(1),
            value(["Traceback (most recent call last):",
                   "OverflowError: Python int too large to convert to C int"])])
        self.assertEqual(doc["streams"]["p"], [])


class ObjectTest(unittest.TestCase):
    def test_join_before_start(self):
        doc = run_driver(case([new("p"), op("join", "p")]))
        self.assertEqual(doc["streams"]["main"][1], raised(
            "AssertionError", "can only join a started process"))

    def test_nested_names_and_paths(self):
        doc = run_driver(case([
            new("p", target=[
                op("get", "@current", attr="name"),
                new("q", target=[op("get", "@current", attr="name"),
                                 op("get", "@parent", attr="name")]),
                *start_join("q")]),
            *start_join("p")]))
        self.assertEqual(doc["streams"]["p"][0], value("Process-1"))
        self.assertEqual(doc["streams"]["p/q"],
                         [value("Process-1:1"), value("Process-1")])

    def test_run_subclass_default_and_class_names(self):
        doc = run_driver(case([
            new("w", run=[op("get", "@current", attr="name")]),
            new("t", run=[], **{"class": "Thing"}),
            op("repr", "t"), *start_join("w")]))
        self.assertEqual(doc["streams"]["w"], [value("Worker-1")])
        self.assertEqual(doc["streams"]["main"][2],
                         value("<Thing name='Thing-2' parent=%d initial>"
                               % doc["pids"][0]))
        self.assertNotIn("t", doc["streams"])  # empty run: ran no step

    def test_parent_process(self):
        doc = run_driver(case([
            op("parent_is_none"), op("get", "@parent", attr="name"),
            new("p", target=[op("parent_is_none"),
                             op("get", "@parent", attr="pid")]),
            *start_join("p")]))
        main = doc["streams"]["main"]
        self.assertEqual(main[0], value(True))
        self.assertEqual(main[1], raised(
            "AttributeError", "'NoneType' object has no attribute 'name'"))
        self.assertEqual(doc["streams"]["p"],
                         [value(False), value({"pid": doc["pids"][0]})])

    def test_tagged_values_and_pids(self):
        doc = run_driver(case([
            new("p", target=[new("q"), *start_join("q"),
                             op("get", "q", attr="pid")]),
            *start_join("p"),
            op("get", "p", attr="pid"), op("get", "p", attr="sentinel"),
            op("set", "p", attr="authkey", value={"bytes": "00ff"}),
            op("get", "p", attr="authkey")]))
        main = doc["streams"]["main"]
        p_pid = main[3]["value"]["pid"]
        q_pid = doc["streams"]["p"][3]["value"]["pid"]
        self.assertEqual(sorted(doc["pids"]),
                         sorted([doc["pids"][0], p_pid, q_pid]))
        self.assertIsInstance(main[4]["value"]["fd"], int)
        self.assertEqual(main[6], value({"authkey": "00ff"}))

    def test_active_children_sorted_and_daemon_rule(self):
        doc = run_driver(case([
            new("b", name="b", target=[op("await", event="go")]),
            new("a", name="a", target=[op("await", event="go")]),
            new("d", daemon=True, target=[new("x"), op("start", "x")]),
            op("start", "b"), op("start", "a"), op("active_children"),
            op("notify", event="go"), op("notify", event="go"),
            op("join", "a"), op("join", "b"), *start_join("d"),
            op("active_children")]))
        main = doc["streams"]["main"]
        self.assertEqual(main[5], value(["a", "b"]))
        self.assertEqual(main[-1], value([]))
        self.assertEqual(doc["streams"]["d"][1], raised(
            "AssertionError", "daemonic processes are not allowed to have "
            "children"))

    def test_long_values_survive_the_report_pipe(self):
        long_name = 'x"\\' * 4000 + "\u00e9"
        doc = run_driver(case([
            new("p", target=[new("q", name=long_name),
                             op("get", "q", attr="name")]),
            *start_join("p")]))
        self.assertEqual(doc["streams"]["p"][1], value(long_name))


class DocumentTest(unittest.TestCase):
    def test_document_shape(self):
        doc = run_driver(case([op("parent_is_none")], case_id="0042"))
        self.assertEqual(doc["protocol"], 4)
        self.assertEqual(doc["case"], "0042")
        self.assertEqual(doc["implementation"]["name"], "CPython")
        self.assertEqual(doc["implementation"]["start_method"], "fork")
        self.assertEqual(doc["streams"], {"main": [value(True)]})

    def test_no_steps_no_streams(self):
        self.assertEqual(run_driver(case([]))["streams"], {})

    def test_missing_signal_is_unsupported(self):
        missing = sorted(n for n in casefile.LINUX_SIGNALS
                         if not hasattr(signal, n))
        if not missing:
            self.skipTest("this interpreter has every Linux signal name")
        doc = run_driver(case([new("p", target=[
            op("signal_self", signal=missing[0])])]))
        self.assertEqual(set(doc), {"protocol", "case", "unsupported"})
        self.assertIn(missing[0], doc["unsupported"])


class SignalNameTest(unittest.TestCase):
    """Aliases and real-time offsets (spec/protocol.md §4.4)."""

    def test_aliases_and_offsets_end_the_child_with_their_number(self):
        names = ["SIGIOT", "SIGIO", "SIGPOLL", "SIGRTMIN", "SIGRTMIN+3",
                 "SIGRTMAX-1", "SIGRTMAX"]
        steps = []
        for i, name in enumerate(names):
            steps += [new("p%d" % i, target=[op("signal_self", signal=name)]),
                      *start_join("p%d" % i),
                      op("get", "p%d" % i, attr="exitcode")]
        main = run_driver(case(steps))["streams"]["main"]
        self.assertEqual([o["value"] for o in main[3::4]], [
            -signal.SIGABRT, -signal.SIGIO, -signal.SIGIO, -signal.SIGRTMIN,
            -(signal.SIGRTMIN + 3), -(signal.SIGRTMAX - 1), -signal.SIGRTMAX])

    def test_ignored_offset_and_alias_sent_by_the_parent(self):
        doc = run_driver(case([
            new("p", target=[op("ignore_signal", signal="SIGRTMIN+2"),
                             op("signal_self", signal="SIGRTMIN+2"),
                             op("notify", event="ready"), op("block")]),
            op("start", "p"), op("await", event="ready"),
            op("send_signal", "p", signal="SIGIOT"), op("join", "p"),
            op("get", "p", attr="exitcode")]))
        self.assertEqual(doc["streams"]["p"], [value(None)] * 3)
        self.assertEqual(doc["streams"]["main"][-1], value(-signal.SIGABRT))


if __name__ == "__main__":
    unittest.main()
