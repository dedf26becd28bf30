"""pyproc-driver (the C++ driver) on scratch protocol 3 cases (§4.12).

What the C++ driver decides on its own for Popen objects: the document
says protocol 3 and lists every Popen's pid whether the case reads it or
not; `del` unbinds a variable (a later read is malformed) and lets the object
go; a pipe file object outlives its Popen; StopIteration at end of
file; a file object passed as a stream is its fileno(); a path-like object
stands for its path.

    PYPROC_DRIVER=build/default/conformance/pyproc-driver \\
        python3 -m unittest discover -s conformance/driver/tests

Standard library only.
"""

import unittest

from test_driver_cli import DriverTest, Run
from support import case, op, raised, value  # noqa: F401 (the case vocabulary)

HELPER = {"path": "helper"}
PIPE = {"const": "subprocess.PIPE"}


def call(function, *args, **keys):
    return op("call", function=function, args=list(args), **keys)


def popen(argv, bind="p", **kwargs):
    return call("subprocess.Popen", [HELPER] + argv, kwargs=kwargs, bind=bind)


class PopenDocumentTest(DriverTest):
    def test_protocol_4_and_the_pid_of_every_popen(self):
        doc = Run(case([popen(["exit", "0"]), op("method", var="p", method="wait")])).document()
        self.assertEqual(doc["protocol"], 4)
        # The driver's own pid, then the child's, which no step read.
        self.assertEqual(len(doc["pids"]), 2, doc["pids"])
        self.assertEqual(doc["streams"]["main"], [value({"object": "Popen"}), value(0)])


class DelTest(DriverTest):
    def test_reading_a_deleted_variable_is_malformed(self):
        run = Run(case([popen(["exit", "0"]), op("method", var="p", method="wait"),
                        op("del", var="p"), op("value", of={"var": "p"})]))
        self.assertMalformed(run, "steps[3]")

    def test_the_pipe_of_a_deleted_popen_lives_on(self):
        doc = Run(case([
            popen(["print", "hi"], stdout=PIPE),
            op("value", of={"var": "p", "attr": "stdout"}, bind="out"),
            op("value", of={"var": "p", "attr": "pid"}, bind="pid"),
            op("del", var="p"),
            op("method", var="out", method="readline"),
            op("method", var="out", method="__next__"),
            op("method", var="out", method="close"),
            # The Popen is gone; once its child has ended (seen without
            # reaping it), the next Popen reaps it.
            call("os.waitid", {"const": "os.P_PID"}, {"var": "pid"},
                 {"or": [{"const": "os.WEXITED"}, {"const": "os.WNOWAIT"}]}),
            popen(["exit", "0"], bind="q"),
            call("os.waitpid", {"var": "pid"}, 0),
            op("method", var="q", method="wait"),
        ])).document()
        main = doc["streams"]["main"]
        self.assertEqual(main[3], value(None))
        self.assertEqual(main[4], value({"bytes": "68690a"}))
        self.assertEqual(main[5], raised("StopIteration", ""))
        self.assertEqual(main[9]["raised"]["type"], "ChildProcessError")
        self.assertEqual(main[10], value(0))
        self.assertEqual(doc["leaks"], [])


class StreamTest(DriverTest):
    def test_a_pipe_file_is_a_stream_and_a_path_like_a_program(self):
        doc = Run(case([
            popen(["print", "x"], bind="a", stdout=PIPE),
            op("value", of={"var": "a", "attr": "stdout"}, bind="aout"),
            call("subprocess.check_output", [{"pathlike": HELPER}, "cat"],
                 kwargs={"stdin": {"var": "aout"}}),
            op("method", var="a", method="wait"),
            op("method", var="aout", method="close"),
        ])).document()
        self.assertEqual(doc["streams"]["main"][2], value({"bytes": "780a"}))


if __name__ == "__main__":
    unittest.main()


class ClockTest(DriverTest):
    """§4.13: a time reaches the document only as comparisons."""

    def test_an_interval_is_observed_through_comparisons_only(self):
        doc = Run(case([
            op("clock", bind="t0"),
            popen(["exit", "0"]),
            op("method", var="p", method="wait"),
            op("clock", since="t0", bind="dt",
               observe=[{"compare": [">=", 0]}, {"compare": ["<", 0]}]),
            op("clock", observe=[{"compare": [">", {"var": "t0"}]}]),
        ])).document()
        main = doc["streams"]["main"]
        self.assertEqual(main[0], value(None))
        self.assertEqual(main[3], value([True, False]))
        self.assertEqual(main[4], value([True]))

    def test_a_view_of_the_time_itself_is_malformed(self):
        for view in ("value", {"repr": True}, {"attr": "real", "compare": ["==", 0]}):
            self.assertMalformed(Run(case([op("clock", observe=[view])])), "steps[0].observe")

    def test_since_names_a_time(self):
        doc = Run(case([op("value", of="x", bind="s"), op("clock", since="s")])).document()
        self.assertEqual(doc["streams"]["main"][1]["raised"]["type"], "Unexpressible")
