"""Protocol 3 in the driver (spec/protocol.md §4.12): Popen objects, their
pipes, "del", pids, and no warning in what a case reads. They launch the
helper of the default build; skipped without it."""

import os
import signal
import unittest
from unittest import mock

from support import HELPER, case, op, raised, run_driver, value
import driver

needs_helper = unittest.skipUnless(os.access(HELPER, os.X_OK),
                                   "the helper program is not built")
PIPE = {"const": "subprocess.PIPE"}


def popen(bind, *actions, **kwargs):
    return {"op": "call", "function": "subprocess.Popen",
            "args": [[{"path": "helper"}] + list(actions)],
            "kwargs": kwargs, "bind": bind}


def method(var, name, *args, **keys):
    step = {"op": "method", "var": var, "method": name}
    if args:
        step["args"] = list(args)
    step.update(keys)
    return step


def attr(var, name, **keys):
    return dict(op="value", of={"var": var, "attr": name}, **keys)


class ProtocolTest(unittest.TestCase):
    def test_version(self):
        self.assertEqual(driver.PROTOCOL, 4)


@needs_helper
class PopenTest(unittest.TestCase):
    def test_interactive_round_trip(self):
        doc = run_driver(case([
            dict(popen("p", "cat", stdin=PIPE, stdout=PIPE),
                 observe=["value", {"type": True}, {"attr": "returncode"}]),
            attr("p", "stdin", bind="inp", observe=[{"type": True}]),
            attr("p", "stdout", bind="out", observe=[{"type": True}]),
            method("inp", "write", {"bytes": "6f6e650a"}),
            method("inp", "flush"),
            method("out", "readline"),
            method("inp", "write", {"bytes": "74776f0a"}),
            method("inp", "flush"),
            method("out", "__next__"),
            method("inp", "close"),
            method("out", "__next__"),
            method("p", "wait"),
            attr("p", "returncode"),
            method("out", "close"),
            attr("out", "closed"),
            op("del", var="p"),
        ]))
        self.assertEqual(doc["streams"]["main"], [
            value([{"object": "Popen"}, "Popen", None]),
            value(["BufferedWriter"]), value(["BufferedReader"]),
            value(4), value(None), value({"bytes": "6f6e650a"}),
            value(4), value(None), value({"bytes": "74776f0a"}),
            value(None), raised("StopIteration", ""),
            value(0), value(0), value(None), value(True), value(None)])

    def test_every_popen_pid_is_known(self):
        # Never read by the case, yet in pids: a message or a repr holding it
        # is normalised (§4.12).
        doc = run_driver(case([
            popen("p", "exit", "3"), method("p", "wait"),
            popen("q", "exit", "4"), method("q", "wait"),
            attr("q", "pid", observe=["value"])]))
        self.assertEqual(len(doc["pids"]), 3)
        q_pid = doc["streams"]["main"][4]["value"][0]
        self.assertEqual(q_pid, {"pid": doc["pids"][2]})
        self.assertEqual(doc["streams"]["main"][1], value(3))

    def test_del_collects_at_once(self):
        # A Popen collected while its child runs goes to CPython's _active
        # list, and the next Popen reaps that child: waitpid then finds no
        # child. The step before "del" returned the Popen itself: the driver
        # must not keep that result alive.
        got = run_driver(case([
            popen("q", "cat", stdin=PIPE),
            attr("q", "pid", bind="pid"),
            attr("q", "stdin", bind="inp"),
            method("q", "__enter__"),
            op("del", var="q"),
            method("inp", "close"),
            {"op": "call", "function": "os.waitid", "args": [
                {"const": "os.P_PID"}, {"var": "pid"},
                {"or": [{"const": "os.WEXITED"}, {"const": "os.WNOWAIT"}]}],
             "observe": [{"attr": "si_status"}]},
            popen("r", "exit", "0"),
            method("r", "wait"),
            {"op": "call", "function": "os.waitpid", "args": [
                {"var": "pid"}, {"const": "os.WNOHANG"}]},
        ]))["streams"]["main"]
        self.assertEqual(got[3], value({"object": "Popen"}))
        self.assertEqual(got[4], value(None))
        self.assertEqual(got[6], value([0]))
        self.assertEqual(got[9], raised("ChildProcessError",
                                        "[Errno 10] No child processes"))

    def test_no_resource_warning_whatever_the_environment(self):
        with mock.patch.dict(os.environ, {"PYTHONWARNINGS": "always",
                                          "PYTHONDEVMODE": "1"}):
            doc = run_driver(case([
                popen("q", "cat", stdin=PIPE),
                attr("q", "pid", bind="pid"),
                attr("q", "stdin", bind="inp"),
                op("del", var="q"),          # its child runs: it would warn
                method("inp", "close"),
                {"op": "call", "function": "os.waitpid",
                 "args": [{"var": "pid"}, 0], "observe": [{"index": 1}]},
                op("output", stream="stderr"),
            ]))
        self.assertEqual(doc["streams"]["main"][5:], [value([0]), value("")])

    def test_a_popen_left_running_is_not_waited_for(self):
        doc = run_driver(case([popen("p", "wait-signal")]), timeout=20)
        try:
            self.assertEqual(doc["streams"]["main"], [value({"object": "Popen"})])
            self.assertEqual(len(doc["pids"]), 2)
        finally:
            # The driver has exited; its child is the case's leak, ended here.
            try:
                os.kill(doc["pids"][1], signal.SIGKILL)
            except ProcessLookupError:
                pass


if __name__ == "__main__":
    unittest.main()
