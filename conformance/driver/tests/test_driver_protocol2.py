"""pyproc-driver (the C++ driver) on scratch protocol 2 cases (§4.9-§4.11).

What the C++ driver decides on its own: a step C++ cannot write is observed
as Unexpressible and the case goes on; a malformed step is refused before
anything runs, with its JSON path; a variable whose step raised is a KeyError
later; exception attributes come from pyproc's exceptions; a child's long
observation crosses the report channel whole.

    PYPROC_DRIVER=build/default/conformance/pyproc-driver \\
        python3 -m unittest discover -s conformance/driver/tests

Standard library only.
"""

import unittest

from test_driver_cli import DriverTest, Run
from support import case, new, op, raised, value  # noqa: F401 (the case vocabulary)


def call(function, *args, **keys):
    return op("call", function=function, args=list(args), **keys)


class UnexpressibleTest(DriverTest):
    def test_the_step_is_observed_and_the_case_goes_on(self):
        doc = Run(case([call("os.WIFEXITED", "0"),
                        call("os.WEXITSTATUS", 768)])).document()
        first, second = doc["streams"]["main"]
        self.assertEqual(first["raised"]["type"], "Unexpressible")
        self.assertIn("os.WIFEXITED argument status", first["raised"]["message"])
        self.assertEqual(second, value(3))

    def test_a_tagged_int_is_named_without_its_number(self):
        # A pid's or fd's number differs between machines; the reason reaches
        # observations and deviations files, so it must not hold it.
        doc = Run(case([call("os.getpid", bind="me"),
                        call("os.popen", {"var": "me"})])).document()
        message = doc["streams"]["main"][1]["raised"]["message"]
        self.assertIn("an int (a process id)", message)
        self.assertNotIn(str(doc["pids"][0]), message)


class VariableTest(DriverTest):
    def test_a_variable_whose_step_raised_is_a_key_error(self):
        doc = Run(case([call("os.kill", -999999999, 0, bind="r"),
                        op("value", of={"var": "r"})])).document()
        self.assertEqual(doc["streams"]["main"][1], raised("KeyError", "'r'"))


class ExceptionAttrsTest(DriverTest):
    def test_os_error_attributes_come_from_pyproc(self):
        doc = Run(case([call("os.chdir", "/nonexistent-pyproc/x",
                             exception_attrs=["errno", "strerror", "filename",
                                              "winerror"])])).document()
        self.assertEqual(doc["streams"]["main"][0]["raised"]["attrs"], [
            ["errno", 2], ["strerror", "No such file or directory"],
            ["filename", "/nonexistent-pyproc/x"], ["winerror", None]])


class ChannelTest(DriverTest):
    def test_a_long_observation_of_a_child_arrives_whole(self):
        text = "\u00e9x" * 5000  # far beyond PIPE_BUF, with multi-byte characters
        doc = Run(case([new("p", target=[
                            op("write", stream="stdout", text=text),
                            op("flush", stream="stdout"),
                            op("output", stream="stdout")]),
                        op("start", "p"), op("join", "p")])).document()
        self.assertEqual(doc["streams"]["p"][2], value(text))


class ShapeTest(DriverTest):
    BAD = [
        ([call("os.WIFEXITED")], None),  # well formed: no args
        ([op("call", function="os.WIFEXITED", args=5)], "steps[0].args"),
        ([op("value", of={"nope": 1})], "steps[0].of"),
        ([op("value", of={"bytes": "zz"})], "steps[0].of.bytes"),
        ([op("value", of={"text": 5})], "steps[0].of.text"),
        ([op("value", of={"or": [1]})], "steps[0].of.or"),
        ([op("value", of={"path": "nope"})], "steps[0].of.path"),
        ([op("value", of={"event_fd": "e", "end": "sideways"})], "steps[0].of.end"),
        ([op("value", of={"var": "x", "index": 0, "attr": "a"})], "steps[0].of"),
        ([op("value", of=1, observe=[{"compare": ["~", 1]}])], "steps[0].observe[0].compare[0]"),
        ([op("value", of=1, observe=[{"len": True, "repr": True}])], "steps[0].observe[0]"),
        ([op("value", of=1, observe="value")], "steps[0].observe"),
        ([call("os.times", bind=5)], "steps[0].bind"),
        ([call("os.times", kwargs={"not an identifier": 1})], "steps[0].kwargs"),
        ([op("output", stream="nope")], "steps[0].stream"),
        ([{"op": "setenv", "name": "", "value": "x"}], "steps[0].name"),
        ([op("fork", proc="c", child=5)], "steps[0].child"),
        ([op("fork", proc="c", child=[], pty="yes")], "steps[0].pty"),
        ([op("call", function="os.times", extra=1)], "steps[0]"),
        ([5], "steps[0]"),
    ]

    def test_a_malformed_step_is_refused_with_its_path(self):
        for steps, where in self.BAD:
            with self.subTest(steps=steps):
                run = Run(case(steps))
                if where is None:
                    self.assertEqual(run.status, 0, run.err)
                else:
                    self.assertMalformed(run, where)

    def test_an_op_it_does_not_know_makes_the_case_unsupported(self):
        # protocol §5: an op this driver cannot carry out (a newer protocol's,
        # or a typo) is reported unsupported, naming the op, even in a child.
        for steps in ([op("nope")], [op("fork", proc="c", child=[op("nope")])]):
            with self.subTest(steps=steps):
                doc = Run(case(steps)).document()
                self.assertIn('"nope"', doc.get("unsupported", ""), doc)

    def test_a_file_nested_too_deep_is_refused(self):
        deep = 1
        for _ in range(200):
            deep = [deep]
        run = Run(case([op("value", of=deep)]))
        self.assertMalformed(run, "64 levels")

    def test_a_malformed_step_in_a_fork_child_is_refused_before_anything_runs(self):
        run = Run(case([op("fork", proc="c", child=[op("value", of={"tuple": 1})]),
                        call("os.waitpid", {"var": "c"}, 0)]))
        self.assertMalformed(run, "steps[0].child[0].of.tuple")


if __name__ == "__main__":
    unittest.main()
