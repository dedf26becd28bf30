"""pyproc-driver (the C++ driver) run on scratch case files.

What only a driver can get wrong, checked on the real binary: signal names
(spec/protocol.md §4.8), a malformed or unexpected step that must end the
driver at once instead of leaving it waiting for its children in the exit
function, what `target_args` reports, and the ops on `@parent`.

    PYPROC_DRIVER=build/default/conformance/pyproc-driver \\
        python3 -m unittest discover -s conformance/driver/tests

Standard library only.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "oracle", "tests"))
from support import case, new, op, raised, value  # noqa: E402 (the case vocabulary)

DRIVER = os.environ.get("PYPROC_DRIVER", "")
# Far more than any of these cases needs; a driver that waits for a blocked
# child would take forever.
TIMEOUT = 20


def group_is_empty(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


class Run:
    """One run of the driver: status, stdout, stderr, seconds taken."""

    def __init__(self, doc):
        with tempfile.TemporaryDirectory() as tmp:
            self.path = os.path.join(tmp, "scratch.json")
            with open(self.path, "w") as f:
                json.dump(doc, f)
            began = time.monotonic()
            proc = subprocess.Popen([DRIVER, self.path], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
            try:
                out, err = proc.communicate(timeout=TIMEOUT)
                self.hung = False
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                out, err = proc.communicate()
                self.hung = True
            self.seconds = time.monotonic() - began
            self.status = proc.returncode
            self.out = out.decode()
            self.err = err.decode()
            # Whatever the driver left in its process group: the harness would
            # kill it (spec/protocol.md §8); here it must be gone already.
            self.left_behind = not group_is_empty(proc.pid)
            if self.left_behind:
                os.killpg(proc.pid, signal.SIGKILL)

    def document(self):
        if self.status != 0:
            raise AssertionError("driver exit %s: %s" % (self.status, self.err))
        return json.loads(self.out)


@unittest.skipUnless(DRIVER, "set PYPROC_DRIVER to the pyproc-driver binary")
class DriverTest(unittest.TestCase):
    def assertMalformed(self, run, *fragments):
        self.assertFalse(run.hung, "the driver hung: %s" % run.err)
        self.assertEqual(run.status, 2, run.err)
        # At most the beginning of a document (it is printed as the case
        # goes, §5), never a whole one.
        if run.out:
            with self.assertRaises(ValueError, msg=run.out):
                json.loads(run.out)
        self.assertIn("scratch.json", run.err)
        for fragment in fragments:
            self.assertIn(fragment, run.err)
        self.assertFalse(run.left_behind, "a process of the case outlived the driver")


class SignalNameTest(DriverTest):
    def test_unknown_name_after_a_child_started_is_a_prompt_error(self):
        # The bad step comes after a child that waits for a token the main
        # process would only post later: the name must be refused before
        # anything runs, not when the step is reached.
        run = Run(case([new("p", target=[op("await", event="go")]),
                        op("start", "p"),
                        op("send_signal", "p", signal="SIGFOO"),
                        op("notify", event="go"), op("join", "p")]))
        self.assertMalformed(run, "steps[2].signal", '"SIGFOO"')

    def test_unknown_name_in_a_nested_list(self):
        run = Run(case([new("p", target=[new("q", target=[
                            op("signal_self", signal="SIGRTMIN+31")])])]))
        self.assertMalformed(run, "steps[0].target[0].target[0].signal",
                             '"SIGRTMIN+31"')

    def test_every_name_of_another_kind_is_malformed(self):
        for name in ("SIGINFO", "SIGEMT", "SIG_IGN", "sigusr1", "SIGRTMIN+0",
                     "SIGRTMIN+03", "SIGRTMAX+1", "SIGRTMIN + 1", 10, None):
            with self.subTest(name=name):
                run = Run(case([new("p", target=[
                    op("ignore_signal", signal=name)])]))
                self.assertMalformed(run, "steps[0].target[0].signal")

    def test_aliases_and_real_time_offsets(self):
        names = ["SIGIOT", "SIGIO", "SIGPOLL", "SIGRTMIN", "SIGRTMIN+3",
                 "SIGRTMAX-1", "SIGRTMAX", "SIGSTKFLT", "SIGPWR"]
        steps = []
        for i, name in enumerate(names):
            p = "p%d" % i
            steps += [new(p, target=[op("signal_self", signal=name)]),
                      op("start", p), op("join", p),
                      op("get", p, attr="exitcode"), op("repr", p)]
        main = Run(case(steps)).document()["streams"]["main"]
        codes = [o["value"] for o in main[3::5]]
        texts = [o["value"].split("exitcode=")[1][:-1] for o in main[4::5]]
        rtmin, rtmax = signal.SIGRTMIN, signal.SIGRTMAX
        self.assertEqual(codes, [-6, -29, -29, -rtmin, -(rtmin + 3),
                                 -(rtmax - 1), -rtmax, -16, -30])
        # multiprocessing's _exitcode_to_name: the later alias wins, and the
        # unnamed real-time signals stay numbers.
        self.assertEqual(texts, ["-SIGABRT", "-SIGPOLL", "-SIGPOLL", "-SIGRTMIN",
                                 str(-(rtmin + 3)), str(-(rtmax - 1)),
                                 "-SIGRTMAX", "-SIGSTKFLT", "-SIGPWR"])

    def test_ignored_alias_and_default_ignored_alias(self):
        doc = Run(case([
            new("p", target=[op("ignore_signal", signal="SIGIO"),
                             op("signal_self", signal="SIGPOLL"),
                             op("signal_self", signal="SIGCLD"),
                             op("ignore_signal", signal="SIGRTMAX-2"),
                             op("notify", event="ready"), op("block")]),
            op("start", "p"), op("await", event="ready"),
            op("send_signal", "p", signal="SIGRTMAX-2"),
            op("send_signal", "p", signal="SIGIOT"), op("join", "p"),
            op("get", "p", attr="exitcode")])).document()
        self.assertEqual(doc["streams"]["p"], [value(None)] * 5)
        self.assertEqual(doc["streams"]["main"][-1], value(-6))


class EscapeTest(DriverTest):
    def test_a_step_the_driver_cannot_run_does_not_wait_for_children(self):
        # "q" is bound nowhere: the driver finds out only when it gets there,
        # with a child blocked on a token that will never come. It must end
        # at once (and take that child with it), not join it forever.
        run = Run(case([new("p", target=[op("await", event="go")]),
                        op("start", "p"), op("start", "q"),
                        op("notify", event="go")]))
        self.assertMalformed(run, '"q"')

    def test_a_child_that_cannot_run_a_step_fails_the_run_at_once(self):
        # The same inside a child, which has a grandchild of its own blocked
        # on a token: the child ends both and reports, and the run fails
        # instead of showing a made-up traceback as the child's end.
        run = Run(case([new("p", target=[
                            new("g", target=[op("await", event="go")]),
                            op("start", "g"), op("start", "q"),
                            op("notify", event="go")]),
                        op("start", "p"), op("join", "p")]))
        self.assertMalformed(run, "p: ", '"q"')


class ExitCodeTest(DriverTest):
    def test_a_code_beyond_int64_is_unsupported(self):
        for code in (2 ** 63, 2 ** 64 - 1, 2 ** 70):
            with self.subTest(code=code):
                doc = Run(case([new("p", target=[op("exit", code=code)]),
                                op("start", "p"), op("join", "p")])).document()
                self.assertIn("64-bit", doc.get("unsupported", ""), doc)


class TargetArgsTest(DriverTest):
    def test_reports_the_received_values_in_canonical_form(self):
        args = [{"bytes": "ABcd"}, [{"bytes": "FF"}, {"bytes": ""}], 1.5, "s",
                None, True, -7]
        kwargs = {"z": {"bytes": "0A"}, "a": [1, {"bytes": "Ee"}]}
        doc = Run(case([new("p", target=[op("target_args")], args=args,
                            kwargs=kwargs),
                        op("start", "p"), op("join", "p")])).document()
        self.assertEqual(doc["streams"]["p"], [value([
            [{"bytes": "abcd"}, [{"bytes": "ff"}, {"bytes": ""}], 1.5, "s", None,
             True, -7],
            [["a", [1, {"bytes": "ee"}]], ["z", {"bytes": "0a"}]]])])


# Every op of §4.1 that takes a `proc`, as it is applied to @parent.
PARENT_OPS = [
    op("start", "@parent"), op("join", "@parent", timeout=0),
    op("is_alive", "@parent"), op("terminate", "@parent"), op("kill", "@parent"),
    op("close", "@parent"),
    *[op("get", "@parent", attr=a) for a in
      ("name", "daemon", "pid", "ident", "exitcode", "authkey", "sentinel")],
    op("set", "@parent", attr="name", value="x"),
    op("set", "@parent", attr="daemon", value=True),
    op("set", "@parent", attr="authkey", value={"bytes": "00"}),
    op("repr", "@parent"), op("sentinel_ready", "@parent", timeout=0),
    op("send_signal", "@parent", signal="SIGCHLD"),
]


class ParentTest(DriverTest):
    def test_in_the_main_process_parent_is_none(self):
        # CPython: None.<attribute> -> AttributeError naming the attribute
        # (not the op); repr(None) is 'None'.
        attribute = {"sentinel_ready": "sentinel", "send_signal": "pid"}
        main = Run(case(PARENT_OPS)).document()["streams"]["main"]
        expected = []
        for step in PARENT_OPS:
            if step["op"] == "repr":
                expected.append(value("None"))
                continue
            name = step.get("attr") or attribute.get(step["op"], step["op"])
            expected.append(raised("AttributeError",
                                   "'NoneType' object has no attribute '%s'" % name))
        self.assertEqual(main, expected)

    def test_in_a_child_every_op_is_carried_out_or_unsupported_up_front(self):
        for step in PARENT_OPS:
            with self.subTest(op=step["op"], attr=step.get("attr")):
                # The first step would show if anything ran before the driver
                # decided it cannot run the case.
                doc = Run(case([new("p", target=[step]), op("start", "p"),
                                op("join", "p")])).document()
                if "unsupported" in doc:
                    self.assertEqual(set(doc), {"protocol", "case", "unsupported"})
                    self.assertIn("@parent", doc["unsupported"])
                else:
                    self.assertEqual(len(doc["streams"]["p"]), 1, doc)


if __name__ == "__main__":
    unittest.main()
